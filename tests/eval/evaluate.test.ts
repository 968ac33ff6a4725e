import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { trimSilence } from '../../src/eval/analysis.ts';
import { evaluatePair, type PairResult, summarize } from '../../src/eval/index.ts';
import { sine } from './signals.ts';

const SPEECH = 'tests/fixtures/parity/audio/speech.wav';

test('trimSilence keeps [first active frame * hop, (last active + 1) * hop)', () => {
  const x = new Float32Array(22050);
  x.fill(0.5, 5000, 9000);
  const t = trimSilence(x, 220, 40);
  // Frames centred on k * 220 with a 440-sample window: active from k = 22 (4840..5280) to k = 41.
  assert.equal(t.start, 22 * 220);
  assert.equal(t.end, 42 * 220);
  assert.equal(t.samples.length, t.end - t.start);
  // Digital silence is kept whole; Infinity disables trimming.
  assert.equal(trimSilence(new Float32Array(1000), 220, 40).samples.length, 1000);
  assert.equal(trimSilence(x, 220, Number.POSITIVE_INFINITY).samples.length, x.length);
});

test('durationRatio compares lengths after trimming: padding with silence does not change it', () => {
  const w = readWav(SPEECH);
  for (const offset of [12000, 12100]) {
    const padded = new Float32Array(w.samples.length + 30000);
    padded.set(w.samples, offset);
    const r = evaluatePair(padded, w.samples);
    assert.ok(Math.abs(r.durationRatio - 1) < 0.01, `ratio ${r.durationRatio}`);
    // Shifted by a whole number of hops (12100 = 55 x 220) the frames are the same: MCD 0. Otherwise the
    // frames sample the signal at another phase, which costs a little (see docs/eval.md).
    if (offset === 12100) assert.equal(r.mcd, 0);
    else assert.ok(r.mcd > 0 && r.mcd < 2.5, `MCD ${r.mcd}`);
  }
  const twice = new Float32Array(2 * w.samples.length);
  twice.set(w.samples);
  twice.set(w.samples, w.samples.length);
  // Trimmed, the doubled signal spans one whole copy plus the trimmed length of the other.
  const one = trimSilence(w.samples, 220, 40).samples.length;
  const expected = (w.samples.length + one) / one;
  const got = evaluatePair(twice, w.samples).durationRatio;
  assert.ok(Math.abs(got - expected) < 0.01, `ratio ${got} vs ${expected}`);
});

test('evaluatePair: Float32Arrays take sampleRate; audio objects keep their own rate', () => {
  const a = sine(200, 1, 16000);
  const r = evaluatePair(a, { samples: a, sampleRate: 16000 }, 16000);
  assert.equal(r.mcd, 0);
  assert.equal(r.frames.synth, r.frames.ref);
  assert.equal(r.frames.synth, Math.floor(22050 / 220) + 1);
  assert.throws(() => evaluatePair(a, a, 16000, { order: 80 }), /order/);
});

test('summarize: means over rows, skipping non-finite values', () => {
  const row = (mcd: number, f0: number, vde: number, dur: number): PairResult => ({
    mcd,
    f0Rmse: f0,
    f0RmseCents: f0 * 10,
    vde,
    durationRatio: dur,
    frames: { synth: 1, ref: 1, path: 1 },
    voicedPairs: 0,
    order: 13,
    fMax: 8000,
    synthSeconds: 1,
    refSeconds: 1,
  });
  const s = summarize([row(4, 10, 0.1, 1), row(6, Number.NaN, 0.3, 1.2), row(8, 20, 0.2, 0.8)]);
  assert.equal(s.count, 3);
  assert.equal(s.mcd, 6);
  assert.equal(s.f0Rmse, 15);
  assert.equal(s.f0RmseCents, 150);
  assert.equal(s.f0Count, 2);
  assert.ok(Math.abs(s.vde - 0.2) < 1e-12);
  assert.ok(Math.abs(s.durationRatio - 1) < 1e-12);
  assert.equal(s.order, 13);
  assert.ok(Number.isNaN(summarize([]).mcd));
});

test('speed: evaluatePair on two 3 s utterances', (t) => {
  const w = readWav(SPEECH);
  const a = w.samples.subarray(0, 3 * 22050);
  const b = w.samples.subarray(4000, 4000 + 3 * 22050);
  evaluatePair(a, b); // warm-up
  const runs = 5;
  const start = performance.now();
  for (let i = 0; i < runs; i++) evaluatePair(a, b);
  const ms = (performance.now() - start) / runs;
  t.diagnostic(`evaluatePair, 2 x 3 s at 22.05 kHz: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 2000, `${ms} ms`);
});
