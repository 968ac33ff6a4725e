// GANDataset: aligned random segments, short-file padding, precomputed mels, the eval split and bad inputs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AudioProcessor } from '../../src/audio/processor.ts';
import { writeWav } from '../../src/audio/wav.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { GANDataset } from '../../src/vocoder/datasets/gan_dataset.ts';
import { parseNpy } from '../../src/vocoder/datasets/npy.ts';
import { loadWavData, loadWavFeatData } from '../../src/vocoder/datasets/preprocess.ts';

const SR = 8000;
const ap = () =>
  new AudioProcessor({
    sampleRate: SR,
    fftSize: 256,
    winLength: 256,
    hopLength: 64,
    numMels: 20,
    doTrimSilence: false,
  });

/** A ramp with distinct values so a segment's position can be read off its first sample. */
function ramp(n: number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = (i % 4000) / 4000 - 0.5;
  return s;
}

/** A .npy file (format 1.0, little-endian float32, C order). */
function npyBytes(shape: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer), 10 + header.length);
  return out;
}

function makeData(): { dir: string; wavs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-gan-'));
  mkdirSync(join(dir, 'sub'));
  const wavs = [join(dir, 'a.wav'), join(dir, 'sub', 'b.wav'), join(dir, 'c.wav')];
  writeWav(wavs[0], ramp(3000), SR, { format: 'float', bitsPerSample: 32 });
  writeWav(wavs[1], ramp(2500), SR, { format: 'float', bitsPerSample: 32 });
  writeWav(wavs[2], ramp(200), SR, { format: 'float', bitsPerSample: 32 }); // shorter than a segment
  return { dir, wavs };
}

test('loadWavData finds wavs recursively and splits them reproducibly', () => {
  const { dir } = makeData();
  const [ev, tr] = loadWavData(dir, 1);
  assert.equal(ev.length, 1);
  assert.equal(tr.length, 2);
  assert.deepEqual(loadWavData(dir, 1), [ev, tr]);
});

test('training segments: mel [B, C, seqLen / hop] aligned with waveform [B, 1, seqLen]; short wavs padded', async () => {
  const { wavs } = makeData();
  const a = ap();
  const ds = new GANDataset({ audio: a, items: wavs, seqLen: 512, padShort: 64, batchSize: 3, seed: 1 });
  await ds.prepare();
  const batches: Record<string, unknown>[] = [];
  for await (const b of ds.batches(0)) batches.push(b);
  assert.equal(batches.length, 1);
  const input = batches[0].input as Tensor;
  const wave = batches[0].waveform as Tensor;
  assert.deepEqual(input.shape, [3, 20, 8]);
  assert.deepEqual(wave.shape, [3, 1, 512]);
  // alignment: each waveform segment starts on a frame boundary of its file, and its mel is that of those samples
  for (let b = 0; b < 3; b++) {
    const first = wave.select(0, b).select(0, 0).select(0, 0).item();
    const pos = Math.round((first + 0.5) * 4000);
    assert.equal(pos % 64, 0, `segment ${b} starts at sample ${pos}`);
  }
  // a different epoch draws other segments
  let other: Tensor | null = null;
  for await (const b of ds.batches(5)) other = b.waveform as Tensor;
  assert.ok(torch.tidy(() => (other as Tensor).sub(wave).abs().max().item()) > 0);
});

test('eval items are whole utterances, one per batch', async () => {
  const { wavs } = makeData();
  const ds = new GANDataset({
    audio: ap(),
    items: wavs.slice(0, 1),
    seqLen: 512,
    batchSize: 4,
    returnSegments: false,
  });
  await ds.prepare();
  for await (const b of ds.batches(0)) {
    const frames = (b.input as Tensor).shape[2];
    assert.equal(frames, 1 + Math.floor(3000 / 64));
    assert.deepEqual((b.waveform as Tensor).shape, [1, 1, frames * 64]);
  }
});

test('precomputed mels (.npy) pair by stem; segments cut the same frames; unreadable files are dropped and reported', async () => {
  const { dir } = makeData();
  const feats = join(dir, 'feats');
  mkdirSync(feats);
  for (const [name, n] of [
    ['a', 47],
    ['b', 40],
    ['c', 4],
  ] as const) {
    const mel = new Float32Array(20 * n);
    for (let c = 0; c < 20; c++) for (let t = 0; t < n; t++) mel[c * n + t] = t; // value = frame index
    writeFileSync(join(feats, `${name}.npy`), npyBytes([20, n], mel));
  }
  assert.deepEqual(parseNpy(npyBytes([2, 3], new Float32Array([1, 2, 3, 4, 5, 6]))).shape, [2, 3]);
  writeFileSync(join(dir, 'broken.wav'), 'not a wav');
  writeFileSync(join(feats, 'broken.npy'), npyBytes([20, 10], new Float32Array(200)));
  const lines: string[] = [];
  const [ev, tr] = loadWavFeatData(dir, feats, 0, { log: (l) => lines.push(l) });
  assert.equal(ev.length, 0);
  assert.equal(tr.length, 4);
  const ds = new GANDataset({
    audio: ap(),
    items: tr,
    seqLen: 256,
    batchSize: 4,
    seed: 3,
    log: (l) => lines.push(l),
  });
  await ds.prepare();
  assert.equal(ds.items.length, 3);
  assert.ok(lines.some((l) => l.includes('3 files kept of 4')));
  assert.ok(lines.some((l) => l.includes('dropped 1') && l.includes('broken.wav')));
  for await (const b of ds.batches(0)) {
    const input = b.input as Tensor;
    const wave = b.waveform as Tensor;
    assert.deepEqual(input.shape, [3, 20, 4]);
    assert.deepEqual(wave.shape, [3, 1, 256]);
    for (let i = 0; i < 3; i++) {
      const row = input.select(0, i).select(0, 0); // channel 0 holds the frame index
      const start = row.select(0, 0).item();
      if (row.select(0, 1).item() !== start + 1) continue; // c: padded with silence
      const pos = Math.round((wave.select(0, i).select(0, 0).select(0, 0).item() + 0.5) * 4000);
      assert.equal(pos, start * 64);
    }
  }
});

test('seqLen must be a multiple of the hop length', () => {
  assert.throws(
    () => new GANDataset({ audio: ap(), items: [], seqLen: 500, batchSize: 1 }),
    /multiple of the hop/,
  );
});

test('a resumed epoch (skip) yields the same segments as the full epoch', async () => {
  const { wavs } = makeData();
  const ds = new GANDataset({ audio: ap(), items: wavs, seqLen: 256, batchSize: 1, seed: 7 });
  await ds.prepare();
  const all: Tensor[] = [];
  for await (const b of ds.batches(2)) all.push(b.waveform as Tensor);
  const tail: Tensor[] = [];
  for await (const b of ds.batches(2, 1)) tail.push(b.waveform as Tensor);
  assert.equal(tail.length, all.length - 1);
  tail.forEach((t, i) => {
    assert.equal(
      torch.tidy(() =>
        t
          .sub(all[i + 1])
          .abs()
          .max()
          .item(),
      ),
      0,
    );
  });
});
