// The Trainer's multi-optimizer protocol on a toy GAN (tests/trainer/toy_gan.ts, 1-D data, no dataset files):
// optimizers and schedulers built from lrGen/lrDisc/lrSchedulerGen/Disc; the discriminator skipped (null) for
// its first steps; Coqui's loss keys, identical in train and eval; trainLog/evalLog see every optimizer's
// outputs; the best model from the mean of loss_<i>; bit-exact resume mid-epoch; every parameter of each
// sub-model moves; the manual optimize() path; the device setting.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as torch from '../../src/torch/index.ts';
import type { Module } from '../../src/torch/nn/index.ts';
import type { LRScheduler } from '../../src/torch/optim/index.ts';
import type { OptimizeResult, TrainerContext, TrainerOptimizer } from '../../src/trainer/api.ts';
import { listCheckpoints, loadCheckpoint } from '../../src/trainer/checkpoint.ts';
import { checkDevice } from '../../src/trainer/device.ts';
import { mergeLossItems, Trainer, type TrainerOptions } from '../../src/trainer/trainer.ts';
import { recorded } from './recording_dashboard.ts';
import { type GanBatch, type GanOutputs, ToyGAN, type ToyGANConfig, toyGanConfig } from './toy_gan.ts';

if (!process.env.RIBBIT_NUM_THREADS) torch.setNumThreads(1);

let work = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'ribbit-gan-'));
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A model with weights drawn from `initSeed`. */
function gan(cfg: ToyGANConfig, initSeed = 7): ToyGAN {
  torch.manualSeed(initSeed);
  return new ToyGAN(cfg);
}

let runCount = 0;
function trainer(cfg: ToyGANConfig, model: ToyGAN, o: Partial<TrainerOptions> = {}): Trainer {
  return new Trainer({
    config: cfg,
    model,
    quiet: true,
    runPath: o.continuePath ? undefined : join(work, `run-${++runCount}`),
    ...o,
  });
}

/** name -> a copy of each parameter's values. */
function snapshot(m: Module): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of m.stateDict()) out.set(k, Float32Array.from(v.dataSync() as Float32Array));
  return out;
}

