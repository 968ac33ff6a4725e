import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { resample, resampledLength } from '../../src/audio/resample.ts';
import { readWav } from '../../src/audio/wav.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const hasSox = spawnSync('sox', ['--version']).status === 0;

function tone(freq: number, rate: number, n: number, amplitude = 1): Float32Array {
  return new Float32Array(n).map((_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Amplitude of the `freq` component over the middle 60% of `x` (projection on sin and cos). */
function amplitudeAt(x: Float32Array, freq: number, rate: number): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let s = 0;
  let c = 0;
  for (let i = a; i < b; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    s += x[i]! * Math.sin(w);
    c += x[i]! * Math.cos(w);
  }
  return (2 * Math.hypot(s, c)) / (b - a);
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! ** 2;
  return Math.sqrt(e / (to - from));
}

const db = (r: number) => 20 * Math.log10(r);

test('1 kHz sine 44.1 kHz -> 22.05 kHz keeps its frequency and amplitude (within 0.5 dB)', () => {
  for (const quality of ['fast', 'default', 'best', 'torchaudio'] as const) {
    const y = resample(tone(1000, 44100, 44100, 0.5), 44100, 22050, { quality });
    const a = amplitudeAt(y, 1000, 22050);
    assert.ok(Math.abs(db(a / 0.5)) < 0.5, `${quality}: gain ${db(a / 0.5)} dB`);
    // all of the energy is at 1 kHz: the residual after removing the fitted tone is tiny
    const mid = y.subarray(4410, 17640);
    const off = amplitudeAt(y, 1010, 22050);
    assert.ok(off < 0.01 * a, `${quality}: leak at 1010 Hz`);
    assert.ok(
      Math.abs(rms(mid) - a / Math.SQRT2) < 1e-3 * a,
      `${quality}: rms ${rms(mid)} vs ${a / Math.SQRT2}`,
    );
  }
});

test('15 kHz tone 44.1 kHz -> 22.05 kHz is suppressed by more than 40 dB (no aliasing to 7.05 kHz)', () => {
  for (const quality of ['fast', 'default', 'best'] as const) {
    const y = resample(tone(15000, 44100, 44100), 44100, 22050, { quality });
    const level = db(rms(y, 2205, y.length - 2205) / Math.SQRT1_2);
    assert.ok(level < -40, `${quality}: 15 kHz at ${level.toFixed(1)} dB`);
    const alias = db(amplitudeAt(y, 22050 - 15000, 22050));
    assert.ok(alias < -40, `${quality}: alias at ${alias.toFixed(1)} dB`);
  }
  // the 'default' preset is much better than the bare requirement
  const y = resample(tone(12000, 44100, 44100), 44100, 22050);
  assert.ok(db(rms(y, 2205, y.length - 2205) / Math.SQRT1_2) < -80);
});

test('output length is ceil(n * to / from); equal rates give an identical copy', () => {
  const pairs = [
    [44100, 22050],
    [22050, 16000],
    [16000, 22050],
    [44100, 48000],
    [8000, 24000],
    [24000, 22050],
    [48000, 7],
  ];
  for (const [from, to] of pairs) {
    for (const n of [0, 1, 2, 7, 100, 12345]) {
      const expected = Math.ceil((n * to!) / from!);
      assert.equal(resampledLength(n, from!, to!), expected);
      assert.equal(
        resample(new Float32Array(n).fill(0.1), from!, to!).length,
        expected,
        `${from}->${to} n=${n}`,
      );
    }
  }
  const x = tone(440, 16000, 1000);
  const same = resample(x, 16000, 16000);
  assert.deepEqual(same, x);
  assert.notEqual(same, x);
});

test('DC gain is 1 and upsampling 16 kHz -> 48 kHz keeps a 3 kHz tone', () => {
  const dc = resample(new Float32Array(16000).fill(0.25), 16000, 22050);
  for (let i = 2000; i < dc.length - 2000; i++)
    assert.ok(Math.abs(dc[i]! - 0.25) < 1e-4, `dc[${i}] = ${dc[i]}`);
  const up = resample(tone(3000, 16000, 16000, 0.5), 16000, 48000);
  assert.equal(up.length, 48000);
  assert.ok(Math.abs(db(amplitudeAt(up, 3000, 48000) / 0.5)) < 0.1);
  // the interpolated tone is a clean sine: compare with the analytic one in the middle
  const ref = tone(3000, 48000, 48000, 0.5);
  let err = 0;
  for (let i = 4800; i < 43200; i++) err = Math.max(err, Math.abs(up[i]! - ref[i]!));
  assert.ok(err < 1e-3, `max error ${err}`);
});

test('agrees with sox rate -v on real speech', { skip: hasSox ? false : 'sox not installed' }, () => {
  const path = join(parityDir, 'audio/speech.wav');
  const { samples: x, sampleRate: from } = readWav(path);
  for (const to of [16000, 44100]) {
    const raw = spawnSync('sox', [path, '-t', 'f64', '-', 'rate', '-v', String(to)], { maxBuffer: 1 << 26 });
    assert.equal(raw.status, 0, raw.stderr.toString());
    const buf = Buffer.from(raw.stdout);
    const ref = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
    const y = resample(x, from, to, { quality: 'best' });
    assert.ok(Math.abs(y.length - ref.length) <= 1);
    let e = 0;
    let s = 0;
    for (let i = 100; i < Math.min(y.length, ref.length) - 100; i++) {
      e += (y[i]! - ref[i]!) ** 2;
      s += ref[i]! ** 2;
    }
    // The two filters differ only near the cut-off (sox -v keeps 95% of the band, 'best' 94.8%).
    assert.ok(10 * Math.log10(e / s) < -40, `${from} -> ${to}: difference ${10 * Math.log10(e / s)} dB`);
  }
});

test('rejects invalid rates and parameters', () => {
  const x = new Float32Array(10);
  assert.throws(() => resample(x, 0, 16000), /fromRate must be a positive integer/);
  assert.throws(() => resample(x, 16000, 22050.5), /toRate must be a positive integer/);
  assert.throws(() => resample(x, 16000, 8000, { rolloff: 1.5 }), /rolloff/);
});
