import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeWav, encodeWavSamples, readWav, wavHeader, writeWav } from '../../src/audio/wav.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const hasSox = spawnSync('sox', ['--version']).status === 0;

/** Minimal safetensors reader: header JSON + one little-endian F32 tensor. */
function readSafetensorF32(path: string, name: string): Float32Array {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const entry = header[name];
  assert.ok(entry, `tensor ${name} in ${path}`);
  assert.equal(entry.dtype, 'F32');
  const [begin, end] = entry.data_offsets;
  const bytes = buf.subarray(8 + headerLen + begin, 8 + headerLen + end);
  const out = new Float32Array((end - begin) / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ribbit-wav-'));
}

/** Builds a RIFF/WAVE file from raw chunks (id + body), adding pad bytes after odd bodies. */
function riff(chunks: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [id, body] of chunks) {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    parts.push(h, body);
    if (body.length & 1) parts.push(new Uint8Array(1));
  }
  const size = parts.reduce((a, p) => a + p.length, 4);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(size, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, ...parts]);
}

function fmtBody(code: number, channels: number, rate: number, bits: number): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

function int16Body(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => {
    b.writeInt16LE(v, i * 2);
  });
  return b;
}

test('parity fixture speech.wav reads to exactly the reference float samples', () => {
  const wav = readWav(join(parityDir, 'audio/speech.wav'));
  const ref = readSafetensorF32(join(parityDir, 'audio/stft.safetensors'), 'wav');
  const audio = JSON.parse(readFileSync(join(parityDir, 'audio/config_glowtts.json'), 'utf8'));
  assert.equal(wav.sampleRate, audio.base_audio_config.sample_rate);
  assert.equal(wav.channels, 1);
  assert.equal(wav.bitsPerSample, 16);
  assert.equal(wav.format, 'pcm');
  assert.equal(wav.samples.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (wav.samples[i] !== ref[i]) assert.fail(`sample ${i}: ${wav.samples[i]} != ${ref[i]}`);
  }
});

const soxCases: { label: string; args: string[]; channels: number; lsb: number }[] = [
  { label: 'u8 mono', args: ['-b', '8', '-e', 'unsigned-integer'], channels: 1, lsb: 2 ** -7 },
  { label: 's16 mono', args: ['-b', '16'], channels: 1, lsb: 2 ** -15 },
  { label: 's16 stereo', args: ['-b', '16'], channels: 2, lsb: 2 ** -15 },
  { label: 's24 mono', args: ['-b', '24'], channels: 1, lsb: 2 ** -23 },
  { label: 's24 3ch (extensible)', args: ['-b', '24'], channels: 3, lsb: 2 ** -23 },
  { label: 's32 mono', args: ['-b', '32'], channels: 1, lsb: 2 ** -31 },
  { label: 'f32 stereo', args: ['-b', '32', '-e', 'floating-point'], channels: 2, lsb: 2 ** -31 },
  { label: 'f64 mono', args: ['-b', '64', '-e', 'floating-point'], channels: 1, lsb: 2 ** -31 },
];

