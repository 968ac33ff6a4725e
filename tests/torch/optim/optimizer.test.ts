// Optimizer semantics: bit-identical resume from a state dict, PyTorch's state-dict layout, zeroGrad,
// param groups, the factories by Coqui names, errors for bad names and hyper-parameters, no leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../../src/torch/index.ts';
import {
  Adam,
  AdamW,
  CoquiRAdam,
  createOptimizer,
  createScheduler,
  type Optimizer,
  RAdam,
  SGD,
} from '../../../src/torch/optim/index.ts';
import { bytesOf, fixture, freshGrads, initialParams, type Problem } from './helpers.ts';

const fx = fixture<{
  problem: Problem;
  adam_state_dict_layout: { state_keys: Record<string, string[]>; param_groups: Record<string, unknown>[] };
}>('optimizers.json');

type Make = (params: torch.Tensor[]) => Optimizer;
const makers: Record<string, Make> = {
  SGD: (p) =>
    new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }) as unknown as Optimizer,
  Adam: (p) => new Adam(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true }) as unknown as Optimizer,
  AdamW: (p) => new AdamW(p, { lr: 0.01 }) as unknown as Optimizer,
  RAdam: (p) => new RAdam(p, { lr: 0.01, betas: [0.9, 0.998], weightDecay: 1e-6 }) as unknown as Optimizer,
  CoquiRAdam: (p) =>
    new CoquiRAdam(p, { lr: 0.01, betas: [0.9, 0.998], weightDecay: 1e-6 }) as unknown as Optimizer,
};

/** Round trip through what a checkpoint keeps: tensors as bytes (copies), everything else as JSON. */
function checkpointRoundTrip(sd: unknown): unknown {
  const tensors: torch.Tensor[] = [];
  const json = JSON.stringify(sd, (_k, v) => {
    if (v instanceof torch.Tensor) {
      tensors.push(torch.fromBytes(torch.toBytes(v), v.shape, v.dtype));
      return { $tensor: tensors.length - 1 };
    }
    return v;
  });
  return JSON.parse(json, (_k, v) => (v && typeof v === 'object' && '$tensor' in v ? tensors[v.$tensor] : v));
}

for (const [name, make] of Object.entries(makers)) {
  test(`${name}: 2N steps == N steps + save/load into a fresh optimizer + N steps (bit-identical)`, () => {
    const N = 7; // RAdam switches branch at step 6: the resumed half crosses it
    const a = initialParams(fx.problem);
    const optA = make(a);
    for (let i = 0; i < 2 * N; i++) {
      freshGrads(fx.problem, a);
      optA.step();
    }
    const b = initialParams(fx.problem);
    const optB = make(b);
    for (let i = 0; i < N; i++) {
      freshGrads(fx.problem, b);
      optB.step();
    }
    const saved = checkpointRoundTrip(optB.stateDict());
    optB.dispose();
    const optC = make(b);
    optC.loadStateDict(saved);
    for (let i = 0; i < N; i++) {
      freshGrads(fx.problem, b);
      optC.step();
    }
    assert.deepEqual(bytesOf(b), bytesOf(a));
    // The state too.
    const sa = optA.stateDict().state;
    const sc = optC.stateDict().state;
    assert.deepEqual(Object.keys(sc), Object.keys(sa));
    for (const k of Object.keys(sa)) {
      for (const [key, v] of Object.entries(sa[Number(k)])) {
        const w = sc[Number(k)][key];
        if (v instanceof torch.Tensor) assert.deepEqual(bytesOf([w as torch.Tensor]), bytesOf([v]), key);
        else assert.equal(w, v, key);
      }
    }
  });
}

