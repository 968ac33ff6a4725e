// Layer shapes, parameter shapes, default init ranges and zero-size inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import {
  BatchNorm1d,
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  Dropout,
  ELU,
  Embedding,
  GELU,
  GroupNorm,
  Identity,
  InstanceNorm1d,
  LayerNorm,
  LeakyReLU,
  Linear,
  LSTM,
  LSTMCell,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
  weightNorm,
} from '../../../src/torch/nn/index.ts';

const absMax = (t: Tensor) => torch.tidy(() => t.abs().max().item());

test('Linear: shapes, no-bias, init bounds 1/sqrt(in)', () => {
  const l = new Linear(16, 4);
  assert.deepEqual(l.weight.shape, [4, 16]);
  assert.deepEqual(l.bias?.shape, [4]);
  assert.ok(absMax(l.weight) <= 0.25 && absMax(l.bias as Tensor) <= 0.25);
  assert.deepEqual(l.forward(torch.randn([2, 3, 16])).shape, [2, 3, 4]);
  assert.equal(new Linear(3, 2, { bias: false }).bias, null);
  assert.deepEqual(l.forward(torch.zeros([0, 16])).shape, [0, 4]);
  assert.deepEqual(new Linear(0, 3).forward(torch.zeros([2, 0])).shape, [2, 3], 'in=0');
});

test('Conv1d: output lengths for stride/padding/dilation/same/valid, groups, unbatched, zero batch', () => {
  const x = torch.randn([2, 4, 10]);
  const len = (o: ConstructorParameters<typeof Conv1d>[3], k = 3) => new Conv1d(4, 6, k, o).forward(x).shape;
  assert.deepEqual(len({}), [2, 6, 8]);
  assert.deepEqual(len({ padding: 1 }), [2, 6, 10]);
  assert.deepEqual(len({ stride: 2, padding: 1 }), [2, 6, 5]);
  assert.deepEqual(len({ dilation: 3, padding: 3 }), [2, 6, 10]);
  assert.deepEqual(len({ padding: 'same', dilation: 2 }, 4), [2, 6, 10]);
  assert.deepEqual(len({ padding: 'valid' }), [2, 6, 8]);
  assert.deepEqual(len({ groups: 2, padding: 1 }), [2, 6, 10]);
  const c = new Conv1d(4, 6, 3, { groups: 2, bias: false });
  assert.deepEqual(c.weight.shape, [6, 2, 3]);
  assert.equal(c.bias, null);
  assert.ok(absMax(c.weight) <= 1 / Math.sqrt(6));
  assert.deepEqual(new Conv1d(4, 6, 3, { padding: 1 }).forward(torch.randn([4, 10])).shape, [6, 10]);
  assert.deepEqual(new Conv1d(4, 6, 3, { padding: 1 }).forward(torch.zeros([0, 4, 10])).shape, [0, 6, 10]);
  assert.throws(() => new Conv1d(4, 6, 3, { groups: 4 }), /divisible by groups/);
  assert.throws(() => new Conv1d(4, 6, 3, { padding: 'same', stride: 2 }), /stride 1/);
  // all-zero input gives the bias everywhere
  const b = new Conv1d(2, 3, 5, { padding: 2 });
  const y = b.forward(torch.zeros([1, 2, 7]));
  assert.ok(absMax(y.sub((b.bias as Tensor).view(1, 3, 1))) === 0);
});

test('Conv2d, ConvTranspose1d: shapes', () => {
  const c = new Conv2d(1, 4, [3, 5], { padding: [1, 2], stride: [1, 2] });
  assert.deepEqual(c.weight.shape, [4, 1, 3, 5]);
  assert.deepEqual(c.forward(torch.randn([2, 1, 8, 9])).shape, [2, 4, 8, 5]);
  assert.deepEqual(
    new Conv2d(2, 2, 3, { padding: 'same' }).forward(torch.randn([1, 2, 5, 6])).shape,
    [1, 2, 5, 6],
  );
  const t = new ConvTranspose1d(8, 4, 16, { stride: 8, padding: 4 });
  assert.deepEqual(t.weight.shape, [8, 4, 16]);
  assert.deepEqual(t.forward(torch.randn([2, 8, 10])).shape, [2, 4, 80], 'HiFi-GAN x8 upsampling');
  assert.deepEqual(t.forward(torch.zeros([0, 8, 10])).shape, [0, 4, 80]);
});

