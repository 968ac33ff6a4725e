// Bit-exact resume of a GAN-trained TTS model: a tiny VITS (both optimizers, the discriminator, random segment
// slicing, the posterior and SDP noise draws, dropout) on a 6-utterance demo dataset, trained 6 steps unbroken,
// and again 2 steps (stopped mid-epoch by maxSteps, checkpoint) + `continuePath` (with the run's config.json,
// as `ribbit train --continue-path`) to 6 across an epoch end (eval, test sentence, per-epoch scheduler step).
// Every generator and discriminator tensor, both Adam states, the schedulers' learning rates and every logged
// loss (per step, epoch averages, eval) must be bit-identical.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadRunConfig } from '../../src/cli/train.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { createModel } from '../../src/models/index.ts';
import * as torch from '../../src/torch/index.ts';
import { Trainer } from '../../src/trainer/trainer.ts';
import type { Vits } from '../../src/tts/models/vits.ts';
import { TINY_VITS_ARGS } from '../tts/tiny_vits.ts';
import { type RecordingDashboard, recorded } from './recording_dashboard.ts';

if (!process.env.RIBBIT_NUM_THREADS) torch.setNumThreads(1);

let dir = '';
let config: Record<string, unknown> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-vits-resume-'));
  await makeDemoDataset({ out: join(dir, 'data'), sentences: 8 });
  config = {
    model: 'vits',
    runName: 'vits_resume',
    outputPath: join(dir, 'runs'),
    epochs: 2,
    batchSize: 2, // 6 training utterances: 3 steps per epoch
    evalBatchSize: 2,
    evalSplitSize: 2,
    printStep: 1,
    plotStep: 1,
    saveStep: 1000,
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    textCleaner: 'phoneme_cleaners',
    phonemeCachePath: join(dir, 'phonemes'),
    datasets: [{ formatter: 'ljspeech', path: join(dir, 'data'), metaFileTrain: 'metadata.csv' }],
    testSentences: [['Be a voice.', null, null, null]],
    modelArgs: {
      ...TINY_VITS_ARGS,
      specSegmentSize: 8,
    },
  };
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh tiny VITS whose weights come from `initSeed` (config: the test's, or a run's as `--continue-path` reads it). */
function vits(initSeed: number, runConfig: Record<string, unknown> = config): Vits {
  torch.manualSeed(initSeed);
  return createModel(structuredClone(runConfig)) as Vits;
}

/** Every tensor of a state dict as raw bytes, by name. */
function tensorBytes(entries: Iterable<[string, torch.Tensor]>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, t] of entries) {
    const d = t.dataSync();
    out.set(k, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return out;
}

/** An optimizer's state dict (Adam's exp_avg, exp_avg_sq, step per parameter) flattened to name -> bytes. */
function optimizerBytes(stateDict: unknown): Map<string, Buffer> {
  const sd = stateDict as { state: Record<string, Record<string, unknown>>; param_groups: unknown };
  const flat: [string, torch.Tensor][] = [];
  const numbers: string[] = [];
  for (const [id, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (torch.isTensor(v)) flat.push([`${id}.${k}`, v]);
      else numbers.push(`${id}.${k}=${String(v)}`);
    }
  }
  const out = tensorBytes(flat);
  out.set('numbers', Buffer.from(numbers.join(',')));
  out.set('param_groups', Buffer.from(JSON.stringify(sd.param_groups)));
  return out;
}

function assertSame(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: other names`);
  const differ = [...a.keys()].filter((k) => !(a.get(k) as Buffer).equals(b.get(k) as Buffer));
  assert.deepEqual(differ, [], `${what}: these differ after resume`);
}

/** The logged scalars that must repeat exactly (timings excluded), as tag -> [step, value][]. */
function losses(...dashboards: RecordingDashboard[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const d of dashboards) {
    for (const [tag, list] of d.scalars) {
      if (/(step_time|loader_time)$/.test(tag)) continue;
      out.set(tag, [...(out.get(tag) ?? []), ...list]);
    }
  }
  return out;
}

test('VITS resumes bit-exactly: 2 steps + continuePath to 6 equal 6 unbroken steps', async () => {
  const whole = vits(1);
  const wholeRun = new Trainer({ config: whole.config, model: whole, quiet: true });
  const wholeLog = await recorded(wholeRun);
  await wholeRun.fit();
  assert.equal(wholeRun.step, 6);

  const first = vits(1);
  const firstRun = new Trainer({ config: first.config, model: first, quiet: true, maxSteps: 2 });
  const firstLog = await recorded(firstRun);
  await firstRun.fit();
  assert.equal(firstRun.stopReason, 'maxSteps');
  assert.equal(firstRun.batchInEpoch, 2, 'stopped mid-epoch');

  // as `ribbit train --continue-path` does: the run's config.json, other initial weights (everything must come
  // from the checkpoint)
  const resumed = vits(99, loadRunConfig({ continuePath: firstRun.runPath }));
  const resumedRun = new Trainer({
    config: resumed.config,
    model: resumed,
    quiet: true,
    continuePath: firstRun.runPath,
  });
  const resumedLog = await recorded(resumedRun);
  await resumedRun.fit();
  assert.equal(resumedRun.step, 6);

  // both optimizers trained (Coqui's order, 0 the discriminator, 1 the generator): tensors of each moved
  const initial = tensorBytes(vits(1).stateDict());
  const trained = tensorBytes(whole.stateDict());
  const moved = [...trained.keys()].filter(
    (k) => !(trained.get(k) as Buffer).equals(initial.get(k) as Buffer),
  );
  assert.ok(
    moved.some((k) => k.startsWith('disc.')),
    'the discriminator trained',
  );
  assert.ok(
    moved.some((k) => k.startsWith('waveform_decoder.')),
    'the generator trained',
  );
  assertSame(tensorBytes(resumed.stateDict()), tensorBytes(whole.stateDict()), 'weights');
  assert.equal(resumedRun.optimizers.length, 2);
  for (const i of [0, 1]) {
    assertSame(
      optimizerBytes(resumedRun.optimizers[i].stateDict()),
      optimizerBytes(wholeRun.optimizers[i].stateDict()),
      `optimizer ${i}`,
    );
    assert.deepEqual(resumedRun.optimizers[i].getLr(), wholeRun.optimizers[i].getLr());
  }
  // the losses of each step (both optimizers' parts), the epoch's train averages, the eval averages
  const expected = losses(wholeLog);
  for (const key of [
    'loss_0',
    'loss_1',
    'lossDisc',
    'lossGen',
    'lossMel',
    'lossKl',
    'lossDuration',
    'grad_norm_1',
  ])
    assert.ok(expected.has(`TrainIterStats/${key}`), `${key} logged: ${[...expected.keys()].join(', ')}`);
  assert.ok(expected.has('EvalStats/loss_1'), 'eval ran at the epoch end');
  assert.deepEqual(losses(firstLog, resumedLog), expected);
});