test('Adam state dict has PyTorch 1.13 layout (state by param index, snake_case keys, param indices)', () => {
  const [w, b] = initialParams(fx.problem);
  const opt = new Adam([w, b], { lr: 0.01, amsgrad: true });
  freshGrads(fx.problem, [w, b, torch.zeros([2, 2], { requiresGrad: true })]);
  opt.step();
  const sd = opt.stateDict();
  const want = fx.adam_state_dict_layout;
  for (const [i, keys] of Object.entries(want.state_keys)) {
    assert.deepEqual(Object.keys(sd.state[Number(i)]).sort(), keys);
    assert.equal(sd.state[Number(i)].step, 1);
    assert.ok(sd.state[Number(i)].exp_avg instanceof torch.Tensor);
  }
  const g = sd.param_groups[0];
  for (const k of ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'params']) {
    assert.deepEqual(g[k], want.param_groups[0][k], k);
  }
  // A PyTorch state dict (extra group keys, step as a 0-d tensor) loads.
  const torchStyle = {
    state: { 0: { ...sd.state[0], step: torch.tensor(1) }, 1: sd.state[1] },
    param_groups: want.param_groups,
  };
  const opt2 = new Adam([w, b], { lr: 0.5 });
  opt2.loadStateDict(torchStyle);
  assert.equal(opt2.paramGroups[0].lr, 0.01);
  assert.equal(opt2.paramGroups[0].amsgrad, true);
  assert.equal(opt2.state.get(w)?.step, 1);
  assert.deepEqual(opt2.stateDict().param_groups[0].fused, false);
  // Loaded tensors are copies: disposing the source keeps the optimizer working.
  (sd.state[0].exp_avg as torch.Tensor).dispose();
  freshGrads(fx.problem, [w, b, torch.zeros([2, 2], { requiresGrad: true })]);
  opt2.step();
});

test('loadStateDict rejects a state dict of another shape', () => {
  const p = initialParams(fx.problem);
  const opt = new Adam(p);
  const other = new Adam([p[0]]);
  assert.throws(() => opt.loadStateDict(other.stateDict()), /parameter group 0 has 1 parameters/);
  assert.throws(
    () => opt.loadStateDict({ state: {}, param_groups: [] }),
    /1 parameter groups|0 parameter groups/,
  );
});

test('zeroGrad sets grads to null (or zeroes them in place)', () => {
  const p = initialParams(fx.problem);
  const opt = new SGD(p, { lr: 0.1 });
  freshGrads(fx.problem, p);
  assert.ok(p.every((t) => t.grad !== null));
  opt.zeroGrad(false);
  for (const t of p) assert.ok(t.grad?.toArray().every((v) => v === 0));
  opt.zeroGrad();
  assert.ok(p.every((t) => t.grad === null));
  // A step without grads changes nothing and creates no state.
  const before = bytesOf(p);
  opt.step();
  assert.deepEqual(bytesOf(p), before);
  assert.equal(opt.state.size, 0);
});

test('param groups: per-group lr and hyper-parameters; parameters without grad are skipped', () => {
  const [w, b, c] = initialParams(fx.problem);
  const opt = new SGD(
    [
      { params: [w], lr: 0.1 },
      { params: [b, c], lr: 0.01, weight_decay: 0.5 },
    ],
    { lr: 1 },
  );
  assert.deepEqual(opt.getLr(), [0.1, 0.01]);
  assert.equal(opt.paramGroups[1].weightDecay, 0.5);
  assert.equal(opt.paramGroups[0].weightDecay, 0);
  assert.deepEqual([...opt.parameters()], [w, b, c]);
  const w0 = w.toFloat32Array();
  const b0 = b.toFloat32Array();
  const c0 = c.toFloat32Array();
  w.grad = torch.onesLike(w);
  b.grad = torch.onesLike(b);
  opt.step();
  const near = (v: number, want: number) =>
    assert.ok(Math.abs(v - want) <= 1e-6 * Math.abs(want), `${v} vs ${want}`);
  w.toFloat32Array().forEach((v, i) => {
    near(v, w0[i] - 0.1);
  });
  b.toFloat32Array().forEach((v, i) => {
    near(v, b0[i] - (1 + b0[i] * 0.5) * 0.01);
  });
  assert.deepEqual(c.toFloat32Array(), c0);
  assert.ok(!opt.state.has(c));
  assert.throws(
    () => new SGD([{ params: [w] }, { params: [w] }], { lr: 1 }),
    /more than one parameter group/,
  );
});

