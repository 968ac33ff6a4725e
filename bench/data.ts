// Data loading vs training: how fast the TTSDataset loader makes batches (token ids + mels computed on the tensor
// engine from the wavs) compared with a training step of the tiny test model (tests/trainer/tiny_model.ts:
// embedding, nearest upsampling to the mel length, three 1-d convolutions, masked L1; Adam) at the same batch
// size, on an espeak-ng demo dataset generated into a temp folder (LJSpeech layout, 22.05 kHz, ~2-4 s each).
//
// Cases (each a fresh dataset unless said otherwise; batches consumed as fast as they come):
//   - prepare: tokenizing every text and reading every WAV header (once per run of the Trainer);
//   - loader cold: the first epoch, where every mel is computed (WAV read, trim, STFT, mel, dB);
//   - loader cached: a later epoch of the same dataset (mels kept in memory: padding + tensor creation only);
//   - step: trainStep + backward + clipGradNorm + Adam step + zeroGrad in tidy, as the Trainer does, on batches
//     from the loader; median of --steps after --warmup;
//   - epoch with training, cold and cached: a Trainer-like loop (the next batch is prefetched while a step runs;
//     only the file reads overlap a step, the mel work runs between steps), with the time spent waiting for
//     batches as the Trainer's loader_time.
// The ratio line divides the loader's time per batch by the step time: above 1, the loader is the bottleneck.
//
// Run: npm run bench -- data [--utterances 64] [--batch 16] [--mels 80] [--hidden 32] [--steps 20] [--warmup 3]
//        [--data DIR]   (an existing LJSpeech-format folder instead of the generated demo set)
// stdout: one JSON line {"bench":"data", ...}; stderr: the same as readable lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioProcessor } from '../src/audio/processor.ts';
import { BaseTTSConfig } from '../src/config/index.ts';
import { TTSDataset } from '../src/data/dataset.ts';
import { makeDemoDataset } from '../src/data/demo.ts';
import { loadTtsSamples } from '../src/data/samples.ts';
import { TTSTokenizer } from '../src/text/index.ts';
import * as torch from '../src/torch/index.ts';
import type { Batch } from '../src/trainer/api.ts';
import { TinyTTS } from '../tests/trainer/tiny_model.ts';
import { arg } from './args.ts';
import { median } from './timing.ts';

