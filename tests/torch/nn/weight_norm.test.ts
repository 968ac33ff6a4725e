// Weight normalisation: weight = g * v / ||v|| recomputed on every forward, gradients to g and v, removal,
// both PyTorch key schemes, plain <-> weight-normed checkpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import {
  Conv1d,
  ConvTranspose1d,
  convertWeightNormKeys,
  Linear,
  LSTM,
  Module,
  removeWeightNorm,
  weightNorm,
  weightNormsOf,
} from '../../../src/torch/nn/index.ts';
import { assertClose, maxAbsDiff } from './helpers.ts';

/** g * v / ||v||, the norm over every dim but `dim`, written out. */
function explicit(v: Tensor, g: Tensor, dim: number): Tensor {
  const dims = v.shape.map((_, i) => i).filter((i) => i !== dim);
  return v.mul(g).div(v.square().sum(dims, true).sqrt());
}

test('weightNorm keeps the initial weight and names g [out, 1, 1] and v as PyTorch', () => {
  const conv = new Conv1d(3, 5, 3);
  const w0 = conv.weight.clone();
  const same = weightNorm(conv);
  assert.equal(same, conv);
  assert.deepEqual([...conv.stateDict().keys()], ['bias', 'weight_g', 'weight_v']);
  assert.deepEqual(conv.getParameter('weight_g')?.shape, [5, 1, 1]);
  assert.deepEqual(conv.getParameter('weight_v')?.shape, [5, 3, 3]);
  assert.equal(conv.getParameter('weight'), undefined);
  assert.ok(maxAbsDiff(conv.weight, w0) < 1e-6);
  assert.deepEqual(weightNormsOf(conv), new Map([['weight', 0]]));
  assert.throws(() => weightNorm(conv), /already applied/);
  assert.throws(() => weightNorm(new Conv1d(1, 1, 1), 'nope'), /no parameter "nope"/);
});

test('forward equals the explicit formula; gradients flow to g, v and bias and equal the explicit ones', () => {
  const conv = weightNorm(new Conv1d(3, 4, 3, { padding: 1 }));
  const g = conv.getParameter('weight_g') as Tensor;
  const v = conv.getParameter('weight_v') as Tensor;
  torch.noGrad(() => {
    g.copy_(torch.rand([4, 1, 1]).add(0.5));
    v.copy_(torch.randn([4, 3, 3]));
  });
  const x = torch.randn([2, 3, 7]);
  const y = conv.forward(x);
  const yRef = torch.F.conv1d(x, explicit(v, g, 0), conv.bias, { padding: 1 });
  assertClose(y, yRef, 1e-5, 'forward');
  y.square().sum().backward();
  const gradG = g.grad as Tensor;
  const gradV = v.grad as Tensor;
  assert.ok(gradG && gradV && conv.bias?.grad, 'gradients exist');
  assert.ok(torch.tidy(() => gradG.abs().sum().item()) > 0);
  // same gradients through the explicit formula
  const g2 = g.detach().clone().requiresGrad_();
  const v2 = v.detach().clone().requiresGrad_();
  torch.F.conv1d(x, explicit(v2, g2, 0), conv.bias, { padding: 1 })
    .square()
    .sum()
    .backward();
  assertClose(gradG, g2.grad as Tensor, 1e-4, 'grad g');
  assertClose(gradV, v2.grad as Tensor, 1e-4, 'grad v');
});

test('the weight is recomputed on every read: changing g rescales the output', () => {
  const lin = weightNorm(new Linear(4, 3));
  const x = torch.randn([2, 4]);
  const y1 = torch.noGrad(() => lin.forward(x));
  torch.noGrad(() => (lin.getParameter('weight_g') as Tensor).mul_(2));
  const y2 = torch.noGrad(() => lin.forward(x));
  const b = lin.bias as Tensor;
  assertClose(y2.sub(b), y1.sub(b).mul(2), 1e-5, 'doubled');
});

test('weightNorm along dim 1 and over the whole tensor (dim -1)', () => {
  const up = weightNorm(new ConvTranspose1d(4, 2, 3), 'weight', 1);
  assert.deepEqual(up.getParameter('weight_g')?.shape, [1, 2, 1]);
  const x = torch.randn([1, 4, 5]);
  const v = up.getParameter('weight_v') as Tensor;
  const g = up.getParameter('weight_g') as Tensor;
  assertClose(up.forward(x), torch.F.convTranspose1d(x, explicit(v, g, 1), up.bias), 1e-5, 'dim 1');
  const whole = weightNorm(new Conv1d(2, 2, 1), 'weight', -1);
  assert.deepEqual(whole.getParameter('weight_g')?.shape, []);
  const w = whole.weight;
  assert.ok(
    Math.abs(torch.tidy(() => w.norm().item()) - (whole.getParameter('weight_g') as Tensor).item()) < 1e-6,
  );
});

