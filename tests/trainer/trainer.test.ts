// The Trainer end to end on a tiny conv model (tests/trainer/tiny_model.ts) and an espeak-ng demo dataset:
// loss falls; the run folder (config, log, TensorBoard events read back by scripts/tbread.py, checkpoints with
// pruning, best model); bitwise-exact resume at an epoch boundary, mid-epoch (requestStop, maxSteps) and
// mid-accumulation; restorePath reporting; gradient accumulation semantics; callback order (Ctrl-C too);
// interrupted checkpoint writes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AudioProcessor } from '../../src/audio/processor.ts';
import { BaseTTSConfig, parsePythonJson } from '../../src/config/index.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { loadTtsSamples } from '../../src/data/samples.ts';
import { TTSTokenizer } from '../../src/text/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors, saveTensors } from '../../src/torch/io.ts';
import type { TrainerOptimizer } from '../../src/trainer/api.ts';
import { incompleteCheckpointFiles, listCheckpoints, loadCheckpoint } from '../../src/trainer/checkpoint.ts';
import { Trainer, type TrainerOptions } from '../../src/trainer/trainer.ts';
import { espeakAvailable } from '../text/espeakAvailable.ts';
import { recordingCallbacks, type TinyData, type TinyModelOptions, TinyTTS } from './tiny_model.ts';

const root = resolve(import.meta.dirname, '../..');
// Tiny tensors: one intra-op thread is several times faster than two when the suite runs files in parallel.
if (!process.env.RIBBIT_NUM_THREADS) torch.setNumThreads(1);
const skip = espeakAvailable ? false : 'espeak-ng is not installed (apt-get install espeak-ng)';

let work = '';
let data: TinyData;

/** The run config: 8 training utterances in batches of 4 = 2 steps per epoch; Adam, per-step ExponentialLR. */
function config(overrides: Record<string, unknown> = {}): BaseTTSConfig {
  return BaseTTSConfig.create({
    runName: 'tiny',
    runDescription: 'a tiny conv model on the demo set',
    outputPath: join(work, 'runs'),
    epochs: 4,
    batchSize: 4,
    evalBatchSize: 2,
    printStep: 1,
    plotStep: 1,
    saveStep: 2,
    saveNCheckpoints: 2,
    runEval: true,
    dashboardLogger: 'tensorboard',
    optimizer: 'Adam',
    lr: 1e-2,
    optimizerParams: {},
    lrScheduler: 'ExponentialLR',
    lrSchedulerParams: { gamma: 0.98 },
    schedulerAfterEpoch: false,
    gradClip: 1,
    batchGroupSize: 1,
    seed: 1,
    textCleaner: 'english_cleaners',
    audio: { numMels: 32 },
    ...overrides,
  });
}

/** A model with weights drawn from `initSeed` (resumed runs start from other weights on purpose). */
function model(cfg: BaseTTSConfig, initSeed = 7, o: Partial<TinyModelOptions> = {}): TinyTTS {
  torch.manualSeed(initSeed);
  return new TinyTTS({ config: cfg, data, ...o });
}

let runCount = 0;
function trainer(cfg: BaseTTSConfig, m: TinyTTS, o: Partial<TrainerOptions> = {}): Trainer {
  return new Trainer({
    config: cfg,
    model: m,
    quiet: true,
    runPath: o.continuePath ? undefined : join(work, `run-${++runCount}`),
    ...o,
  });
}

