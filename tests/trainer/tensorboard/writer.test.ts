import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav } from '../../../src/audio/wav.ts';
import {
  colormapLut,
  decodeRecords,
  encodeRecord,
  renderHeatmap,
  SummaryWriter,
} from '../../../src/trainer/tensorboard/index.ts';
import { encodePng } from '../../../src/util/png.ts';

const root = resolve(import.meta.dirname, '../../..');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ribbit-tb-'));
}

/** Finds a Python with google.protobuf, and protoc; returns a reason to skip when there is none. */
function findReader(): { python: string } | { skip: string } {
  if (spawnSync('protoc', ['--version']).status !== 0)
    return { skip: 'protoc not installed (apt-get install protobuf-compiler)' };
  const candidates = [process.env.RIBBIT_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => !!p,
  );
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import google.protobuf']).status === 0) return { python };
  }
  return { skip: 'no python3 with google.protobuf (apt-get install python3-protobuf)' };
}
const reader = findReader();

interface TbValue {
  tag: string;
  kind: string;
  simple_value?: number;
  image?: { height: number; width: number; colorspace: number; encoded_image_string: string };
  png?: {
    signature_ok: boolean;
    width: number;
    height: number;
    color_type: number;
    idat_inflated_bytes: number;
    chunks: string[];
  };
  audio?: {
    sample_rate: number;
    num_channels: number;
    length_frames: number;
    encoded_audio_string: string;
    content_type: string;
  };
  wav?: Record<string, number | string>;
  text?: string[];
  metadata?: { plugin_data?: { plugin_name: string } };
}
interface TbEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: TbValue[] };
  _crc_ok: boolean;
}

function runReader(
  python: string,
  path: string,
): { status: number | null; events: TbEvent[]; stderr: string } {
  const r = spawnSync(python, [join(root, 'scripts/tbread.py'), path], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const events =
    r.status === 0
      ? r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as TbEvent)
      : [];
  return { status: r.status, events, stderr: r.stderr };
}

// ---- a minimal protobuf wire-format decoder, independent of the writer's encoder --------------------------

type Field = { field: number; wire: number; value: bigint | Uint8Array };
function decodeProto(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[p++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
      shift += 7n;
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) {
      out.push({ field, wire, value: b.slice(p, p + 8) });
      p += 8;
    } else if (wire === 5) {
      out.push({ field, wire, value: b.slice(p, p + 4) });
      p += 4;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, wire, value: b.slice(p, p + n) });
      p += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const get = (fs: Field[], n: number) => fs.find((f) => f.field === n)?.value;
const f64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getFloat64(0, true);
const f32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getFloat32(0, true);

function heat(h: number, w: number): Float32Array {
  return new Float32Array(h * w).map((_, i) => Math.sin(i / 7) * Math.floor(i / w));
}

/** Writes the reference set of records used by both the TS-only and the Python checks. */
function writeSample(dir: string): {
  path: string;
  spec: Float32Array;
  rgb: Float32Array;
  wav: Float32Array;
} {
  const w = new SummaryWriter(dir, { flushSecs: 0 });
  const spec = heat(80, 120);
  const rgb = new Float32Array(4 * 5 * 3).map((_, i) => (i % 11) / 10);
  const wav = new Float32Array(2205).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 22050));
  w.addScalar('loss/total', 0.1, 0, 1700000000.25);
  w.addScalar('loss/total', 0, 1);
  w.addScalar('lr', 1e-4, 2 ** 40);
  w.addScalars({ 'loss/mel': 1.5, 'loss/kl': -2.25, 'grad norm': 123456.789 }, 7);
  w.addImageFromArray('spec', spec, 80, 120, 10);
  w.addImageFromArray('rgb', rgb, 4, 5, 11);
  w.addImage('raw', encodePng(new Uint8Array([0, 128, 255, 64]), 2, 2, 1), 2, 2, 12, { colorspace: 1 });
  w.addAudio('audio/sample', wav, 22050, 13);
  w.addText('text', 'Hello *world* — ünïcode', 14);
  w.close();
  return { path: w.path, spec, rgb, wav };
}

