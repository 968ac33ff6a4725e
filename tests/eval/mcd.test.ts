import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import type { FrameMatrix } from '../../src/eval/dtw.ts';
import { evaluatePair } from '../../src/eval/index.ts';
import { MCD_SCALE, mcdFromCepstra, melCepstra, melFilters } from '../../src/eval/mcd.ts';
import { rng, segments } from './signals.ts';

const SPEECH = 'tests/fixtures/parity/audio/speech.wav';

/** Random cepstral frames c0..c13 whose c2 jumps by several units between frames (so DTW stays diagonal). */
function randomCepstra(frames: number, seed: number): FrameMatrix {
  const rand = rng(seed);
  const dim = 14;
  const data = new Float64Array(frames * dim);
  for (let k = 0; k < frames; k++) {
    for (let d = 0; d < dim; d++) data[k * dim + d] = rand() - 0.5;
    data[k * dim + 2] = 10 * k; // far apart from frame to frame
  }
  return { data, count: frames, dim };
}

test('MCD scale is 10 / ln 10 * sqrt(2)', () => {
  assert.equal(MCD_SCALE, (10 / Math.log(10)) * Math.sqrt(2));
});

test('cepstra differing by a constant delta in c1 give MCD = (10 / ln 10) sqrt(2) |delta|', () => {
  const a = randomCepstra(50, 1);
  for (const delta of [0.01, 0.1, -0.37, 1]) {
    const b: FrameMatrix = { ...a, data: a.data.slice() };
    for (let k = 0; k < b.count; k++) b.data[k * b.dim + 1] += delta;
    const r = mcdFromCepstra(b, a, { order: 13 });
    const expected = (10 / Math.LN10) * Math.sqrt(2) * Math.abs(delta);
    assert.ok(Math.abs(r.mcd - expected) < 1e-12, `${r.mcd} vs ${expected}`);
    assert.equal(r.alignment.length, 50);
  }
});

test('c0 is excluded and coefficients above the order are ignored', () => {
  const a = randomCepstra(20, 2);
  const b: FrameMatrix = { ...a, data: a.data.slice() };
  for (let k = 0; k < b.count; k++) {
    b.data[k * b.dim] += 5; // c0: overall level
    b.data[k * b.dim + 13] += 3; // c13: outside order 12
  }
  assert.equal(mcdFromCepstra(b, a, { order: 12 }).mcd, 0);
  const r = mcdFromCepstra(b, a, { order: 13 });
  assert.ok(Math.abs(r.mcd - MCD_SCALE * 3) < 1e-12);
});

test('a time-stretched copy of a cepstral sequence aligns to MCD 0', () => {
  const a = randomCepstra(30, 3);
  // Each frame repeated 1, 2 or 3 times.
  const rows: number[] = [];
  for (let k = 0; k < a.count; k++) for (let r = 0; r < 1 + (k % 3); r++) rows.push(k);
  const data = new Float64Array(rows.length * a.dim);
  for (const [i, k] of rows.entries()) data.set(a.data.subarray(k * a.dim, (k + 1) * a.dim), i * a.dim);
  const b: FrameMatrix = { data, count: rows.length, dim: a.dim };
  const r = mcdFromCepstra(b, a);
  assert.equal(r.mcd, 0);
  assert.equal(r.alignment.length, rows.length);
  assert.deepEqual(Array.from(r.alignment.pathB), rows);
});

test('mel filters: one row per band, each summing to 1', () => {
  const w = melFilters(22050, 1024, 80, 0, 8000);
  assert.equal(w.length, 80 * 513);
  for (let b = 0; b < 80; b++) {
    let s = 0;
    for (let k = 0; k < 513; k++) s += w[b * 513 + k];
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
});

test('melCepstra: frames = floor(n / hop) + 1, order + 1 coefficients; MCD equals the RMS dB distance (Parseval)', () => {
  const x = segments(1);
  const c = melCepstra(x, { order: 24 });
  assert.equal(c.count, Math.floor(x.length / 220) + 1);
  assert.equal(c.dim, 25);
  // With order = nMels - 1 the cepstrum is exact: the frame-pair MCD is the RMS over bands of the difference
  // of the two log mel spectra in dB after removing its mean. Check on 8 bands with a synthetic spectrum.
  const B = 8;
  const L1 = [0.3, -1.2, 2.0, 0.7, -0.4, 1.1, 0.0, -2.5];
  const L2 = [1.0, -0.2, 1.5, 0.1, -1.4, 0.6, 0.9, -1.0];
  const cep = (L: number[]) =>
    Array.from({ length: B }, (_, m) =>
      L.reduce((s, v, b) => s + ((m === 0 ? 1 : 2) / B) * v * Math.cos((Math.PI * m * (b + 0.5)) / B), 0),
    );
  const a: FrameMatrix = { data: Float64Array.from(cep(L1)), count: 1, dim: B };
  const b: FrameMatrix = { data: Float64Array.from(cep(L2)), count: 1, dim: B };
  const diff = L1.map((v, i) => v - L2[i]);
  const mean = diff.reduce((s, v) => s + v, 0) / B;
  const rmsDb = (20 / Math.LN10) * Math.sqrt(diff.reduce((s, v) => s + (v - mean) ** 2, 0) / B);
  assert.ok(Math.abs(mcdFromCepstra(a, b, { order: B - 1 }).mcd - rmsDb) < 1e-12);
});

test('identical audio gives MCD 0 exactly, also with order 24', () => {
  const w = readWav(SPEECH);
  for (const order of [13, 24]) {
    const r = evaluatePair(w, w, undefined, { order });
    assert.equal(r.mcd, 0);
    assert.equal(r.order, order);
  }
});

test('a level change only moves c0: MCD of a scaled copy is ~0', () => {
  const w = readWav(SPEECH);
  const quiet = w.samples.map((v) => v * 0.25);
  assert.ok(evaluatePair(quiet, w.samples).mcd < 0.01);
});

test('silence vs speech is large (> 10 dB), noise vs speech too', () => {
  const w = readWav(SPEECH);
  const silence = new Float32Array(w.samples.length);
  const r = evaluatePair(silence, w.samples);
  assert.ok(r.mcd > 10, `MCD ${r.mcd}`);
  const rand = rng(5);
  const noise = new Float32Array(w.samples.length).map(() => 1e-3 * (rand() - 0.5));
  assert.ok(evaluatePair(noise, w.samples).mcd > 10);
});

test('a time-stretched signal aligns with DTW to a small MCD (vs a large one misaligned)', () => {
  const ref = segments(1);
  for (const scale of [1.5, 0.7]) {
    const r = evaluatePair(segments(scale), ref);
    const misaligned = evaluatePair(segments(scale).reverse(), ref);
    assert.ok(r.mcd < 1.5, `stretch ${scale}: MCD ${r.mcd}`);
    assert.ok(misaligned.mcd > 10 * r.mcd, `misaligned ${misaligned.mcd}`);
    assert.ok(Math.abs(r.durationRatio - scale) < 0.01);
  }
});

test('a 16 kHz copy of a 22.05 kHz recording is close (the mel bands stop at 0.45 x 16 kHz)', async () => {
  const { resample } = await import('../../src/audio/resample.ts');
  const w = readWav(SPEECH);
  const r = evaluatePair({ samples: resample(w.samples, 22050, 16000), sampleRate: 16000 }, w);
  assert.equal(r.fMax, 7200);
  assert.ok(r.mcd < 0.5, `MCD ${r.mcd}`);
  assert.ok(Math.abs(r.durationRatio - 1) < 0.01);
});
