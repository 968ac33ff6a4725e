// Module semantics: registration, replacement, tidy survival, modes, gradients, loadStateDict reports,
// dtype conversion, to(), apply(), containers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import {
  BatchNorm1d,
  Conv1d,
  Dropout,
  Linear,
  LoadStateDictError,
  Module,
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
} from '../../../src/torch/nn/index.ts';

class Tiny extends Module {
  readonly fc: Linear;
  readonly gain: Tensor;
  readonly steps: Tensor;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new Linear(3, 2));
    this.gain = this.registerParameter('gain', torch.ones([2]));
    this.steps = this.buffer('steps', torch.zeros([], { dtype: 'int64' }));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.fc.forward(x).mul(this.gain));
  }
}

test('registration: parameters are kept leaves that require grad; buffers are kept and do not', () => {
  const m = new Tiny();
  assert.equal(m.gain.requiresGrad, true);
  assert.equal(m.gain.isLeaf, true);
  assert.equal(m.gain.kept, true);
  assert.equal(m.steps.requiresGrad, false);
  assert.equal(m.steps.kept, true);
  assert.deepEqual([...m.stateDict().keys()], ['gain', 'steps', 'fc.weight', 'fc.bias']);
  assert.deepEqual([...m.namedParameters().keys()], ['gain', 'fc.weight', 'fc.bias']);
  assert.equal(m.getSubmodule('fc'), m.fc);
  assert.equal(m.getTensor('fc.weight'), m.fc.weight);
  assert.throws(() => m.registerParameter('a.b', torch.ones([1])), /cannot contain "."/);
  assert.throws(() => m.registerBuffer('gain', torch.ones([1])), /already a parameter/);
  assert.throws(() => m.registerModule('steps', new ReLU()), /already a buffer/);
  assert.throws(() => m.getSubmodule('fc.nope'), /no sub-module "nope"/);
});

test('a non-leaf tensor registered as a parameter is detached into a leaf', () => {
  const m = new Module();
  const x = torch.ones([2], { requiresGrad: true });
  const p = m.registerParameter('p', x.mul(2));
  assert.equal(p.isLeaf, true);
  assert.equal(p.requiresGrad, true);
  assert.deepEqual(p.toArray(), [2, 2]);
  const frozen = m.registerParameter('q', torch.ones([1]), { requiresGrad: false });
  assert.equal(frozen.requiresGrad, false);
});

test('replacing a parameter, buffer or sub-module updates the fields that held the old one', () => {
  const m = new Tiny();
  const old = m.gain;
  const fresh = m.registerParameter('gain', torch.full([2], 3));
  assert.notEqual(fresh, old);
  assert.equal(m.gain, fresh);
  assert.equal(m.getParameter('gain'), fresh);
  assert.deepEqual([...m.stateDict().keys()], ['gain', 'steps', 'fc.weight', 'fc.bias'], 'order kept');
  const fc = new Linear(3, 2);
  m.registerModule('fc', fc);
  assert.equal(m.fc, fc);
  m.registerBuffer('steps', torch.ones([], { dtype: 'int64' }));
  assert.equal(m.steps.item(), 1);
});

test('parameters and buffers survive tidy(); construction inside tidy() too', () => {
  const m = torch.tidy(() => new Tiny());
  torch.tidy(() => {
    const y = m.forward(torch.randn([4, 3]));
    y.sum().backward();
  });
  for (const p of m.parameters()) assert.equal(p.isDisposed, false);
  for (const b of m.buffers()) assert.equal(b.isDisposed, false);
  assert.ok(m.fc.weight.grad, 'grad accumulated');
  assert.deepEqual(m.forward(torch.zeros([1, 3])).shape, [1, 2]);
});

test('zeroGrad sets every gradient to null', () => {
  const m = new Tiny();
  m.forward(torch.randn([2, 3]))
    .sum()
    .backward();
  assert.ok(m.parameters().every((p) => p.grad !== null));
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad === null));
});