test('Embedding: N(0,1) init, padding row zero and without gradient, negative paddingIdx', () => {
  const e = new Embedding(100, 8, { paddingIdx: -1 });
  assert.equal(e.paddingIdx, 99);
  assert.equal(absMax(e.weight.select(0, 99)), 0);
  const std = torch.tidy(() => e.weight.std().item());
  assert.ok(std > 0.8 && std < 1.2, `std ${std}`);
  const ids = torch.tensor([[1, 99, 3]], { dtype: 'int64' });
  assert.deepEqual(e.forward(ids).shape, [1, 3, 8]);
  e.forward(ids).sum().backward();
  const g = e.weight.grad as Tensor;
  assert.equal(absMax(g.select(0, 99)), 0, 'no gradient to the padding row');
  assert.equal(absMax(g.select(0, 1)), 1);
  assert.deepEqual(e.forward(torch.zeros([2, 0], { dtype: 'int64' })).shape, [2, 0, 8]);
  assert.throws(() => new Embedding(3, 2, { paddingIdx: 3 }), RangeError);
});

test('norm layers: shapes, defaults, zero input gives the bias', () => {
  const ln = new LayerNorm(5);
  assert.deepEqual(
    [ln.weight?.toArray(), ln.bias?.toArray()],
    [
      [1, 1, 1, 1, 1],
      [0, 0, 0, 0, 0],
    ],
  );
  assert.deepEqual(ln.forward(torch.randn([2, 3, 5])).shape, [2, 3, 5]);
  assert.equal(absMax(ln.forward(torch.zeros([2, 5]))), 0);
  assert.equal(new LayerNorm(4, { elementwiseAffine: false }).numParameters(), 0);
  const gn = new GroupNorm(2, 6);
  assert.deepEqual(gn.forward(torch.randn([3, 6, 4])).shape, [3, 6, 4]);
  const inorm = new InstanceNorm1d(3);
  assert.equal(inorm.numParameters(), 0);
  const y = inorm.forward(torch.randn([2, 3, 50]).mul(4).add(2));
  assert.ok(torch.tidy(() => y.mean(2).abs().max().item()) < 1e-5);
  const bn = new BatchNorm1d(3);
  assert.deepEqual(
    [...bn.stateDict().keys()],
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'],
  );
  assert.deepEqual(bn.forward(torch.randn([4, 3])).shape, [4, 3]);
  assert.equal(bn.numBatchesTracked?.item(), 1);
  bn.resetRunningStats();
  assert.equal(bn.numBatchesTracked?.item(), 0);
  bn.eval();
  assert.equal(absMax(bn.forward(torch.zeros([2, 3, 4]))), 0, 'eval: (0 - 0) / sqrt(1 + eps) * 1 + 0');
  assert.throws(() => bn.forward(torch.zeros([3])), /2-d or 3-d/);
  const noTrack = new BatchNorm1d(3, { trackRunningStats: false, affine: false });
  assert.deepEqual([...noTrack.stateDict().keys()], []);
  noTrack.eval();
  const z = noTrack.forward(torch.randn([8, 3]).add(3));
  assert.ok(torch.tidy(() => z.mean(0).abs().max().item()) < 1e-5, 'without running stats: batch statistics');
  const cum = new BatchNorm1d(2, { momentum: null });
  cum.forward(
    torch.tensor([
      [1, 2],
      [3, 4],
    ]),
  );
  cum.forward(
    torch.tensor([
      [5, 6],
      [7, 8],
    ]),
  );
  assert.deepEqual(cum.runningMean?.toArray(), [4, 5], 'momentum null: cumulative average');
});