test('removeWeightNorm restores a plain weight parameter with the current value', () => {
  const conv = weightNorm(new Conv1d(2, 3, 3));
  torch.noGrad(() => (conv.getParameter('weight_g') as Tensor).fill_(2));
  const w = conv.weight.detach().clone();
  removeWeightNorm(conv);
  assert.deepEqual([...conv.stateDict().keys()], ['bias', 'weight']);
  assert.equal(conv.weight, conv.getParameter('weight'), 'the field is the parameter again');
  assert.equal(conv.weight.requiresGrad, true);
  assert.ok(maxAbsDiff(conv.weight, w) < 1e-6);
  assert.deepEqual(weightNormsOf(conv), new Map());
  assert.throws(() => removeWeightNorm(conv), /not found/);
  weightNorm(conv);
  assert.ok(maxAbsDiff(conv.weight, w) < 1e-6, 'can be applied again');
});

test('convertWeightNormKeys maps a whole state dict between the two schemes', () => {
  const t = torch.zeros([1]);
  const legacy = new Map([
    ['a.conv.bias', t],
    ['a.conv.weight_g', t],
    ['a.conv.weight_v', t],
    ['lonely_g', t],
  ]);
  const modern = convertWeightNormKeys(legacy, 'parametrizations');
  assert.deepEqual(
    [...modern.keys()],
    [
      'a.conv.bias',
      'a.conv.parametrizations.weight.original0',
      'a.conv.parametrizations.weight.original1',
      'lonely_g',
    ],
  );
  assert.deepEqual([...convertWeightNormKeys(modern).keys()], [...legacy.keys()]);
  assert.equal(modern.get('a.conv.parametrizations.weight.original0'), t, 'tensors passed through');
});

class Wrapper extends Module {
  readonly conv: Conv1d;
  constructor(norm: boolean) {
    super();
    const c = new Conv1d(3, 4, 3);
    this.conv = this.registerModule('conv', norm ? weightNorm(c) : c);
  }
}

test('loadStateDict folds g/v into a plain weight and splits a plain weight into g/v', () => {
  const normed = new Wrapper(true);
  torch.noGrad(() => (normed.conv.getParameter('weight_g') as Tensor).mul_(1.5));
  const plain = new Wrapper(false);
  const r1 = plain.loadStateDict(normed.stateDict());
  assert.deepEqual(r1.renamed, [{ from: ['conv.weight_g', 'conv.weight_v'], to: 'conv.weight' }]);
  assert.ok(maxAbsDiff(plain.conv.weight, normed.conv.weight) < 1e-6);
  const back = new Wrapper(true);
  const r2 = back.loadStateDict(plain.stateDict());
  assert.equal(r2.renamed.length, 2);
  assert.ok(maxAbsDiff(back.conv.weight, plain.conv.weight) < 1e-6);
  assertClose(
    back.conv.getParameter('weight_g') as Tensor,
    normed.conv.getParameter('weight_g') as Tensor,
    1e-5,
  );
  // torch>=2.1 keys fold too
  const fromModern = new Wrapper(false);
  fromModern.loadStateDict(normed.stateDict({ weightNormKeys: 'parametrizations' }));
  assert.ok(maxAbsDiff(fromModern.conv.weight, normed.conv.weight) < 1e-6);
});

test('the computed weight does not outlive a tidy() forward', () => {
  const conv = weightNorm(new Conv1d(2, 2, 1));
  let inner: Tensor | null = null;
  torch.tidy(() => {
    inner = conv.weight;
    conv.forward(torch.randn([1, 2, 3]));
  });
  assert.equal((inner as unknown as Tensor).isDisposed, true);
  assert.equal((conv.getParameter('weight_v') as Tensor).isDisposed, false);
});

test('weight norm on an LSTM weight (weight_hh_l0) feeds the fused kernel', () => {
  const lstm = weightNorm(new LSTM(3, 4), 'weight_hh_l0');
  assert.deepEqual(
    [...lstm.stateDict().keys()],
    ['weight_ih_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_hh_l0_g', 'weight_hh_l0_v'],
  );
  const out = lstm.forward(torch.randn([5, 2, 3])).output;
  out.sum().backward();
  assert.ok(lstm.getParameter('weight_hh_l0_g')?.grad, 'gradient reaches g');
});
