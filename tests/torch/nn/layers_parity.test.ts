// Parity of ribbit's layers with PyTorch 1.13 on tests/fixtures/nn/layers.json and init.json
// (scripts/fixtures/make_nn_fixtures.py): same state-dict keys, same outputs within 1e-5 (float32).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import {
  BatchNorm1d,
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  Embedding,
  GroupNorm,
  InstanceNorm1d,
  LayerNorm,
  Linear,
  LSTM,
  LSTMCell,
  type Module,
  weightNorm,
} from '../../../src/torch/nn/index.ts';
import { assertClose, fixture, fromJson, type JsonTensor, stateDictFromJson } from './helpers.ts';

interface Case {
  stateDict: Record<string, JsonTensor>;
  inputs: JsonTensor[];
  outputs: JsonTensor[];
  [extra: string]: unknown;
}

const cases = fixture<Record<string, Case>>('layers.json');

/** Loads the case's state dict strictly (keys must equal PyTorch's), runs eval-mode forward, compares. */
function check(name: string, model: Module, run: (inputs: Tensor[]) => Tensor[]): void {
  const c = cases[name];
  assert.ok(c, `no fixture case ${name}`);
  const sd = stateDictFromJson(c.stateDict);
  assert.deepEqual([...model.stateDict().keys()].sort(), [...sd.keys()].sort(), `${name}: state-dict keys`);
  model.loadStateDict(sd);
  model.eval();
  const outs = torch.noGrad(() => run(c.inputs.map(fromJson)));
  assert.equal(outs.length, c.outputs.length);
  outs.forEach((o, i) => {
    assert.deepEqual(o.shape, c.outputs[i].shape, `${name}: output ${i} shape`);
    assertClose(o, c.outputs[i], 1e-5, `${name} output ${i}`);
  });
}

const one = (m: { forward(x: Tensor): Tensor }) => (xs: Tensor[]) => [m.forward(xs[0])];

test('Linear matches PyTorch', () => {
  const a = new Linear(5, 3);
  check('linear', a, one(a));
  const b = new Linear(5, 3, { bias: false });
  check('linear_nobias', b, one(b));
});

test('Conv1d (stride, padding, dilation, groups, same, reflect) matches PyTorch', () => {
  const a = new Conv1d(4, 6, 3, { stride: 2, padding: 1 });
  check('conv1d', a, one(a));
  const b = new Conv1d(4, 6, 3, { dilation: 2, groups: 2, padding: 2 });
  check('conv1d_groups_dilation', b, one(b));
  const c = new Conv1d(3, 2, 4, { padding: 'same' });
  check('conv1d_same_even', c, one(c));
  const d = new Conv1d(3, 2, 3, { padding: 2, paddingMode: 'reflect' });
  check('conv1d_reflect', d, one(d));
});

test('Conv2d and ConvTranspose1d match PyTorch', () => {
  const a = new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: [1, 0] });
  check('conv2d', a, one(a));
  const b = new ConvTranspose1d(4, 2, 4, { stride: 2, padding: 1, outputPadding: 1 });
  check('conv_transpose1d', b, one(b));
  const c = new ConvTranspose1d(4, 6, 3, { stride: 3, groups: 2, dilation: 2 });
  check('conv_transpose1d_groups', c, one(c));
});

test('LayerNorm, GroupNorm, InstanceNorm1d match PyTorch', () => {
  const a = new LayerNorm(6);
  check('layer_norm', a, one(a));
  const b = new LayerNorm([3, 4], { eps: 1e-3 });
  check('layer_norm_2d', b, one(b));
  const c = new GroupNorm(2, 4);
  check('group_norm', c, one(c));
  const d = new InstanceNorm1d(4, { affine: true });
  check('instance_norm1d', d, one(d));
});

