import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { f0Rmse, trackF0 } from '../../src/eval/f0.ts';
import { evaluatePair } from '../../src/eval/index.ts';
import { harmonic, rng, sine } from './signals.ts';

const SPEECH = 'tests/fixtures/parity/audio/speech.wav';

test('YIN tracks a steady sine to within 0.1 Hz', () => {
  for (const f of [60, 110.5, 200, 440]) {
    const t = trackF0(sine(f, 1));
    let n = 0;
    let worst = 0;
    for (let k = 5; k < t.f0.length - 5; k++) {
      assert.equal(t.voiced[k], 1, `${f} Hz frame ${k}`);
      worst = Math.max(worst, Math.abs(t.f0[k] - f));
      n++;
    }
    assert.ok(n > 80);
    assert.ok(worst < 0.1, `${f} Hz: worst error ${worst}`);
  }
});

test('YIN: a harmonic tone gives its fundamental; noise and silence are unvoiced', () => {
  const t = trackF0(harmonic(130, 1));
  for (let k = 5; k < t.f0.length - 5; k++) assert.ok(Math.abs(t.f0[k] - 130) < 0.5);
  const rand = rng(1);
  const noise = new Float32Array(22050).map(() => rand() - 0.5);
  const tn = trackF0(noise);
  assert.ok(tn.voiced.reduce((a, b) => a + b, 0) < 0.05 * tn.f0.length);
  const ts = trackF0(new Float32Array(22050));
  assert.equal(
    ts.voiced.reduce((a, b) => a + b, 0),
    0,
  );
});

test('YIN on espeak-ng speech: a male voice between 70 and 130 Hz, over 40% of frames voiced', () => {
  const w = readWav(SPEECH);
  const t = trackF0(w.samples);
  const voiced = Array.from(t.f0).filter((v) => v > 0);
  assert.ok(voiced.length > 0.4 * t.f0.length, `${voiced.length} voiced of ${t.f0.length}`);
  for (const v of voiced) assert.ok(v > 70 && v < 130, `F0 ${v}`);
});

test('a pitch-shifted sine has the expected F0 RMSE (20 Hz, 165 cents) and no voicing error', () => {
  const r = evaluatePair(sine(220, 3), sine(200, 3));
  assert.ok(Math.abs(r.f0Rmse - 20) < 0.1, `F0 RMSE ${r.f0Rmse}`);
  const cents = 1200 * Math.log2(220 / 200);
  assert.ok(Math.abs(r.f0RmseCents - cents) < 1, `cents ${r.f0RmseCents} vs ${cents}`);
  assert.equal(r.vde, 0);
  assert.ok(r.voicedPairs > 290);
  // A harmonic tone one semitone up: 100 cents.
  const h = evaluatePair(harmonic(130 * 2 ** (1 / 12), 2), harmonic(130, 2));
  assert.ok(Math.abs(h.f0RmseCents - 100) < 2, `cents ${h.f0RmseCents}`);
});

test('identical audio: F0 RMSE 0 and VDE 0', () => {
  const w = readWav(SPEECH);
  const r = evaluatePair(w, w);
  assert.equal(r.f0Rmse, 0);
  assert.equal(r.f0RmseCents, 0);
  assert.equal(r.vde, 0);
  assert.ok(r.voicedPairs > 50);
});

test('f0Rmse over a hand-made alignment: RMSE over both-voiced pairs, VDE over all pairs', () => {
  const track = (f0: number[]) => ({
    f0: Float64Array.from(f0),
    voiced: Uint8Array.from(f0.map((v) => (v > 0 ? 1 : 0))),
    aperiodicity: new Float64Array(f0.length),
    hopLength: 220,
    sampleRate: 22050,
  });
  const synth = track([100, 110, 0, 200]);
  const ref = track([100, 100, 150, 0]);
  const e = f0Rmse(synth, ref, {
    pathA: Int32Array.from([0, 1, 2, 3]),
    pathB: Int32Array.from([0, 1, 2, 3]),
    length: 4,
  });
  assert.equal(e.voicedPairs, 2);
  assert.ok(Math.abs(e.rmseHz - Math.sqrt((0 + 100) / 2)) < 1e-12);
  assert.equal(e.vde, 0.5);
  // Without alignment: one to one; with a path that pairs synth 1 with ref 0 and 1.
  assert.deepEqual(f0Rmse(synth, ref), e);
  const p = f0Rmse(synth, ref, {
    pathA: Int32Array.from([0, 1, 1]),
    pathB: Int32Array.from([0, 0, 1]),
    length: 3,
  });
  assert.ok(Math.abs(p.rmseHz - Math.sqrt(200 / 3)) < 1e-12);
  assert.equal(p.vde, 0);
  // No voiced pairs: NaN.
  assert.ok(Number.isNaN(f0Rmse(track([0, 0]), track([100, 0])).rmseHz));
});