function bytesOf(m: Module): Buffer {
  const parts: Buffer[] = [];
  for (const k of [...m.stateDict().keys()].sort()) {
    const d = (m.stateDict().get(k) as torch.Tensor).dataSync();
    parts.push(Buffer.from(k), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}

/** Names of the tensors of `a` whose values all differ from `b`'s (every element changed). */
function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>, prefix: string): string[] {
  return [...a.keys()].filter(
    (k) => k.startsWith(prefix) && (a.get(k) as Float32Array).some((v, i) => v !== b.get(k)?.[i]),
  );
}

describe('Trainer with two optimizers (toy GAN)', () => {
  test('loss keys: Coqui rule (loss_<i>, grad_norm_<i>, -<i> on repeats)', () => {
    const items: Record<string, number> = {};
    mergeLossItems(items, { loss: 1, mse: 2, score_fake: 3, grad_norm: 4 }, 0, 2);
    mergeLossItems(items, { loss: 5, score_fake: 6, score_real: 7, grad_norm: 8 }, 1, 2);
    assert.deepEqual(items, {
      loss_0: 1,
      mse: 2,
      score_fake: 3,
      grad_norm_0: 4,
      loss_1: 5,
      'score_fake-1': 6,
      score_real: 7,
      grad_norm_1: 8,
    });
    const one: Record<string, number> = {};
    mergeLossItems(one, { loss: 1, grad_norm: 2 }, 0, 1);
    assert.deepEqual(one, { loss: 1, grad_norm: 2 });
  });

  test('optimizers and schedulers from lrGen/lrDisc and lrSchedulerGen/Disc; generator first', () => {
    const m = gan(toyGanConfig());
    const opts = m.getOptimizer() as TrainerOptimizer[];
    assert.equal(opts.length, 2);
    assert.deepEqual(opts[0].getLr(), [1e-2]);
    assert.deepEqual(opts[1].getLr(), [2e-2]);
    const ids = (ts: Iterable<torch.Tensor>) => new Set(ts);
    assert.deepEqual(ids(opts[0].parameters()), ids(m.gen.parameters()));
    assert.deepEqual(ids(opts[1].parameters()), ids(m.disc.parameters()));
    const scheds = m.getScheduler(opts) as LRScheduler[];
    for (const s of scheds) s.step();
    assert.ok(Math.abs(opts[0].getLr()[0] - 1e-2 * 0.9) < 1e-12);
    assert.ok(Math.abs(opts[1].getLr()[0] - 2e-2 * 0.8) < 1e-12);
    // no lrSchedulerDisc: that optimizer has none
    const m2 = gan(toyGanConfig({ lrSchedulerDisc: null }));
    const s2 = m2.getScheduler(m2.getOptimizer()) as unknown[];
    assert.equal(s2.length, 2);
    assert.equal(s2[1], null);
    assert.throws(
      () => gan(toyGanConfig({ optimizer: null })).getOptimizer(),
      /names no generator optimizer/,
    );
    // optimizerDisc/optimizerDiscParams override the shared optimizer for one sub-model
    const withDisc = { ...toyGanConfig(), optimizerDisc: 'SGD', optimizerDiscParams: { momentum: 0.5 } };
    const o3 = gan(withDisc).getOptimizer() as TrainerOptimizer[];
    assert.equal(o3[0].constructor.name, 'Adam');
    assert.equal(o3[1].constructor.name, 'SGD');
  });

  test('the discriminator is skipped (null) for its first steps, then trains on the generator output of the same batch', async () => {
    const cfg = toyGanConfig({ stepsToStartDiscriminator: 3, epochs: 2 });
    const m = gan(cfg);
    const init = snapshot(m);
    const discAt = new Map<number, Map<string, Float32Array>>();
    const t = trainer(cfg, m, {
      callbacks: [{ onTrainStepEnd: (ctx: TrainerContext) => void discAt.set(ctx.step, snapshot(m)) }],
    });
    const dash = await recorded(t);
    await t.fit();
    assert.deepEqual(m.calls.slice(0, 8), ['0', '1:skip', '0', '1:skip', '0', '1:skip', '0', '1']);
    for (const step of [1, 2, 3]) {
      assert.deepEqual(
        changed(discAt.get(step) as Map<string, Float32Array>, init, 'disc.'),
        [],
        `step ${step}`,
      );
      assert.equal(
        changed(discAt.get(step) as Map<string, Float32Array>, init, 'gen.').length,
        2,
        `step ${step}`,
      );
    }
    assert.deepEqual(changed(discAt.get(4) as Map<string, Float32Array>, init, 'disc.').sort(), [
      'disc.l1.bias',
      'disc.l1.weight',
      'disc.l2.bias',
      'disc.l2.weight',
    ]);
    // the discriminator's scheduler stepped only on the steps it trained (5 of 8): lr 2e-2 * 0.8^5
    assert.ok(
      Math.abs(t.optimizers[1].getLr()[0] - 2e-2 * 0.8 ** 5) < 1e-12,
      String(t.optimizers[1].getLr()),
    );
    assert.ok(Math.abs(t.optimizers[0].getLr()[0] - 1e-2 * 0.9 ** 8) < 1e-12);
    // per-step logs: loss_1 first appears at step 4
    assert.deepEqual(
      (dash.scalars.get('TrainIterStats/loss_1') ?? []).map(([s]) => s),
      [4, 5, 6, 7, 8],
    );
    assert.equal(dash.scalars.get('TrainIterStats/loss_0')?.length, 8);
    // trainLog saw both optimizers' outputs once the discriminator trains, only the generator's before
    assert.deepEqual(
      (dash.scalars.get('train/fake_mean_1') ?? []).map(([s]) => s),
      [4, 5, 6, 7, 8],
    );
    assert.equal(dash.scalars.get('train/fake_mean_0')?.length, 8);
  });

  test('train and eval log the same loss keys; eval never averages optimizers into one loss; best model by mean of loss_<i>', async () => {
    const cfg = toyGanConfig({ epochs: 1 });
    const t = trainer(cfg, gan(cfg));
    const dash = await recorded(t);
    await t.fit();
    const notLoss = /^(grad_norm_\d|step_time|loader_time|current_lr_\d)$/;
    const train = dash
      .keys('TrainEpochStats')
      .map((k) => k.replace(/^avg_/, ''))
      .filter((k) => !notLoss.test(k));
    const evalKeys = dash.keys('EvalStats');
    assert.deepEqual(train, ['loss_0', 'loss_1', 'mse', 'score_fake', 'score_fake-1', 'score_real']);
    assert.deepEqual(evalKeys, train);
    assert.ok(dash.keys('TrainEpochStats').includes('avg_grad_norm_1'));
    assert.ok(!evalKeys.includes('loss'));
    // evalLog got both optimizers' outputs
    assert.ok(dash.scalars.has('eval/fake_mean_0') && dash.scalars.has('eval/fake_mean_1'));
    const ev = t.lastEval as Record<string, number>;
    assert.ok(Math.abs((t.bestLoss as number) - (ev.loss_0 + ev.loss_1) / 2) < 1e-12);
    // the console/log block shows the real keys, and no NaN
    const log = readFileSync(join(t.runPath, 'trainer_0_log.txt'), 'utf8');
    assert.match(log, / \| > loss_0: /);
    assert.match(log, / \| > loss_1: /);
    assert.match(log, / \| > current_lr_1: /);
    assert.doesNotMatch(log, /NaN/);
  });

  test('the progress bar shows each loss_<i> (no NaN)', async () => {
    const cfg = toyGanConfig({ epochs: 1, runEval: false, stepsToStartDiscriminator: 2 });
    const written: string[] = [];
    const tty = { isTTY: true, columns: 200, write: (s: string) => written.push(s) > 0 };
    const t = trainer(cfg, gan(cfg), { quiet: false, stream: tty as unknown as NodeJS.WriteStream });
    await t.fit();
    const bars = written.filter((w) => w.startsWith('\r epoch'));
    assert.equal(bars.length, 4);
    assert.match(bars[0], /loss_0 \d+\.\d{4}\s*$/); // the discriminator has not trained yet
    assert.match(bars[3], /loss_0 \d+\.\d{4} loss_1 \d+\.\d{4}\s*$/);
    assert.ok(!written.some((w) => w.includes('NaN')));
  });

  test('targetLoss names the key that picks the best model', async () => {
    const cfg = toyGanConfig({ epochs: 1, targetLoss: 'loss_1' });
    const t = trainer(cfg, gan(cfg));
    await t.fit();
    assert.equal(t.bestLoss, (t.lastEval as Record<string, number>).loss_1);
  });

  test('resumes bit-exactly mid-epoch (maxSteps, then continuePath), across the discriminator start', async () => {
    const cfg = toyGanConfig({ stepsToStartDiscriminator: 3, epochs: 3 });
    const whole = gan(cfg);
    const wholeRun = trainer(cfg, whole);
    await wholeRun.fit();
    const a = trainer(cfg, gan(cfg), { maxSteps: 6 }); // epoch 2, batch 2 of 4
    await a.fit();
    assert.equal(a.stopReason, 'maxSteps');
    const state = loadCheckpoint((listCheckpoints(a.runPath).at(-1) as { jsonPath: string }).jsonPath).state;
    assert.equal(state.optimizers.length, 2);
    assert.equal(state.schedulers.length, 2);
    assert.equal(state.batchInEpoch, 2);
    const resumed = gan(cfg, 99); // other initial weights: everything must come from the checkpoint
    const b = trainer(cfg, resumed, { continuePath: a.runPath });
    await b.fit();
    assert.equal(b.step, 12);
    assert.ok(bytesOf(resumed).equals(bytesOf(whole)), 'weights differ after resume');
    for (const i of [0, 1]) assert.deepEqual(b.optimizers[i].getLr(), wholeRun.optimizers[i].getLr());
    assert.ok(Math.abs(b.optimizers[1].getLr()[0] - 2e-2 * 0.8 ** 9) < 1e-12); // 9 discriminator steps of 12
  });

  test('two equal GAN models: a few steps on one change every parameter of each sub-model', async () => {
    const cfg = toyGanConfig({ epochs: 1, runEval: false });
    const a = gan(cfg);
    const b = gan(cfg);
    const before = snapshot(b);
    assert.ok(bytesOf(a).equals(bytesOf(b)));
    await trainer(cfg, a).fit();
    const after = snapshot(a);
    for (const prefix of ['gen.', 'disc.']) {
      const names = [...before.keys()].filter((k) => k.startsWith(prefix));
      assert.ok(names.length >= 2, prefix);
      for (const k of names) {
        const x = after.get(k) as Float32Array;
        const y = before.get(k) as Float32Array;
        assert.ok(
          x.every((v, i) => v !== y[i]),
          `${k}: some values did not move`,
        );
      }
    }
  });

  test("a model's own optimize() replaces the per-optimizer loop", async () => {
    const cfg = toyGanConfig({ epochs: 1, runEval: false });
    const m = gan(cfg);
    let seen: TrainerContext | null = null;
    Object.assign(m, {
      optimize(batch: GanBatch, ctx: TrainerContext): OptimizeResult<GanOutputs> {
        seen = ctx;
        const [g, d] = ctx.optimizers;
        const fake = m.gen.forward(batch.noise);
        const gLoss = torch.F.softplus(m.disc.forward(fake).mean().neg());
        gLoss.backward();
        g.step();
        g.zeroGrad();
        d.zeroGrad();
        const dLoss = torch.F.softplus(m.disc.forward(batch.real).mean().neg()).add(
          torch.F.softplus(m.disc.forward(fake.detach()).mean()),
        );
        dLoss.backward();
        d.step();
        d.zeroGrad();
        return { outputs: [{ fake }, { fake }], lossDict: { g: gLoss, d: dLoss.item() } };
      },
    });
    const t = trainer(cfg, m);
    const dash = await recorded(t);
    await t.fit();
    assert.equal(t.step, 4);
    assert.equal(seen, t);
    assert.deepEqual(m.calls, []); // trainStep never ran
    assert.equal(dash.scalars.get('TrainIterStats/g')?.length, 4);
    assert.equal(dash.scalars.get('TrainIterStats/d')?.length, 4);
    assert.equal(dash.scalars.get('train/fake_mean_1')?.length, 4);
  });

  test('device: cpu trains; malformed names and CUDA without a CUDA libtorch fail with one clear sentence', async () => {
    assert.equal(checkDevice('cpu'), 'cpu');
    assert.throws(() => checkDevice('gpu'), /device must be 'cpu', 'cuda' or 'cuda:N'/);
    assert.throws(() => checkDevice('cpu:0'), /device must be/);
    assert.throws(() => checkDevice('cuda:x'), /device must be/);
    const cfg = toyGanConfig({ epochs: 1, runEval: false });
    if (torch.cudaDeviceCount() === 0) {
      assert.throws(() => checkDevice('cuda'), /needs CUDA, but this libtorch has no CUDA support/);
      assert.throws(() => trainer(cfg, gan(cfg), { device: 'cuda:0' }), /needs CUDA/);
    } else {
      assert.equal(checkDevice('cuda'), 'cuda:0');
      assert.throws(() => checkDevice(`cuda:${torch.cudaDeviceCount()}`), /does not exist/);
    }
    const t = trainer(cfg, gan(cfg), { device: 'cpu' });
    await t.fit();
    assert.equal(t.step, 4);
  });
});