test('BatchNorm1d: eval uses running stats, train uses batch stats and updates them like PyTorch', () => {
  const bn = new BatchNorm1d(4);
  check('batch_norm1d', bn, one(bn));
  const c = cases.batch_norm1d;
  bn.train();
  const y = torch.noGrad(() => bn.forward(fromJson(c.inputs[0])));
  assertClose(y, c.trainOutput as JsonTensor, 1e-5, 'train output');
  const after = c.afterTrain as Record<string, JsonTensor>;
  const sd = bn.stateDict();
  for (const k of ['running_mean', 'running_var']) assertClose(sd.get(k) as Tensor, after[k], 1e-6, k);
  assert.equal(sd.get('num_batches_tracked')?.item(), 4);
  assert.equal(sd.get('num_batches_tracked')?.dtype, 'int64');
});

test('Embedding (paddingIdx) matches PyTorch', () => {
  const e = new Embedding(7, 3, { paddingIdx: 2 });
  check('embedding', e, one(e));
});

test('LSTM (2 layers, bidirectional, batchFirst; time-first with state) and LSTMCell match PyTorch', () => {
  const a = new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
  check('lstm_bi_2layer_batch_first', a, ([x]) => {
    const r = a.forward(x);
    return [r.output, r.h, r.c];
  });
  const b = new LSTM(3, 4);
  check('lstm_time_first_state', b, ([x, h, c]) => {
    const r = b.forward(x, { h, c });
    return [r.output, r.h, r.c];
  });
  const cell = new LSTMCell(3, 4);
  check('lstm_cell', cell, ([x, h, c]) => {
    const r = cell.forward(x, { h, c });
    return [r.h, r.c];
  });
});

test('weight-normed Conv1d: PyTorch weight_g/weight_v load, output, weight and gradients match', () => {
  const conv = weightNorm(new Conv1d(3, 4, 3, { padding: 1 }));
  check('weight_norm_conv1d', conv, one(conv));
  const c = cases.weight_norm_conv1d;
  assertClose(conv.weight, c.weight as JsonTensor, 1e-6, 'weight');
  conv.train();
  const y = conv.forward(fromJson(c.inputs[0]));
  y.square().sum().backward();
  const grads = c.grads as Record<string, JsonTensor>;
  for (const [k, g] of Object.entries(grads)) {
    const p = conv.getParameter(k) as Tensor;
    assert.ok(p.grad, `${k} has a gradient`);
    assertClose(p.grad, g, 1e-4, `grad ${k}`);
  }
});

test('weight-normed Conv1d loads torch>=2.1 parametrizations.weight.original0/1 keys', () => {
  const c = cases.weight_norm_conv1d;
  const conv = weightNorm(new Conv1d(3, 4, 3, { padding: 1 }));
  const report = conv.loadStateDict(
    stateDictFromJson(c.parametrizationsStateDict as Record<string, JsonTensor>),
  );
  assert.deepEqual(report.missing, []);
  assert.deepEqual(report.unexpected, []);
  assert.deepEqual(
    report.renamed.map((r) => `${r.from.join('+')}->${r.to}`),
    ['parametrizations.weight.original0->weight_g', 'parametrizations.weight.original1->weight_v'],
  );
  conv.eval();
  const y = torch.noGrad(() => conv.forward(fromJson(c.inputs[0])));
  assertClose(y, c.outputs[0], 1e-5, 'output');
});

test('weight-normed ConvTranspose1d matches PyTorch', () => {
  const m = weightNorm(new ConvTranspose1d(4, 2, 4, { stride: 2, padding: 1 }));
  check('weight_norm_conv_transpose1d', m, one(m));
});

test('default initialisation with a seed equals PyTorch draw for draw', () => {
  const init = fixture<Record<string, Record<string, JsonTensor>>>('init.json');
  const build: Record<string, () => Module> = {
    linear: () => new Linear(5, 3),
    conv1d: () => new Conv1d(2, 4, 3, { groups: 2 }),
    conv_transpose1d: () => new ConvTranspose1d(2, 3, 4),
    embedding: () => new Embedding(4, 3, { paddingIdx: 1 }),
    lstm: () => new LSTM(2, 3, { bidirectional: true }),
  };
  for (const [name, make] of Object.entries(build)) {
    torch.manualSeed(1234);
    const sd = make().stateDict();
    const ref = init[name];
    assert.deepEqual([...sd.keys()], Object.keys(ref), name);
    for (const [k, t] of sd) assertClose(t, ref[k], 1e-7, `${name}.${k}`);
  }
});
