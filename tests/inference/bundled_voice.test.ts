// The bundled default voice (voices/default): `ribbit speak` uses it with no model flags, and its quality on
// sentences it never saw stays where the README says it is: MCD-DTW and duration ratio against espeak-ng's own
// audio of held-out sentences of the demo list (the voice was trained on sentences 1-400; these are 401-403).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
const VOICE = new URL('../../voices/default/', import.meta.url).pathname;

test('the bundled voice is an fp16 safetensors file of at most 15 MB with its config', () => {
  const size = statSync(join(VOICE, 'model.safetensors')).size;
  assert.ok(size <= 15 * 1024 * 1024, `${size} bytes`);
  const header = readFileSync(join(VOICE, 'model.safetensors'));
  const n = Number(header.readBigUInt64LE(0));
  const meta = JSON.parse(header.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype?: string }>;
  const dtypes = new Set(Object.entries(meta).flatMap(([k, v]) => (k === '__metadata__' ? [] : [v.dtype])));
  assert.deepEqual([...dtypes], ['F16']);
  assert.ok(existsSync(join(VOICE, 'config.json')));
});

test('ribbit speak with no model flags speaks with the bundled voice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voice-'));
  try {
    const out = join(dir, 'hello.wav');
    const r = spawnSync(process.execPath, [BIN, 'speak', '--text', 'Hello! This is ribbit.', '--out', out], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const wav = readWav(new Uint8Array(readFileSync(out)));
    assert.equal(wav.sampleRate, 22050);
    const seconds = wav.samples.length / wav.sampleRate;
    assert.ok(seconds > 0.8 && seconds < 3, `${seconds} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no written sample is at full scale (vocoders overshoot; the Synthesizer scales down, never clips)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voice-'));
  try {
    const out = join(dir, 'demo.wav');
    // npm run demo's sentence: 4.4% of its samples were clipped when the float output (peak 4-6) was written as is
    const text = 'Hello! This is ribbit, a text to speech toolkit written in TypeScript.';
    const r = spawnSync(process.execPath, [BIN, 'speak', '--text', text, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { samples } = readWav(new Uint8Array(readFileSync(out)));
    let atFullScale = 0;
    let peak = 0;
    for (const v of samples) {
      if (Math.abs(v) >= 32767 / 32768) atFullScale++;
      peak = Math.max(peak, Math.abs(v));
    }
    assert.equal(atFullScale, 0, `${atFullScale} of ${samples.length} samples at full scale`);
    assert.ok(peak > 0.5 && peak <= 0.951, `peak ${peak}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('held-out quality: MCD-DTW and duration ratio vs espeak-ng on 3 unseen sentences', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voice-eval-'));
  try {
    await makeDemoDataset({ out: dir, sentences: 3, offset: 400 });
    const r = spawnSync(process.execPath, [BIN, 'eval', '--dataset', dir, '--sentences', '3', '--json'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const { mean } = JSON.parse(r.stdout) as { mean: { mcd: number; durationRatio: number } };
    console.log(`MCD ${mean.mcd.toFixed(3)} dB, duration ratio ${mean.durationRatio.toFixed(3)}`);
    // bounds a little above what the README reports for this voice (4.06 dB and 1.147 on 20 held-out
    // sentences; 4.19 on these 3), below Glow-TTS + Griffin-Lim (5.41 on 20, 5.53 on these 3), so a regression in
    // any part of the path (text, model, weights, the voice's vocoder, eval) fails
    assert.ok(mean.mcd < 4.8, `MCD ${mean.mcd} dB`);
    assert.ok(mean.durationRatio > 0.9 && mean.durationRatio < 1.3, `duration ratio ${mean.durationRatio}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