function int(name: string, fallback: number): number {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a positive integer, got ${v}`);
    process.exit(1);
  }
  return n;
}

const utterances = int('utterances', 64);
const batchSize = int('batch', 16);
const numMels = int('mels', 80);
const hidden = int('hidden', 32);
const steps = int('steps', 20);
const warmup = int('warmup', 3);
const given = arg('data');

const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (x: number, d = 2) => x.toFixed(d);

const tmp = given ? null : mkdtempSync(join(tmpdir(), 'ribbit-bench-data-'));
try {
  const dir = given ?? join(tmp as string, 'demo');
  if (!given) {
    const t0 = performance.now();
    await makeDemoDataset({ out: dir, sentences: utterances });
    log(
      `demo dataset: ${utterances} utterances generated with espeak-ng in ${fmt((performance.now() - t0) / 1000, 1)} s`,
    );
  }
  const config = BaseTTSConfig.create({
    textCleaner: 'english_cleaners',
    batchSize,
    optimizer: 'Adam',
    lr: 1e-3,
    optimizerParams: {},
    lrScheduler: null,
    gradClip: 1,
    audio: { numMels },
  });
  const tokenizer = TTSTokenizer.fromConfig(config, { onNotFound: () => {} });
  const ap = new AudioProcessor(config.audio);
  const { train } = loadTtsSamples([{ formatter: 'ljspeech', path: dir }], { evalSplit: false });

  const newDataset = () =>
    new TTSDataset({ samples: train, tokenizer, audio: ap, batchSize, batchGroupSize: 4, seed: 1 });

  /** Consumes one epoch as fast as batches come; returns seconds and the batches (disposed unless kept). */
  async function drain(ds: TTSDataset, epoch: number, keep: Batch[] | null = null): Promise<number> {
    const t0 = performance.now();
    for await (const b of ds.batches(epoch)) {
      (b.mel as torch.Tensor).dataSync();
      if (keep) keep.push(b);
      else for (const v of Object.values(b)) if (torch.isTensor(v)) v.dispose();
    }
    return (performance.now() - t0) / 1000;
  }

  // Loader alone.
  const ds = newDataset();
  const t0 = performance.now();
  await ds.prepare();
  const prepareS = (performance.now() - t0) / 1000;
  const nBatches = ds.length;
  const coldS = await drain(ds, 0);
  const batches: Batch[] = [];
  const cachedS = await drain(ds, 1, batches);
  const frames = batches.map((b) => (b.mel as torch.Tensor).shape[1]);

  // Training step of the tiny model.
  torch.manualSeed(1);
  const data = { train, eval: [], tokenizer, audio: ap };
  const model = new TinyTTS({ config, data, hidden });
  const optimizer = model.getOptimizer();
  const params = [...optimizer.parameters()];
  const step = (b: Batch) => {
    torch.tidy(() => {
      model.trainStep(b).lossDict.loss.backward();
      torch.clipGradNorm(params, 1);
      optimizer.step();
      optimizer.zeroGrad();
    });
  };
  model.train();
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const b = batches[i % batches.length];
    const s0 = performance.now();
    step(b);
    if (i >= warmup) times.push((performance.now() - s0) / 1000);
  }
  const stepS = median(times);
  for (const b of batches) for (const v of Object.values(b)) if (torch.isTensor(v)) v.dispose();

  // Training epochs as the Trainer runs them: a step per batch while the next one is prefetched.
  async function trainEpoch(d: TTSDataset, epoch: number): Promise<{ total: number; waiting: number }> {
    const e0 = performance.now();
    let waiting = 0;
    let w0 = performance.now();
    for await (const b of d.batches(epoch)) {
      waiting += performance.now() - w0;
      step(b);
      for (const v of Object.values(b)) if (torch.isTensor(v)) v.dispose();
      w0 = performance.now();
    }
    return { total: (performance.now() - e0) / 1000, waiting: waiting / 1000 };
  }
  const fresh = newDataset();
  await fresh.prepare();
  const trainCold = await trainEpoch(fresh, 0);
  const trainCached = await trainEpoch(fresh, 1);

  const coldPerBatch = coldS / nBatches;
  const cachedPerBatch = cachedS / nBatches;
  const result = {
    bench: 'data',
    utterances: train.length,
    batchSize,
    batches: nBatches,
    numMels,
    meanFrames: Math.round(frames.reduce((a, b) => a + b, 0) / frames.length),
    threads: torch.getNumThreads(),
    prepareS: +prepareS.toFixed(4),
    loaderColdBatchesPerS: +(1 / coldPerBatch).toFixed(2),
    loaderCachedBatchesPerS: +(1 / cachedPerBatch).toFixed(2),
    loaderColdMsPerBatch: +(coldPerBatch * 1000).toFixed(2),
    loaderCachedMsPerBatch: +(cachedPerBatch * 1000).toFixed(3),
    modelParams: model.numParameters(),
    stepMs: +(stepS * 1000).toFixed(2),
    stepsPerS: +(1 / stepS).toFixed(2),
    ratioColdLoaderToStep: +(coldPerBatch / stepS).toFixed(3),
    ratioCachedLoaderToStep: +(cachedPerBatch / stepS).toFixed(4),
    trainEpochColdS: +trainCold.total.toFixed(3),
    trainEpochColdWaitingS: +trainCold.waiting.toFixed(3),
    trainEpochCachedS: +trainCached.total.toFixed(3),
    trainEpochCachedWaitingS: +trainCached.waiting.toFixed(3),
  };
  log(
    `dataset: ${result.utterances} utterances, batch ${batchSize} (${nBatches} batches, ~${result.meanFrames} frames x ${numMels} mels), ${result.threads} threads`,
  );
  log(`prepare (tokenize + WAV headers): ${fmt(prepareS * 1000, 1)} ms`);
  log(
    `loader, mels on the fly (epoch 1): ${fmt(1 / coldPerBatch)} batches/s (${fmt(coldPerBatch * 1000, 1)} ms/batch)`,
  );
  log(
    `loader, mels cached (epoch 2):     ${fmt(1 / cachedPerBatch)} batches/s (${fmt(cachedPerBatch * 1000, 2)} ms/batch)`,
  );
  log(
    `tiny model step (${result.modelParams.toLocaleString('en-US')} params, Adam): ${fmt(stepS * 1000, 1)} ms (${fmt(1 / stepS)} steps/s)`,
  );
  log(
    `epoch with training: cold ${fmt(trainCold.total, 2)} s (waiting for batches ${fmt(trainCold.waiting, 2)} s), cached ${fmt(trainCached.total, 2)} s (waiting ${fmt(trainCached.waiting, 3)} s)`,
  );
  log(
    `RATIO loader time per batch / step time: cold ${fmt(coldPerBatch / stepS)}x, cached ${fmt(cachedPerBatch / stepS, 3)}x` +
      ` (above 1: the loader is the bottleneck; cold is ${coldPerBatch > stepS ? 'loader' : 'model'}-bound, cached is ${cachedPerBatch > stepS ? 'loader' : 'model'}-bound)`,
  );
  console.log(JSON.stringify(result));
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
