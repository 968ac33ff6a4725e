import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { crc32 } from '../../src/util/crc.ts';
import { encodePng, type PngChannels } from '../../src/util/png.ts';

/** Tiny PNG decoder for 8-bit non-interlaced images: checks chunk CRCs and undoes the five row filters. */
function decodePng(png: Uint8Array): { width: number; height: number; channels: number; pixels: Uint8Array } {
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (pos < png.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const data = png.subarray(pos + 8, pos + 8 + len);
    assert.equal(view.getUint32(pos + 8 + len), crc32(png.subarray(pos + 4, pos + 8 + len)), `${type} CRC`);
    types.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      assert.equal(data[8], 8);
      channels = ({ 0: 1, 4: 2, 2: 3, 6: 4 } as Record<number, number>)[data[9]!]!;
      assert.deepEqual(Array.from(data.subarray(10, 13)), [0, 0, 0]);
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    pos += 12 + len;
  }
  assert.equal(types[0], 'IHDR');
  assert.equal(types[types.length - 1], 'IEND');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1));
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? out[(y - 1) * stride + i - channels]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0);
      out[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels: out };
}

test('encodePng round-trips every channel layout through an independent decoder', () => {
  const filtersSeen = new Set<number>();
  for (const channels of [1, 2, 3, 4] as PngChannels[]) {
    for (const [w, h] of [
      [1, 1],
      [7, 5],
      [64, 33],
    ] as const) {
      const px = new Uint8Array(w * h * channels);
      // mix of gradients (favour Sub/Up/Paeth) and noise (favours None)
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w * channels; x++) {
          px[y * w * channels + x] = y % 3 === 0 ? (x * 3 + y * 5) & 0xff : (x * 2654435761 + y * 97) >>> 24;
        }
      }
      const png = encodePng(px, w, h, channels);
      const d = decodePng(png);
      assert.equal(d.width, w);
      assert.equal(d.height, h);
      assert.equal(d.channels, channels);
      assert.deepEqual(d.pixels, px);
    }
  }
  // The adaptive filter choice uses more than one filter type on a varied image.
  const w = 32;
  const h = 32;
  const hash = (n: number) => (Math.imul(n, 2654435761) >>> 24) & 0xff;
  // top half: every row the same noise (Up wins); bottom half: a horizontal ramp (Sub wins)
  const px = new Uint8Array(w * h * 3).map((_, i) =>
    i < (w * h * 3) / 2 ? hash(i % (w * 3)) : (i % (w * 3)) * 2,
  );
  const png = encodePng(px, w, h, 3);
  const idatLen = new DataView(png.buffer, png.byteOffset).getUint32(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  for (let y = 0; y < h; y++) filtersSeen.add(raw[y * (w * 3 + 1)]!);
  assert.ok(filtersSeen.size >= 2, `filters used: ${[...filtersSeen]}`);
  assert.deepEqual(decodePng(png).pixels, px);
});

test('encodePng validates its arguments', () => {
  assert.throws(() => encodePng(new Uint8Array(5), 2, 2, 1), /expected 4 bytes for 2x2x1, got 5/);
  assert.throws(() => encodePng(new Uint8Array(0), 0, 2, 1), /positive integers/);
  assert.throws(() => encodePng(new Uint8Array(4), 2, 2, 5 as PngChannels), /channels must be/);
});