test('numParameters counts unique parameters; trainableOnly skips frozen ones', () => {
  const m = new Tiny();
  assert.equal(m.numParameters(), 3 * 2 + 2 + 2);
  m.fc.weight.requiresGrad_(false);
  assert.equal(m.numParameters({ trainableOnly: true }), 4);
  // a shared parameter is counted once (and listed once), but appears under both names in the state dict
  const shared = new Module();
  const lin = new Linear(2, 2);
  shared.registerModule('a', lin);
  shared.registerModule('b', lin);
  assert.equal(shared.numParameters(), 6);
  assert.deepEqual([...shared.namedParameters().keys()], ['a.weight', 'a.bias']);
  assert.deepEqual([...shared.stateDict().keys()], ['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  assert.equal(shared.requiresGrad_(false).numParameters({ trainableOnly: true }), 0);
});

test('train()/eval() recurse; Dropout and BatchNorm1d follow the mode', () => {
  const net = new Sequential(new Linear(8, 8), new Dropout(0.5), new BatchNorm1d(8));
  assert.equal(net.training, true);
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  const x = torch.randn([16, 8]);
  const drop = net.get(1) as Dropout;
  assert.equal(
    torch.tidy(() => drop.forward(x).eq(x).all().item()),
    1,
    'eval dropout is identity',
  );
  const bn = net.get(2) as BatchNorm1d;
  const before = bn.runningMean?.clone() as Tensor;
  torch.noGrad(() => net.forward(x));
  assert.equal(
    torch.tidy(() =>
      before
        .eq(bn.runningMean as Tensor)
        .all()
        .item(),
    ),
    1,
    'eval keeps stats',
  );
  assert.equal(bn.numBatchesTracked?.item(), 0);
  net.train();
  assert.ok(net.modules().every((m) => m.training));
  const y = torch.noGrad(() => drop.forward(torch.ones([1000])));
  const zeros = torch.tidy(() => y.eq(0).sum().item());
  assert.ok(zeros > 350 && zeros < 650, `about half dropped (${zeros})`);
  assert.equal(
    torch.tidy(() => y.max().item()),
    2,
    'kept elements scaled by 1/(1-p)',
  );
  torch.noGrad(() => net.forward(x));
  assert.notEqual(
    torch.tidy(() =>
      before
        .eq(bn.runningMean as Tensor)
        .all()
        .item(),
    ),
    1,
    'train updates stats',
  );
  assert.equal(bn.numBatchesTracked?.item(), 1);
  // batch statistics in training mode: each channel of the output has mean ~0
  const out = torch.noGrad(() => bn.forward(torch.randn([32, 8]).mul(3).add(5)));
  assert.ok(torch.tidy(() => out.mean(0).abs().max().item()) < 1e-5);
});

test('loadStateDict strict: one error lists missing, unexpected and mis-shaped keys (with both shapes)', () => {
  const m = new Tiny();
  const before = m.fc.weight.clone();
  const sd = new Map<string, Tensor>([
    ['gain', torch.full([2], 7)],
    ['fc.weight', torch.zeros([4, 3])],
    ['fc.extra', torch.zeros([1])],
  ]);
  let err: unknown;
  try {
    m.loadStateDict(sd);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof LoadStateDictError);
  assert.deepEqual(err.report.missing, ['steps', 'fc.bias']);
  assert.deepEqual(err.report.unexpected, ['fc.extra']);
  assert.deepEqual(err.report.mismatched, [{ key: 'fc.weight', expected: [2, 3], got: [4, 3] }]);
  assert.match(err.message, /Error\(s\) in loading state dict for Tiny/);
  assert.match(err.message, /missing keys \(2\): steps, fc\.bias/);
  assert.match(err.message, /unexpected keys \(1\): fc\.extra/);
  assert.match(err.message, /fc\.weight: model \[2, 3\], checkpoint \[4, 3\]/);
  // nothing was copied
  assert.deepEqual(m.gain.toArray(), [1, 1]);
  assert.equal(
    torch.tidy(() => before.eq(m.fc.weight).all().item()),
    1,
  );
});

test('loadStateDict non-strict copies what matches and returns the report', () => {
  const m = new Tiny();
  const gain = m.gain;
  const report = m.loadStateDict(
    { gain: torch.full([2], 7), 'fc.weight': torch.zeros([4, 3]), other: torch.zeros([1]) },
    { strict: false },
  );
  assert.deepEqual(report.missing, ['steps', 'fc.bias']);
  assert.deepEqual(report.unexpected, ['other']);
  assert.equal(report.mismatched.length, 1);
  assert.equal(m.gain, gain, 'copied in place: same tensor object');
  assert.deepEqual(m.gain.toArray(), [7, 7]);
  assert.equal(m.gain.requiresGrad, true);
});

test('loadStateDict converts dtypes (float64 -> float32, float -> int64 buffer)', () => {
  const m = new Tiny();
  const sd = new Map<string, Tensor>();
  for (const [k, t] of m.stateDict()) sd.set(k, t.to('float64').add(1));
  m.loadStateDict(sd);
  assert.equal(m.gain.dtype, 'float32');
  assert.deepEqual(m.gain.toArray(), [2, 2]);
  assert.equal(m.steps.dtype, 'int64');
  assert.equal(m.steps.item(), 1);
});

test('stateDict values are detached views sharing memory (keepVars gives the parameters)', () => {
  const m = new Tiny();
  const sd = m.stateDict();
  const g = sd.get('gain') as Tensor;
  assert.equal(g.requiresGrad, false);
  torch.noGrad(() => m.gain.fill_(5));
  assert.deepEqual(g.toArray(), [5, 5]);
  assert.equal(m.stateDict({ keepVars: true }).get('gain'), m.gain);
  assert.deepEqual([...m.stateDict({ prefix: 'model' }).keys()][0], 'model.gain');
});

test('to(dtype) converts floating parameters and buffers in place of the registered ones', () => {
  const m = new Tiny();
  const w = m.fc.weight.clone();
  assert.equal(m.to('float64'), m);
  assert.equal(m.fc.weight.dtype, 'float64');
  assert.equal(m.gain.dtype, 'float64');
  assert.equal(m.gain.requiresGrad, true);
  assert.equal(m.gain.kept, true);
  assert.equal(m.steps.dtype, 'int64', 'integer buffers untouched');
  assert.equal(m.parameters()[0], m.gain, 'fields follow the new tensors');
  assert.ok(torch.tidy(() => m.fc.weight.float().sub(w).abs().max().item()) === 0);
  const y = m.forward(torch.randn([2, 3], { dtype: 'float64' }));
  assert.equal(y.dtype, 'float64');
  m.to('cpu');
  assert.equal(m.fc.weight.device, 'cpu');
});

test('apply visits children first, then the module', () => {
  const net = new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new Linear(2, 2)));
  const seen: string[] = [];
  net.apply((m) => seen.push(m.constructor.name));
  assert.deepEqual(seen, ['Linear', 'ReLU', 'Linear', 'Sequential', 'Sequential']);
  // re-initialise every Linear in place
  net.apply((m) => {
    if (m instanceof Linear) torch.noGrad(() => m.weight.fill_(0));
  });
  assert.equal(
    torch.tidy(() => (net.get(0) as Linear).weight.abs().sum().item()),
    0,
  );
});