test('LSTM: shapes (time-first, batchFirst, bidirectional, unbatched), parameter names and init range', () => {
  const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true });
  assert.deepEqual(lstm.flatWeightNames.slice(0, 8), [
    'weight_ih_l0',
    'weight_hh_l0',
    'bias_ih_l0',
    'bias_hh_l0',
    'weight_ih_l0_reverse',
    'weight_hh_l0_reverse',
    'bias_ih_l0_reverse',
    'bias_hh_l0_reverse',
  ]);
  assert.deepEqual(lstm.getParameter('weight_ih_l1')?.shape, [20, 10]);
  for (const p of lstm.parameters()) assert.ok(absMax(p) <= 1 / Math.sqrt(5));
  const r = lstm.forward(torch.randn([7, 2, 3]));
  assert.deepEqual(
    [r.output.shape, r.h.shape, r.c.shape],
    [
      [7, 2, 10],
      [4, 2, 5],
      [4, 2, 5],
    ],
  );
  const bf = new LSTM(3, 5, { batchFirst: true });
  assert.deepEqual(bf.forward(torch.randn([2, 7, 3])).output.shape, [2, 7, 5]);
  const u = bf.forward(torch.randn([7, 3]));
  assert.deepEqual(
    [u.output.shape, u.h.shape],
    [
      [7, 5],
      [1, 5],
    ],
  );
  const nb = new LSTM(3, 5, { bias: false });
  assert.deepEqual([...nb.stateDict().keys()], ['weight_ih_l0', 'weight_hh_l0']);
  assert.deepEqual(nb.forward(torch.randn([4, 1, 3])).output.shape, [4, 1, 5]);
  // gradients reach every weight
  lstm
    .forward(torch.randn([3, 2, 3]))
    .output.sum()
    .backward();
  assert.ok(lstm.parameters().every((p) => p.grad !== null));
  // zero-length batch
  assert.deepEqual(bf.forward(torch.zeros([0, 4, 3])).output.shape, [0, 4, 5]);
});

test('LSTMCell: shapes, default zero state, unbatched', () => {
  const cell = new LSTMCell(3, 4);
  assert.deepEqual([...cell.stateDict().keys()], ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
  const s = cell.forward(torch.randn([2, 3]));
  assert.deepEqual(
    [s.h.shape, s.c.shape],
    [
      [2, 4],
      [2, 4],
    ],
  );
  const s2 = cell.forward(torch.randn([2, 3]), s);
  assert.deepEqual(s2.h.shape, [2, 4]);
  assert.deepEqual(cell.forward(torch.randn([3])).h.shape, [4]);
  // zero input and state: h = sigmoid(o) * tanh(sigmoid(i) * tanh(g)) from the biases only
  const z = new LSTMCell(2, 1);
  torch.noGrad(() => {
    z.biasIh?.copy_(torch.tensor([0, 0, 1, 2]));
    z.biasHh?.zero_();
  });
  const h = z.forward(torch.zeros([1, 2])).h.item();
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  assert.ok(Math.abs(h - sig(2) * Math.tanh(sig(0) * Math.tanh(1))) < 1e-6);
});

test('activations and Dropout as modules', () => {
  const x = torch.tensor([-2, -0.5, 0, 1.5]);
  const close = (t: Tensor, f: (v: number) => number) => {
    const xs = x.toArray();
    t.toArray().forEach((v, i) => {
      assert.ok(Math.abs(v - f(xs[i])) < 1e-6);
    });
  };
  close(new ReLU().forward(x), (v) => Math.max(v, 0));
  close(new LeakyReLU(0.2).forward(x), (v) => (v > 0 ? v : 0.2 * v));
  close(new Tanh().forward(x), Math.tanh);
  close(new Sigmoid().forward(x), (v) => 1 / (1 + Math.exp(-v)));
  close(new SiLU().forward(x), (v) => v / (1 + Math.exp(-v)));
  close(new ELU().forward(x), (v) => (v > 0 ? v : Math.exp(v) - 1));
  close(new Softplus().forward(x), (v) => Math.log1p(Math.exp(v)));
  assert.deepEqual(new GELU('tanh').forward(x).shape, [4]);
  assert.ok(Math.abs(torch.tidy(() => new Softmax(0).forward(x).sum().item()) - 1) < 1e-6);
  assert.equal(new Identity().forward(x), x);
  assert.throws(() => new Dropout(1.5), RangeError);
  const d = new Dropout(0);
  assert.equal(
    torch.tidy(() => d.forward(x).eq(x).all().item()),
    1,
  );
  assert.deepEqual(new Dropout(0.3).forward(torch.zeros([0, 3])).shape, [0, 3]);
});

test('weight-normed layers keep output shapes and zero-size inputs', () => {
  const c = weightNorm(new Conv1d(4, 4, 3, { padding: 1 }));
  assert.deepEqual(c.forward(torch.randn([2, 4, 6])).shape, [2, 4, 6]);
  assert.deepEqual(c.forward(torch.zeros([0, 4, 6])).shape, [0, 4, 6]);
});
