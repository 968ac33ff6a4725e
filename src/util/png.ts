/**
 * Minimal PNG encoder (8-bit grayscale, grayscale + alpha, RGB, RGBA), in pure TypeScript on node:zlib.
 * Each row gets the PNG filter (None, Sub, Up, Average, Paeth) with the smallest sum of absolute values,
 * the heuristic libpng uses, before the image data is deflated.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc.ts';

/** Samples per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
export type PngChannels = 1 | 2 | 3 | 4;

/** Options of `encodePng`. */
export interface PngOptions {
  /** zlib compression level 0..9 (default 6). */
  level?: number;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG colour type for each channel count. */
const COLOR_TYPE: Record<PngChannels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Encodes 8-bit pixels (row-major, `height` rows of `width * channels` bytes, top row first) as a PNG file.
 * @param width image width in pixels
 * @param height image height in pixels
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: PngChannels,
  options: PngOptions = {},
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (!(channels in COLOR_TYPE)) throw new Error(`encodePng: channels must be 1, 2, 3 or 4, got ${channels}`);
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new Error(
      `encodePng: expected ${stride * height} bytes for ${width}x${height}x${channels}, got ${pixels.length}`,
    );
  }
  const filtered = new Uint8Array((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  const zeros = new Uint8Array(stride);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : zeros;
    let bestType = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    const outRow = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let type = 0; type < 5; type++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? row[i - bpp]! : 0;
        const b = up[i]!;
        const c = i >= bpp ? up[i - bpp]! : 0;
        const x = row[i]!;
        let f: number;
        switch (type) {
          case 0:
            f = x;
            break;
          case 1:
            f = x - a;
            break;
          case 2:
            f = x - b;
            break;
          case 3:
            f = x - ((a + b) >> 1);
            break;
          default:
            f = x - paeth(a, b, c);
        }
        f &= 0xff;
        candidate[i] = f;
        cost += f < 128 ? f : 256 - f;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        outRow.set(candidate);
      }
    }
    filtered[y * (stride + 1)] = bestType;
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const idat = deflateSync(filtered, { level: options.level ?? 6 });
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