for (const c of soxCases) {
  test(`matches sox's own decoding: ${c.label}`, { skip: hasSox ? false : 'sox not installed' }, () => {
    const dir = tmp();
    try {
      const path = join(dir, 'x.wav');
      const synth = ['synth', '0.1', 'sine', '440', 'sine', '1330', 'square', '97'].slice(
        0,
        3 + Math.min(c.channels, 3) * 2 - 2,
      );
      const gen = spawnSync('sox', [
        '-n',
        '-r',
        '16000',
        '-c',
        String(c.channels),
        ...c.args,
        path,
        ...synth,
        'vol',
        '0.8',
      ]);
      assert.equal(gen.status, 0, gen.stderr.toString());
      // sox decodes to its internal 32-bit integers, then to float64 raw: exact for every PCM depth.
      const raw = spawnSync('sox', [path, '-t', 'f64', '-'], { maxBuffer: 1 << 26 });
      assert.equal(raw.status, 0, raw.stderr.toString());
      const f = Buffer.from(raw.stdout);
      const ref = new Float64Array(f.buffer, f.byteOffset, f.length / 8);
      const wav = readWav(path);
      assert.equal(wav.sampleRate, 16000);
      assert.equal(wav.channels, c.channels);
      assert.equal(wav.samples.length, 1600);
      assert.equal(ref.length, 1600 * c.channels);
      let maxDiff = 0; // ours are float32: allow its rounding on top of 1 LSB

      let energy = 0;
      for (let i = 0; i < 1600; i++) {
        let s = 0;
        for (let ch = 0; ch < c.channels; ch++) s += ref[i * c.channels + ch]!;
        s /= c.channels;
        maxDiff = Math.max(maxDiff, Math.abs(s - wav.samples[i]!) - 2 ** -24 * Math.abs(s));
        energy += s * s;
      }
      assert.ok(energy > 10, 'test signal is not silent');
      assert.ok(maxDiff <= c.lsb, `max |ours - sox| = ${maxDiff} > 1 LSB (${c.lsb})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('encodeWav writes a canonical 44-byte header', () => {
  const bytes = encodeWav(new Float32Array([0, 0.5, -0.5]), 22050);
  const b = Buffer.from(bytes);
  assert.equal(b.length, 44 + 6);
  assert.equal(b.toString('latin1', 0, 4), 'RIFF');
  assert.equal(b.readUInt32LE(4), 36 + 6);
  assert.equal(b.toString('latin1', 8, 16), 'WAVEfmt ');
  assert.equal(b.readUInt32LE(16), 16);
  assert.equal(b.readUInt16LE(20), 1);
  assert.equal(b.readUInt16LE(22), 1);
  assert.equal(b.readUInt32LE(24), 22050);
  assert.equal(b.readUInt32LE(28), 44100);
  assert.equal(b.readUInt16LE(32), 2);
  assert.equal(b.readUInt16LE(34), 16);
  assert.equal(b.toString('latin1', 36, 40), 'data');
  assert.equal(b.readUInt32LE(40), 6);
  assert.deepEqual([b.readInt16LE(44), b.readInt16LE(46), b.readInt16LE(48)], [0, 16384, -16384]);
  const f = Buffer.from(encodeWav(new Float32Array([0.25]), 8000, { format: 'float', bitsPerSample: 32 }));
  assert.equal(f.readUInt16LE(20), 3);
  assert.equal(f.readUInt16LE(34), 32);
  assert.equal(f.readFloatLE(44), 0.25);
});

test('PCM writing scales by 2^(bits-1), rounds half to even and clips', () => {
  const x = new Float32Array([
    1,
    -1,
    1.5,
    -1.5,
    0.5 / 32768,
    1.5 / 32768,
    2.5 / 32768,
    -0.5 / 32768,
    0.7,
    Number.NaN,
  ]);
  const b = Buffer.from(encodeWavSamples(x, { bitsPerSample: 16 }));
  const got = Array.from({ length: x.length }, (_, i) => b.readInt16LE(i * 2));
  assert.deepEqual(got, [32767, -32768, 32767, -32768, 0, 2, 2, 0, Math.round(0.7 * 32768), 0]);
  const b24 = Buffer.from(encodeWavSamples(new Float32Array([1, -1, -0.25]), { bitsPerSample: 24 }));
  assert.deepEqual(
    [b24.readIntLE(0, 3), b24.readIntLE(3, 3), b24.readIntLE(6, 3)],
    [8388607, -8388608, -2097152],
  );
  const b8 = encodeWavSamples(new Float32Array([1, -1, 0, 0.5]), { bitsPerSample: 8 });
  assert.deepEqual(Array.from(b8), [255, 0, 128, 192]);
});

test('PCM read -> write round-trips every integer code exactly', () => {
  for (const bits of [8, 16, 24] as const) {
    const n = 2 ** bits;
    const step = bits === 24 ? 97 : 1;
    const ints: number[] = [];
    for (let v = -n / 2; v < n / 2; v += step) ints.push(v);
    ints.push(n / 2 - 1);
    const x = new Float32Array(ints.map((v) => v / (n / 2)));
    const bytes = encodeWav(x, 16000, { bitsPerSample: bits });
    const back = readWav(bytes);
    assert.equal(back.bitsPerSample, bits);
    assert.deepEqual(back.samples, x);
    assert.deepEqual(encodeWav(back.samples, 16000, { bitsPerSample: bits }), bytes);
  }
  const x = new Float32Array([0.123456789, -0.987654321, 3.5, -1e-30]);
  assert.deepEqual(readWav(encodeWav(x, 8000, { format: 'float', bitsPerSample: 32 })).samples, x);
  assert.deepEqual(readWav(encodeWav(x, 8000, { format: 'float', bitsPerSample: 64 })).samples, x);
  const s32 = readWav(encodeWav(new Float32Array([0.5, -1]), 8000, { bitsPerSample: 32 }));
  assert.deepEqual(Array.from(s32.samples), [0.5, -1]);
});

test('writeWav is atomic: writes through a temporary file and leaves nothing behind', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'out.wav');
    writeFileSync(path, 'old contents');
    const x = new Float32Array(1000).map((_, i) => Math.sin(i / 10) * 0.5);
    writeWav(path, x, 24000, { bitsPerSample: 24 });
    assert.deepEqual(readdirSync(dir), ['out.wav']);
    const back = readWav(path);
    assert.equal(back.sampleRate, 24000);
    assert.equal(back.bitsPerSample, 24);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back.samples[i]! - x[i]!) <= 2 ** -24);
    assert.throws(() => writeWav(join(dir, 'missing', 'x.wav'), x, 24000), /ENOENT/);
    assert.deepEqual(readdirSync(dir), ['out.wav']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wavHeader streaming variant uses 0xFFFFFFFF sizes and readWav reads such a stream to its end', () => {
  const h = Buffer.from(wavHeader(22050, 16, 'streaming'));
  assert.equal(h.length, 44);
  assert.equal(h.readUInt32LE(4), 0xffffffff);
  assert.equal(h.readUInt32LE(40), 0xffffffff);
  const body = encodeWavSamples(new Float32Array([0.5, -0.25, 0.125]));
  const wav = readWav(Buffer.concat([h, body, Buffer.from([7])]), { name: 'stream' });
  assert.deepEqual(Array.from(wav.samples), [0.5, -0.25, 0.125]);
  const sized = Buffer.from(wavHeader(16000, 24, 300, { channels: 2, format: 'pcm' }));
  assert.equal(sized.readUInt32LE(4), 336);
  assert.equal(sized.readUInt16LE(32), 6);
  assert.equal(sized.readUInt32LE(28), 96000);
  assert.throws(() => wavHeader(16000, 12, 0), /unsupported encoding pcm with 12 bits/);
  assert.throws(() => wavHeader(0, 16, 0), /sample rate/);
});

test('skips unknown chunks, honours odd-chunk padding, reads WAVE_FORMAT_EXTENSIBLE', () => {
  const list = Buffer.from('INFOISFT\x05\x00\x00\x00sox!!', 'latin1'); // odd-sized: 17 bytes
  assert.equal(list.length % 2, 1);
  const fact = Buffer.alloc(4);
  fact.writeUInt32LE(3, 0);
  const bytes = riff([
    ['LIST', list],
    ['fmt ', fmtBody(1, 1, 8000, 16)],
    ['fact', fact],
    ['odd ', new Uint8Array(3)],
    ['data', int16Body([16384, -32768, 1])],
    ['LIST', list],
  ]);
  const wav = readWav(bytes);
  assert.deepEqual(Array.from(wav.samples), [0.5, -1, 1 / 32768]);

  // WAVE_FORMAT_EXTENSIBLE, float sub-format, stereo.
  const ext = Buffer.alloc(40);
  ext.set(fmtBody(0xfffe, 2, 48000, 32));
  ext.writeUInt16LE(22, 16);
  ext.writeUInt16LE(32, 18);
  ext.writeUInt32LE(3, 20);
  Buffer.from('03000000000010008000 00aa00389b71'.replace(' ', ''), 'hex').copy(ext, 24);
  const data = Buffer.alloc(16);
  [0.5, 0.25, -1, 0].forEach((v, i) => {
    data.writeFloatLE(v, i * 4);
  });
  const w = readWav(
    riff([
      ['fmt ', ext],
      ['data', data],
    ]),
  );
  assert.equal(w.format, 'float');
  assert.equal(w.channels, 2);
  assert.equal(w.sampleRate, 48000);
  assert.deepEqual(Array.from(w.samples), [0.375, -0.5]);
});

test('malformed or truncated files give errors naming the file and the problem', () => {
  const good = riff([
    ['fmt ', fmtBody(1, 1, 8000, 16)],
    ['data', int16Body([1, 2, 3, 4])],
  ]);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /bad\.wav: not a WAV file: only 5 bytes/],
    [Buffer.from('RIFX\0\0\0\0WAVE', 'latin1'), /big-endian RIFX/],
    [Buffer.from('OggS\0\0\0\0WAVE', 'latin1'), /bad\.wav: not a RIFF file \(starts with "OggS"\)/],
    [Buffer.from('RIFF\0\0\0\0AVI ', 'latin1'), /not a WAVE file \(RIFF form type "AVI "\)/],
    [riff([['data', int16Body([1])]]), /bad\.wav: no fmt chunk/],
    [riff([['fmt ', fmtBody(1, 1, 8000, 16)]]), /bad\.wav: no data chunk/],
    [riff([['fmt ', new Uint8Array(12)]]), /fmt chunk too small: 12 bytes/],
    [
      riff([
        ['fmt ', fmtBody(7, 1, 8000, 8)],
        ['data', new Uint8Array(4)],
      ]),
      /bad\.wav: unsupported format code 7 \(mu-law\)/,
    ],
    [
      riff([
        ['fmt ', fmtBody(0x1234, 1, 8000, 8)],
        ['data', new Uint8Array(4)],
      ]),
      /unsupported format code 4660:/,
    ],
    [
      riff([
        ['fmt ', fmtBody(1, 1, 8000, 12)],
        ['data', new Uint8Array(4)],
      ]),
      /unsupported PCM sample size: 12 bits/,
    ],
    [
      riff([
        ['fmt ', fmtBody(3, 1, 8000, 16)],
        ['data', new Uint8Array(4)],
      ]),
      /unsupported float sample size: 16 bits/,
    ],
    [
      riff([
        ['fmt ', fmtBody(1, 0, 8000, 16)],
        ['data', new Uint8Array(4)],
      ]),
      /0 channels/,
    ],
    [good.subarray(0, good.length - 3), /bad\.wav: data chunk truncated: expected 8 bytes, got 5/],
    [good.subarray(0, 30), /fmt chunk truncated: expected 16 bytes, got 10/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => readWav(bytes, { name: 'bad.wav' }), re);
  }
  const badAlign = Buffer.from(good);
  badAlign.writeUInt16LE(4, 20 + 12);
  assert.throws(() => readWav(badAlign, { name: 'bad.wav' }), /block align 4 != 1 channels x 2 bytes/);
  const dir = tmp();
  try {
    const path = join(dir, 'trunc.wav');
    writeFileSync(path, good.subarray(0, good.length - 1));
    assert.throws(
      () => readWav(path),
      (e: Error) => e.message.includes(path) && /truncated/.test(e.message),
    );
    assert.throws(() => readWav(join(dir, 'nope.wav')), /cannot read .*nope\.wav/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
