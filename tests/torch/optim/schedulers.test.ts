// LR schedulers against PyTorch 1.13 (tests/fixtures/optim/schedulers.json): 40 steps each, within 1e-12
// relative (PyTorch's recursive formulas are reproduced op by op; only libm's pow/cos may differ by an ulp).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../../src/torch/index.ts';
import { createScheduler, type LRScheduler, SGD } from '../../../src/torch/optim/index.ts';
import { fixture } from './helpers.ts';

interface Case {
  name: string;
  scheduler: string;
  params: Record<string, unknown>;
  base_lrs: number[];
  lrs: number[][];
  state_dict_keys: string[];
}

const fx = fixture<{ cases: Case[] }>('schedulers.json');

function makeOptimizer(baseLrs: number[]): SGD {
  const groups = baseLrs.map((lr) => ({ params: [torch.keep(torch.zeros([1]).requiresGrad_())], lr }));
  return new SGD(groups, { lr: baseLrs[0] });
}

function assertLrs(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => {
    assert.ok(Math.abs(v - want[i]) <= 1e-12 * Math.abs(want[i]), `${what}[${i}]: ${v} vs ${want[i]}`);
  });
}

for (const c of fx.cases) {
  test(`${c.name} (${c.scheduler}): lr sequence of ${c.lrs.length - 1} steps matches PyTorch`, () => {
    const opt = makeOptimizer(c.base_lrs);
    const sched = createScheduler(c.scheduler, c.params, opt);
    assertLrs(sched.getLastLr(), c.lrs[0], 'after construction');
    for (let i = 1; i < c.lrs.length; i++) {
      opt.step();
      sched.step();
      assertLrs(sched.getLastLr(), c.lrs[i], `step ${i}`);
      assertLrs(opt.getLr(), c.lrs[i], `optimizer lr at step ${i}`);
    }
    // Every key of PyTorch's state dict is there (CosineWithWarmup also stores its hyper-parameters, which
    // PyTorch's LambdaLR keeps in a closure).
    const keys = Object.keys(sched.stateDict());
    for (const k of c.state_dict_keys) assert.ok(keys.includes(k), `state dict key ${k}`);
    if (c.scheduler !== 'CosineWithWarmup') assert.equal(keys.length, c.state_dict_keys.length);
  });

  test(`${c.name}: stateDict/loadStateDict resumes the sequence`, () => {
    const half = Math.floor(c.lrs.length / 2);
    const opt = makeOptimizer(c.base_lrs);
    const sched = createScheduler(c.scheduler, c.params, opt);
    for (let i = 1; i <= half; i++) sched.step();
    const saved = JSON.parse(JSON.stringify({ o: opt.stateDict(), s: sched.stateDict() }));
    // A fresh optimizer and scheduler, as a resumed run builds them, then the saved states.
    const opt2 = makeOptimizer(c.base_lrs);
    const sched2: LRScheduler = createScheduler(c.scheduler, opt2, c.params);
    opt2.loadStateDict(saved.o);
    sched2.loadStateDict(saved.s);
    assert.deepEqual(sched2.getLastLr(), sched.getLastLr());
    for (let i = half + 1; i < c.lrs.length; i++) {
      sched2.step();
      assertLrs(sched2.getLastLr(), c.lrs[i], `resumed step ${i}`);
    }
  });
}

test('NoamLR is Coqui formula: step = max(lastEpoch, 1), peak at warmupSteps', () => {
  const opt = makeOptimizer([1e-3]);
  const sched = createScheduler('NoamLR', { warmup_steps: 4 }, opt);
  const w = 4;
  const f = (step: number) => 1e-3 * w ** 0.5 * Math.min(step * w ** -1.5, step ** -0.5);
  assert.equal(sched.getLastLr()[0], f(1));
  for (let e = 1; e <= 10; e++) {
    sched.step();
    assert.equal(sched.getLastLr()[0], f(e));
  }
  assert.ok(Math.abs(f(4) - 1e-3) < 1e-18);
});

test('schedulers keep the param groups initial_lr as PyTorch (and need it when resuming with lastEpoch)', () => {
  const opt = makeOptimizer([0.1]);
  createScheduler('StepLR', { step_size: 2 }, opt);
  assert.equal(opt.paramGroups[0].initialLr, 0.1);
  assert.equal((opt.stateDict().param_groups[0] as Record<string, unknown>).initial_lr, 0.1);
  const fresh = makeOptimizer([0.1]);
  assert.throws(() => createScheduler('StepLR', { step_size: 2, last_epoch: 5 }, fresh), /initial_lr/);
});