test('event file name, TFRecord framing and the first record, checked in TypeScript', () => {
  const dir = tmp();
  try {
    const { path } = writeSample(dir);
    const name = readdirSync(dir);
    assert.equal(name.length, 1);
    assert.match(name[0]!, new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\..+\\.${process.pid}\\.\\d+$`));
    const records = decodeRecords(readFileSync(path), path);
    assert.equal(records.length, 10);
    const first = decodeProto(records[0]!);
    assert.equal(new TextDecoder().decode(get(first, 3) as Uint8Array), 'brain.Event:2');
    assert.ok(Math.abs(f64(get(first, 1) as Uint8Array) - Date.now() / 1000) < 60);
    // scalar event: wall_time, step, summary { value { tag, simple_value } }
    const ev = decodeProto(records[1]!);
    assert.equal(f64(get(ev, 1) as Uint8Array), 1700000000.25);
    assert.equal(get(ev, 2), undefined); // step 0 is the proto3 default
    const value = decodeProto(get(decodeProto(get(ev, 5) as Uint8Array), 1) as Uint8Array);
    assert.equal(new TextDecoder().decode(get(value, 1) as Uint8Array), 'loss/total');
    assert.equal(f32(get(value, 2) as Uint8Array), Math.fround(0.1));
    // a 0.0 scalar is still present (oneof member)
    const zero = decodeProto(
      get(decodeProto(get(decodeProto(records[2]!), 5) as Uint8Array), 1) as Uint8Array,
    );
    assert.equal(f32(get(zero, 2) as Uint8Array), 0);
    assert.equal(get(decodeProto(records[3]!), 2), 2n ** 40n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TFRecord framing: encodeRecord / decodeRecords round-trip and detect corruption', () => {
  const recs = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(1000).fill(7)];
  const bytes = Buffer.concat(recs.map(encodeRecord));
  assert.deepEqual(
    decodeRecords(bytes).map((r) => Array.from(r)),
    recs.map((r) => Array.from(r)),
  );
  const bad = Buffer.from(bytes);
  bad[16 + 12 + 1]! ^= 1;
  assert.throws(() => decodeRecords(bad, 'x'), /x: data CRC mismatch in the record at byte 16/);
  const badLen = Buffer.from(bytes);
  badLen[16]! ^= 1;
  assert.throws(() => decodeRecords(badLen, 'x'), /length CRC mismatch/);
  assert.throws(() => decodeRecords(bytes.subarray(0, bytes.length - 2), 'x'), /truncated record data/);
});

test('the Python reader (google.protobuf + own CRC-32C) reads back every record', {
  skip: 'skip' in reader ? reader.skip : false,
}, () => {
  const { python } = reader as { python: string };
  const dir = tmp();
  try {
    const { path, spec, rgb, wav } = writeSample(dir);
    const { status, events, stderr } = runReader(python, path);
    assert.equal(status, 0, stderr);
    assert.equal(events.length, 10);
    for (const e of events) assert.equal(e._crc_ok, true);
    assert.equal(events[0]!.file_version, 'brain.Event:2');
    assert.equal(events[0]!.summary, undefined);
    const byStep = new Map(events.slice(1).map((e) => [e.step, e]));
    const only = (step: number): TbValue => {
      const e = byStep.get(step);
      assert.ok(e?.summary, `event at step ${step}`);
      assert.equal(e.summary.value.length, 1);
      return e.summary.value[0]!;
    };

    assert.equal(byStep.get(0)!.wall_time, 1700000000.25);
    assert.deepEqual(only(0), { tag: 'loss/total', kind: 'simple_value', simple_value: Math.fround(0.1) });
    assert.deepEqual(only(1), { tag: 'loss/total', kind: 'simple_value', simple_value: 0 });
    assert.equal(only(2 ** 40).simple_value, Math.fround(1e-4));
    const scalars = byStep.get(7)!.summary!.value;
    assert.deepEqual(
      scalars.map((v) => [v.tag, v.simple_value]),
      [
        ['loss/mel', 1.5],
        ['loss/kl', -2.25],
        ['grad norm', Math.fround(123456.789)],
      ],
    );

    // heat map: 80 x 120 RGB PNG, identical to rendering + encoding it ourselves
    const s = only(10);
    assert.equal(s.kind, 'image');
    assert.deepEqual([s.image!.height, s.image!.width, s.image!.colorspace], [80, 120, 3]);
    assert.equal(s.png!.signature_ok, true);
    assert.deepEqual([s.png!.width, s.png!.height, s.png!.color_type], [120, 80, 2]);
    assert.deepEqual(s.png!.chunks, ['IHDR', 'IDAT', 'IEND']);
    assert.equal(s.png!.idat_inflated_bytes, 80 * (1 + 120 * 3));
    const img = renderHeatmap(spec, 80, 120);
    assert.deepEqual(
      Buffer.from(s.image!.encoded_image_string, 'base64'),
      Buffer.from(encodePng(img.pixels, 120, 80, 3)),
    );
    const r = only(11);
    assert.deepEqual([r.png!.width, r.png!.height, r.png!.idat_inflated_bytes], [5, 4, 4 * (1 + 5 * 3)]);
    assert.equal(rgb.length, 60);
    const g = only(12);
    assert.deepEqual([g.image!.colorspace, g.png!.color_type, g.png!.idat_inflated_bytes], [1, 0, 2 * 3]);

    // audio: 16-bit PCM WAV, canonical header, same bytes as encodeWav
    const a = only(13);
    assert.equal(a.kind, 'audio');
    assert.deepEqual(
      { ...a.audio!, encoded_audio_string: undefined },
      {
        sample_rate: 22050,
        num_channels: 1,
        length_frames: 2205,
        content_type: 'audio/wav',
        encoded_audio_string: undefined,
      },
    );
    assert.deepEqual(a.wav, {
      riff: 'RIFF',
      wave: 'WAVE',
      riff_size: 36 + 4410,
      fmt: 'fmt ',
      fmt_size: 16,
      format_code: 1,
      channels: 1,
      sample_rate: 22050,
      byte_rate: 44100,
      block_align: 2,
      bits_per_sample: 16,
      data: 'data',
      data_size: 4410,
      file_size: 44 + 4410,
    });
    assert.deepEqual(
      Buffer.from(a.audio!.encoded_audio_string, 'base64'),
      Buffer.from(encodeWav(wav, 22050)),
    );

    const t = only(14);
    assert.deepEqual(t.text, ['Hello *world* — ünïcode']);
    assert.equal(t.metadata?.plugin_data?.plugin_name, 'text');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Python reader rejects a corrupted record', { skip: 'skip' in reader ? reader.skip : false }, () => {
  const { python } = reader as { python: string };
  const dir = tmp();
  try {
    const { path } = writeSample(dir);
    const bytes = readFileSync(path);
    bytes[bytes.length - 10]! ^= 0x40;
    writeFileSync(path, bytes);
    const { status, stderr } = runReader(python, path);
    assert.equal(status, 1);
    assert.match(stderr, /data CRC mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records are buffered until flush / maxQueue / the timer, and never lost on close or exit', async () => {
  const dir = tmp();
  try {
    const w = new SummaryWriter(dir, { flushSecs: 0, maxQueue: 3 });
    const size = () => statSync(w.path).size;
    const start = size();
    assert.ok(start > 0, 'the file_version record is written at once');
    w.addScalar('a', 1, 1);
    w.addScalar('a', 2, 2);
    assert.equal(size(), start);
    w.addScalar('a', 3, 3); // third queued record: flushed
    assert.ok(size() > start);
    w.addScalar('a', 4, 4);
    const before = size();
    w.flush();
    assert.ok(size() > before);
    w.addScalar('a', 5, 5);
    w.close();
    w.close();
    assert.equal(decodeRecords(readFileSync(w.path)).length, 6);
    assert.throws(() => w.addScalar('a', 6, 6), /closed/);
    assert.throws(() => new SummaryWriter(dir).addScalar('', 1, 0), /non-empty/);

    const timed = new SummaryWriter(dir, { flushSecs: 0.05, maxQueue: 1000 });
    const t0 = statSync(timed.path).size;
    timed.addScalar('b', 1, 1);
    await sleep(300);
    assert.ok(statSync(timed.path).size > t0, 'flushed by the timer');
    timed.close();

    // A process that exits without close() still gets its records written (exit hook).
    const sub = join(dir, 'sub');
    const url = new URL('../../../src/trainer/tensorboard/index.ts', import.meta.url).href;
    const code = `const { SummaryWriter } = await import(${JSON.stringify(url)});
      const w = new SummaryWriter(${JSON.stringify(sub)}, { flushSecs: 1000, maxQueue: 1000 });
      for (let i = 0; i < 50; i++) w.addScalar('x', i, i);
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const [file] = readdirSync(sub);
    assert.equal(decodeRecords(readFileSync(join(sub, file!))).length, 51);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('heat maps: viridis end points, origin lower by default, vmin/vmax clipping, RGB input', () => {
  const lut = colormapLut('viridis');
  assert.deepEqual(Array.from(lut.subarray(0, 3)), [0x44, 0x01, 0x54]);
  assert.deepEqual(Array.from(lut.subarray(255 * 3)), [0xfd, 0xe7, 0x25]);
  // 2 rows x 1 column: row 0 = low value -> bottom row of the image by default
  const lower = renderHeatmap([0, 1], 2, 1);
  assert.deepEqual(Array.from(lower.pixels), [0xfd, 0xe7, 0x25, 0x44, 0x01, 0x54]);
  const upper = renderHeatmap([0, 1], 2, 1, { origin: 'upper', colormap: 'gray' });
  assert.deepEqual(Array.from(upper.pixels), [0, 0, 0, 255, 255, 255]);
  const clipped = renderHeatmap([-5, 0.5, 5, Number.NaN], 1, 4, { vmin: 0, vmax: 1, colormap: 'gray' });
  assert.deepEqual(Array.from(clipped.pixels), [0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0]);
  const big = renderHeatmap([0, 1], 1, 2, { scale: 3, colormap: 'gray' });
  assert.deepEqual([big.width, big.height, big.pixels.length], [6, 3, 54]);
  assert.throws(() => renderHeatmap([1, 2, 3], 2, 2), /3 values do not make a 2 x 2 map/);
});