test('step releases its temporaries (no memory growth over steps) and keeps its state', () => {
  // 2 parameters of 12M floats (48 MB each, above glibc's largest mmap threshold, so freed buffers leave RSS
  // at once): a leaked temporary per tensor and step would add 96 MB a step.
  const n = 12_000_000;
  const p = Array.from({ length: 2 }, () => torch.keep(torch.randn([n]).requiresGrad_()));
  for (const make of Object.values(makers)) {
    const opt = make(p);
    for (const t of p) t.grad = torch.keep(torch.randn([n]));
    for (let i = 0; i < 5; i++) opt.step(); // creates the state; lets the allocator settle
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 10; i++) opt.step();
    const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grown < 64, `${opt.name}: RSS grew by ${grown.toFixed(0)} MiB over 10 steps`);
    for (const s of opt.state.values()) {
      for (const v of Object.values(s)) if (v instanceof torch.Tensor) assert.ok(!v.isDisposed && v.kept);
    }
    opt.dispose();
    for (const t of p) {
      t.grad?.dispose();
      t.grad = null;
    }
  }
});

test('createOptimizer by Coqui name with snake_case optimizer_params', () => {
  const p = initialParams(fx.problem);
  const radam = createOptimizer('RAdam', p, 1e-3, { betas: [0.9, 0.998], weight_decay: 1e-6 });
  assert.ok(radam instanceof CoquiRAdam);
  assert.deepEqual(radam.paramGroups[0].betas, [0.9, 0.998]);
  assert.equal(radam.paramGroups[0].weightDecay, 1e-6);
  assert.equal(radam.paramGroups[0].lr, 1e-3);
  assert.ok(createOptimizer('TorchRAdam', p, 1e-3) instanceof RAdam);
  const adamw = createOptimizer('AdamW', p, { lr: 2e-4, betas: [0.8, 0.99], eps: 1e-9, weight_decay: 0.01 });
  assert.ok(adamw instanceof AdamW);
  assert.equal(adamw.paramGroups[0].lr, 2e-4);
  assert.equal(adamw.paramGroups[0].eps, 1e-9);
  assert.ok(createOptimizer('adam', p, 1e-3, { amsgrad: true }) instanceof Adam);
  const sgd = createOptimizer('SGD', p, 0.1, { momentum: 0.9, nesterov: true });
  assert.ok(sgd instanceof SGD);
  assert.equal(sgd.paramGroups[0].nesterov, true);
  const sched = createScheduler('NoamLR', { warmup_steps: 4000 }, radam);
  assert.ok(Math.abs(sched.getLastLr()[0] - 1e-3 / 4000) < 1e-18);
  assert.ok(createScheduler('CosineAnnealingLR', radam, { T_max: 100 }));
});

test('errors name the bad optimizer/scheduler name or parameter', () => {
  const p = initialParams(fx.problem);
  assert.throws(() => createOptimizer('Adamax', p, 1e-3), /unknown optimizer 'Adamax'/);
  assert.throws(
    () => createOptimizer('Adam', p, 1e-3, { momentum: 0.9 }),
    /Adam.*unknown parameter 'momentum'/,
  );
  assert.throws(() => createOptimizer('Adam', p, -1e-3), /invalid lr -0.001/);
  assert.throws(() => createOptimizer('RAdam', p, 1e-3, { betas: [0.9, 1.0] }), /invalid betas\[1\] 1/);
  assert.throws(() => new Adam(p, { betas: [-0.1, 0.9] }), /invalid betas\[0\] -0.1/);
  assert.throws(() => new Adam(p, { eps: -1 }), /invalid eps -1/);
  assert.throws(() => new AdamW(p, { weightDecay: -1 }), /invalid weightDecay -1/);
  assert.throws(() => new SGD(p, { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum/);
  assert.throws(() => new SGD(p, { lr: 0.1, momentum: -1 }), /invalid momentum -1/);
  assert.throws(() => new Adam([{ params: p, lr: -1 }]), /Adam: invalid lr -1/);
  assert.throws(() => new Adam([]), /empty parameter list/);
  const opt = new Adam(p);
  assert.throws(() => createScheduler('OneCycleLR', {}, opt), /unknown scheduler 'OneCycleLR'/);
  assert.throws(
    () => createScheduler('StepLR', { step_size: 3, gama: 0.5 }, opt),
    /unknown parameter 'gama'/,
  );
  assert.throws(() => createScheduler('StepLR', {}, opt), /'stepSize' must be a number/);
  assert.throws(() => createScheduler('ExponentialLR', {}, opt), /'gamma' must be a number/);
});