test('ModuleList: indexable, iterable, names 0..n-1; Sequential chains; ModuleDict by key', () => {
  const list = new ModuleList([new Linear(2, 3), new Linear(3, 4)]);
  assert.equal(list.length, 2);
  assert.equal(list.get(-1).outFeatures, 4);
  assert.throws(() => list.get(2), RangeError);
  list.push(new Linear(4, 1));
  assert.deepEqual(
    [...list].map((l) => l.outFeatures),
    [3, 4, 1],
  );
  assert.deepEqual([...list.namedChildren().keys()], ['0', '1', '2']);
  assert.deepEqual(
    [...list.stateDict().keys()],
    ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias'],
  );
  const seq = new Sequential(...list.toArray());
  assert.deepEqual(seq.forward(torch.randn([5, 2])).shape, [5, 1]);
  const dict = new ModuleDict({ a: new Conv1d(1, 2, 1), b: new ReLU() });
  assert.deepEqual(dict.keys(), ['a', 'b']);
  assert.ok(dict.get('a') instanceof Conv1d);
  assert.throws(() => dict.get('c'), /no key "c"/);
  assert.deepEqual([...dict.stateDict().keys()], ['a.weight', 'a.bias']);
  assert.match(String(seq), /^Sequential\(\n {2}\(0\): Linear\(inFeatures=2, outFeatures=3, bias=true\)/);
});