/** Every tensor of a state dict as raw bytes, with its name, in name order (for bitwise comparisons). */
function stateBytes(sd: Map<string, torch.Tensor>): Buffer {
  const parts: Buffer[] = [];
  for (const k of [...sd.keys()].sort()) {
    const d = (sd.get(k) as torch.Tensor).dataSync();
    parts.push(Buffer.from(k), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}

const weightBytes = (m: TinyTTS) => stateBytes(m.stateDict());

function assertSameBytes(a: Buffer, b: Buffer, what: string): void {
  assert.ok(a.equals(b), `${what}: weights differ (${a.length} vs ${b.length} bytes)`);
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'ribbit-trainer-'));
  const dir = join(work, 'data');
  await makeDemoDataset({ out: dir, sentences: 10 });
  const lines = readFileSync(join(dir, 'metadata.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'train.csv'), `${lines.slice(0, 8).join('\n')}\n`);
  writeFileSync(join(dir, 'val.csv'), `${lines.slice(8).join('\n')}\n`);
  const cfg = config();
  const samples = loadTtsSamples([
    { formatter: 'ljspeech', path: dir, metaFileTrain: 'train.csv', metaFileVal: 'val.csv' },
  ]);
  data = {
    train: samples.train,
    eval: samples.eval,
    tokenizer: TTSTokenizer.fromConfig(cfg, { onNotFound: () => {} }),
    audio: new AudioProcessor(cfg.audio),
    cache: new Map(),
  };
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Finds a Python with google.protobuf, and protoc (scripts/tbread.py needs both); else a reason to skip. */
function findReader(): { python: string } | { skip: string } {
  if (spawnSync('protoc', ['--version']).status !== 0)
    return { skip: 'protoc not installed (apt-get install protobuf-compiler)' };
  const candidates = [process.env.RIBBIT_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (p): p is string => !!p,
  );
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import google.protobuf']).status === 0) return { python };
  }
  return { skip: 'no python3 with google.protobuf (apt-get install python3-protobuf)' };
}

interface TbEvent {
  step: number;
  summary?: { value: { tag: string; simple_value?: number; png?: { signature_ok: boolean } }[] };
}

// Run A: the reference run (4 epochs, 8 steps) that later tests compare against.
let refRun: { trainer: Trainer; bytes: Buffer; trainLoss: number[]; evalLoss: number[] } | null = null;

describe('Trainer', { skip }, () => {
  test('trains: the loss falls over the epochs', async () => {
    const cfg = config();
    const m = model(cfg);
    const trainLoss: number[] = [];
    const evalLoss: number[] = [];
    const t = trainer(cfg, m, {
      callbacks: [
        {
          onTrainEpochEnd: (tr) => trainLoss.push((tr as Trainer).trainAverages.get('loss') as number),
          onEpochEnd: (tr) => evalLoss.push((tr as Trainer).lastEval?.loss as number),
        },
      ],
    });
    await t.fit();
    assert.equal(t.step, 8);
    assert.equal(t.epoch, 4);
    assert.equal(t.stopReason, null);
    assert.equal(trainLoss.length, 4);
    assert.ok(trainLoss[3] < trainLoss[0] * 0.85, `train loss ${trainLoss}`);
    assert.ok(evalLoss[3] < evalLoss[0], `eval loss ${evalLoss}`);
    refRun = { trainer: t, bytes: weightBytes(m), trainLoss, evalLoss };
  });

  test('run folder: config.json, log, TensorBoard events, pruned checkpoints, best model', async (t) => {
    assert.ok(refRun);
    const run = refRun.trainer.runPath;
    const files = readdirSync(run).sort();
    // Python-style JSON (Coqui reads it): Infinity for the open length limits.
    const cfg = parsePythonJson(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(cfg.maxAudioLen, Number.POSITIVE_INFINITY);
    assert.equal(cfg.epochs, 4);
    assert.equal(cfg.batchSize, 4);
    assert.equal(cfg.runName, 'tiny');

    const log = readFileSync(join(run, 'trainer_0_log.txt'), 'utf8');
    assert.match(log, / > Model has [\d,]+ parameters; 2 batches per epoch/);
    assert.ok(log.includes(' > tiny: a tiny conv model on the demo set\n'), 'the run description is printed');
    for (let e = 1; e <= 4; e++) assert.ok(log.includes(` > EPOCH: ${e}/4`), `epoch ${e} in the log`);
    assert.match(log, /GLOBAL_STEP: 8\n {5}\| > loss: /);
    assert.equal(log.match(/ > EVALUATION:/g)?.length, 4);
    assert.match(log, / > Checkpoint saved: .*checkpoint_8\.safetensors/);

    // saveStep 2 over 8 steps saves 2, 4, 6, 8; saveNCheckpoints 2 keeps 6 and 8 (with their state and JSON).
    assert.deepEqual(
      listCheckpoints(run).map((c) => c.step),
      [6, 8],
    );
    for (const step of [6, 8]) {
      for (const ext of ['safetensors', 'state.safetensors', 'json']) {
        assert.ok(files.includes(`checkpoint_${step}.${ext}`), `checkpoint_${step}.${ext}`);
      }
    }
    assert.ok(!files.some((f) => /^checkpoint_[24]\./.test(f)), files.join(' '));
    const last = loadCheckpoint(run);
    assert.equal(last.state.step, 8);
    assert.equal(last.state.epoch, 4);
    assert.equal(last.state.batchInEpoch, 0);
    assertSameBytes(stateBytes(last.weights), refRun.bytes, 'checkpoint_8 vs the model');
    // The weights file alone is a plain state dict.
    assert.deepEqual(
      [...loadTensors(join(run, 'checkpoint_8.safetensors')).tensors.keys()].sort(),
      [...refRun.trainer.model.stateDict().keys()].sort(),
    );

    // One best model (saveAllBest false), at the step of the lowest eval loss.
    const best = files.filter((f) => f.startsWith('best_model_') && f.endsWith('.json'));
    assert.equal(best.length, 1, files.join(' '));
    const bestEpoch = refRun.evalLoss.indexOf(Math.min(...refRun.evalLoss));
    assert.equal(best[0], `best_model_${(bestEpoch + 1) * 2}.json`);
    const bestState = loadCheckpoint(join(run, best[0])).state;
    assert.equal(bestState.bestLoss, Math.min(...refRun.evalLoss));
    assert.equal(refRun.trainer.bestStep, (bestEpoch + 1) * 2);

    const events = files.filter((f) => f.startsWith('events.out.tfevents.'));
    assert.ok(events.length >= 1, files.join(' '));
    const reader = findReader();
    if ('skip' in reader) {
      t.skip(reader.skip);
      return;
    }
    const r = spawnSync(reader.python, [join(root, 'scripts/tbread.py'), run], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    assert.equal(r.status, 0, r.stderr);
    const parsed = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TbEvent);
    const scalars = new Map<string, [number, number][]>();
    let images = 0;
    for (const e of parsed) {
      for (const v of e.summary?.value ?? []) {
        if (v.simple_value !== undefined)
          scalars.set(v.tag, [...(scalars.get(v.tag) ?? []), [e.step, v.simple_value]]);
        if (v.png) {
          assert.ok(v.png.signature_ok);
          images += 1;
        }
      }
    }
    assert.deepEqual(
      scalars.get('TrainIterStats/loss')?.map(([s]) => s),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      scalars.get('EvalStats/loss')?.map(([s, v]) => [s, Math.fround(v)]),
      refRun.evalLoss.map((v, i) => [(i + 1) * 2, Math.fround(v)]),
    );
    const avg = scalars.get('TrainEpochStats/avg_loss')?.map(([, v]) => v) ?? [];
    assert.equal(avg.length, 4);
    avg.forEach((v, i) => {
      assert.ok(Math.abs(v - (refRun?.trainLoss[i] ?? 0)) < 1e-6);
    });
    assert.ok(scalars.has('TrainIterStats/current_lr'));
    assert.ok(scalars.has('TrainIterStats/grad_norm'));
    assert.equal(images, 16, 'trainLog figures (prediction and target) at every step');
  });

  test('exact resume at an epoch boundary: 2 + 2 epochs equal 4 epochs bitwise', async () => {
    assert.ok(refRun);
    const first = trainer(config({ epochs: 2 }), model(config({ epochs: 2 })));
    await first.fit();
    assert.equal(first.step, 4);
    const cfg = config({ epochs: 4 });
    const resumed = trainer(cfg, model(cfg, 99), { continuePath: first.runPath });
    await resumed.fit();
    assert.equal(resumed.step, 8);
    assert.equal(resumed.runPath, first.runPath);
    assertSameBytes(weightBytes(resumed.model as TinyTTS), refRun.bytes, 'resumed at epoch 2');
    assert.match(
      readFileSync(join(first.runPath, 'trainer_0_log.txt'), 'utf8'),
      / > Resumed checkpoint_4 \(epoch 2, step 4\)/,
    );
  });

  test('exact resume mid-epoch: requestStop() from a callback, and maxSteps', async () => {
    assert.ok(refRun);
    // requestStop after step 3: the first batch of epoch 2.
    const cfg = config();
    const a = trainer(cfg, model(cfg), {
      callbacks: [
        {
          onTrainStepEnd: (tr) => {
            if ((tr as Trainer).step === 3) (tr as Trainer).requestStop();
          },
        },
      ],
    });
    await a.fit();
    assert.equal(a.stopReason, 'request');
    assert.equal(a.step, 3);
    const saved = loadCheckpoint(a.runPath).state;
    assert.deepEqual([saved.step, saved.epoch, saved.batchInEpoch], [3, 1, 1]);
    const a2 = trainer(cfg, model(cfg, 99), { continuePath: a.runPath });
    await a2.fit();
    assertSameBytes(weightBytes(a2.model as TinyTTS), refRun.bytes, 'requestStop at step 3');

    // maxSteps 5, then continue: three runs (5, then to 7, then to the end) equal one.
    const b = trainer(cfg, model(cfg), { maxSteps: 5 });
    await b.fit();
    assert.equal(b.stopReason, 'maxSteps');
    assert.equal(b.step, 5);
    assert.match(
      readFileSync(join(b.runPath, 'trainer_0_log.txt'), 'utf8'),
      / > Stopped at step 5 \(maxSteps\)/,
    );
    const b2 = trainer(cfg, model(cfg, 98), { continuePath: b.runPath, maxSteps: 7 });
    await b2.fit();
    assert.equal(b2.step, 7);
    const b3 = trainer(cfg, model(cfg, 97), { continuePath: b.runPath });
    await b3.fit();
    assert.equal(b3.step, 8);
    assertSameBytes(weightBytes(b3.model as TinyTTS), refRun.bytes, 'maxSteps 5 and 7');
  });

  test('restorePath: matching tensors are loaded, the others skipped or kept, and reported', async () => {
    assert.ok(refRun);
    const ckpt = join(refRun.trainer.runPath, 'checkpoint_8.json');
    const cfg = config();
    // conv2 has another kernel size (shape mismatch); `post` is a layer the checkpoint lacks.
    const m = model(cfg, 5, { kernel2: 3, post: true });
    const before = m.stateDict();
    const keptConv2 = Buffer.from(before.get('conv2.weight')?.toFloat32Array().buffer as ArrayBuffer);
    const t = trainer(cfg, m, { restorePath: ckpt });
    await t.init();
    t.dashboard.close();
    const report = t.restoreReport;
    assert.ok(report);
    assert.equal(report.path, join(refRun.trainer.runPath, 'checkpoint_8.safetensors'));
    assert.deepEqual(report.missing, ['post.weight', 'post.bias']);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0], /^conv2\.weight \(shape \[24,24,5\] vs model \[24,24,3\]\)$/);
    assert.deepEqual([...report.restored].sort(), [
      'conv1.bias',
      'conv1.weight',
      'conv2.bias',
      'emb.weight',
      'out.bias',
      'out.weight',
    ]);
    const source = loadTensors(join(refRun.trainer.runPath, 'checkpoint_8.safetensors')).tensors;
    for (const k of report.restored) {
      assert.deepEqual(m.stateDict().get(k)?.toFloat32Array(), source.get(k)?.toFloat32Array(), k);
    }
    assert.ok(Buffer.from(m.conv2.weight.toFloat32Array().buffer).equals(keptConv2));
    const log = readFileSync(join(t.runPath, 'trainer_0_log.txt'), 'utf8');
    assert.match(log, / > Restored 6 of 9 tensors from .*checkpoint_8\.safetensors/);
    assert.match(log, / > Skipped 1: conv2\.weight \(shape \[24,24,5\] vs model \[24,24,3\]\)/);
    assert.match(log, / > Kept initial values for 2: post\.weight, post\.bias/);
    assert.equal(t.step, 0, 'a restored run starts at step 0');

    // A plain .safetensors state dict (no checkpoint JSON) restores too; unknown keys are reported.
    const plain = join(work, 'exported.safetensors');
    saveTensors(plain, new Map([...source, ['ghost.weight', torch.zeros([2])]]));
    const m2 = model(cfg, 6);
    const t2 = trainer(cfg, m2, { restorePath: plain });
    await t2.init();
    t2.dashboard.close();
    assert.deepEqual(t2.restoreReport?.skipped, ['ghost.weight (not in the model)']);
    assert.deepEqual(t2.restoreReport?.missing, []);
    assertSameBytes(weightBytes(m2), refRun.bytes, 'plain safetensors restore');
  });

  test('gradient accumulation: steps count optimizer updates; one update equals the mean of the micro-batch gradients', async () => {
    // 8 samples in batches of 2 = 4 batches; gradAccumSteps 2 = 2 optimizer steps per epoch.
    const cfg = config({
      batchSize: 2,
      gradAccumSteps: 2,
      epochs: 2,
      optimizer: 'SGD',
      lr: 0.5,
      lrScheduler: null,
      gradClip: 0,
      saveStep: 1,
      saveNCheckpoints: 10,
      runEval: false,
    });
    const m = model(cfg, 7, { dropout: 0 });
    const start = m.stateDict();
    const startCopy = new Map([...start].map(([k, v]) => [k, v.clone()]));
    let optimizerSteps = 0;
    let batchesSeen = 0;
    const real = m.getOptimizer.bind(m);
    m.getOptimizer = () => {
      const o = real();
      const step = o.step.bind(o);
      o.step = () => {
        optimizerSteps += 1;
        step();
      };
      return o as TrainerOptimizer;
    };
    const t = trainer(cfg, m, {
      maxSteps: 1,
      callbacks: [{ onTrainStepStart: () => (batchesSeen += 1) }],
    });
    await t.fit();
    assert.deepEqual([t.step, optimizerSteps, batchesSeen], [1, 1, 2]);
    // The same update by hand: (grad(loss_1) + grad(loss_2)) / 2 on the first two batches of epoch 0.
    const ref = model(cfg, 7, { dropout: 0 });
    ref.loadStateDict(startCopy);
    const source = await ref.getDataLoader({ isEval: false, batchSize: 2, seed: cfg.seed });
    let k = 0;
    for await (const batch of source.batches(0)) {
      torch.tidy(() => ref.trainStep(batch).lossDict.loss.div(2).backward());
      if (++k === 2) break;
    }
    torch.noGrad(() => {
      for (const p of ref.parameters()) {
        const g = p.grad;
        if (g) p.sub_(g.mul(0.5));
      }
    });
    assertSameBytes(weightBytes(m), weightBytes(ref), 'one accumulated SGD step');

    // The rest of the run: 2 steps per epoch, checkpoints named by optimizer steps.
    const t2 = trainer(cfg, m, {
      continuePath: t.runPath,
      callbacks: [{ onTrainStepStart: () => (batchesSeen += 1) }],
    });
    optimizerSteps = 0;
    batchesSeen = 0;
    await t2.fit();
    assert.deepEqual([t2.step, optimizerSteps, batchesSeen], [4, 3, 6]);
    assert.deepEqual(
      listCheckpoints(t.runPath).map((c) => c.step),
      [1, 2, 3, 4],
    );

    // An odd number of batches: the last batch of an epoch always ends a step (3 batches -> 2 steps).
    const odd = config({
      batchSize: 3,
      gradAccumSteps: 2,
      epochs: 1,
      runEval: false,
      saveCheckpoints: false,
    });
    const t3 = trainer(odd, model(odd));
    await t3.fit();
    assert.equal(t3.step, 2);
  });

  test('a stop in the middle of an accumulation finishes it: resume stays exact', async () => {
    const cfg = config({ batchSize: 2, gradAccumSteps: 2, epochs: 2, runEval: false, saveStep: 100 });
    const whole = trainer(cfg, model(cfg));
    await whole.fit();
    assert.equal(whole.step, 4);
    // Stop requested before the first micro-batch of epoch 2: the trainer completes that step.
    const a = trainer(cfg, model(cfg), {
      callbacks: [
        {
          onTrainStepStart: (tr) => {
            const x = tr as Trainer;
            if (x.epoch === 1 && x.batchInEpoch === 0) x.requestStop();
          },
        },
      ],
    });
    await a.fit();
    assert.equal(a.step, 3);
    assert.equal(loadCheckpoint(a.runPath).state.batchInEpoch, 2);
    const b = trainer(cfg, model(cfg, 99), { continuePath: a.runPath });
    await b.fit();
    assertSameBytes(
      weightBytes(b.model as TinyTTS),
      weightBytes(whole.model as TinyTTS),
      'stop mid-accumulation',
    );
  });

  test('callbacks fire in the reference order on the model and user callbacks', async () => {
    const events: string[] = [];
    const cfg = config({ epochs: 1, saveStep: 100 });
    const t = trainer(cfg, model(cfg, 7, { events }), { callbacks: [recordingCallbacks('user', events)] });
    await t.fit();
    const step = ['onTrainStepStart', 'beforeBackwardPass', 'beforeGradientClipping', 'onTrainStepEnd'];
    const order = [
      'onInitStart',
      'onInitEnd',
      'onEpochStart',
      'onTrainEpochStart',
      ...step,
      ...step,
      'onTrainEpochEnd',
      'onEpochEnd',
    ];
    assert.deepEqual(
      events,
      order.flatMap((name) => [`model:${name}`, `user:${name}`]),
    );
  });

  test('Ctrl-C: finishes the step, calls onKeyboardInterrupt, saves a checkpoint (unless saveOnInterrupt is off)', async () => {
    for (const saveOnInterrupt of [true, false]) {
      const events: string[] = [];
      const cfg = config({ saveStep: 100, saveOnInterrupt });
      const t = trainer(cfg, model(cfg), {
        callbacks: [
          {
            ...recordingCallbacks('user', events),
            onTrainStepEnd: (tr) => {
              events.push('user:onTrainStepEnd');
              if ((tr as Trainer).step === 3) process.emit('SIGINT');
            },
          },
        ],
      });
      await t.fit();
      assert.equal(t.stopReason, 'interrupt');
      assert.equal(t.step, 3);
      assert.deepEqual(events.slice(-2), ['user:onTrainStepEnd', 'user:onKeyboardInterrupt']);
      assert.deepEqual(
        listCheckpoints(t.runPath).map((c) => c.step),
        saveOnInterrupt ? [3] : [],
      );
      assert.equal(process.listenerCount('SIGINT'), 0, 'the handler is removed');
    }
  });

  test('an interrupted checkpoint write leaves the previous checkpoint loadable; resume cleans it up', async () => {
    assert.ok(refRun);
    const cfg = config({ epochs: 2 });
    const t = trainer(cfg, model(cfg));
    await t.fit();
    const run = t.runPath;
    // A kill during checkpoint_6: its weights and state written, the JSON still a temp file of a dead writer.
    copyFileSync(join(run, 'checkpoint_4.safetensors'), join(run, 'checkpoint_6.safetensors'));
    copyFileSync(join(run, 'checkpoint_4.state.safetensors'), join(run, 'checkpoint_6.state.safetensors'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(join(run, `checkpoint_6.json.tmp-${dead}-0a1b2c3d4e5f`), '{"format": "ribb');
    // ... and a temp file of a live writer, which is left alone.
    const live = join(run, `checkpoint_9.safetensors.tmp-${process.pid}-abcdef012345`);
    writeFileSync(live, 'x');
    assert.deepEqual(
      listCheckpoints(run).map((c) => c.step),
      [2, 4],
    );
    assert.equal(loadCheckpoint(run).state.step, 4);
    assert.deepEqual(incompleteCheckpointFiles(run), [
      join(run, `checkpoint_6.json.tmp-${dead}-0a1b2c3d4e5f`),
      join(run, 'checkpoint_6.safetensors'),
      join(run, 'checkpoint_6.state.safetensors'),
    ]);
    const resumed = trainer(config({ epochs: 4 }), model(cfg, 99), { continuePath: run });
    await resumed.fit();
    assert.match(
      readFileSync(join(run, 'trainer_0_log.txt'), 'utf8'),
      / > Removed 3 file\(s\) of checkpoint writes that never finished: checkpoint_6\.json\.tmp-/,
    );
    assert.ok(existsSync(live));
    assert.deepEqual(incompleteCheckpointFiles(run), []);
    assert.deepEqual(
      listCheckpoints(run).map((c) => c.step),
      [6, 8],
    );
    assertSameBytes(weightBytes(resumed.model as TinyTTS), refRun.bytes, 'resume after a broken write');
  });

  test('run folders of runs started in the same second do not collide', async () => {
    const cfg = config({ epochs: 0, runEval: false, saveCheckpoints: false, dashboardLogger: 'none' });
    const a = new Trainer({ config: cfg, model: model(cfg), quiet: true });
    const b = new Trainer({ config: cfg, model: model(cfg), quiet: true });
    assert.notEqual(a.runPath, b.runPath);
    assert.match(a.runPath, /tiny-\d{4}-\d\d-\d\d_\d{6}(-\d+)?$/);
  });
});
