// Gradient checks: autograd's gradients against float64 central finite differences for every differentiable
// op the project wraps. `gradcheck` projects the output on a fixed random vector v (a vector-Jacobian
// product, what backward computes) and compares d(v . f)/dx from autograd with
// (v . f(x + eps e_j) - v . f(x - eps e_j)) / (2 eps) for every element j of every input, eps = 1e-6,
// within atol 1e-5 + rtol 1e-3 (as torch.autograd.gradcheck).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';

const { F } = torch;

interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of the inputs to check (default: every floating input). */
  wrt?: number[];
}

/**
 * Checks autograd's gradient of `fn` with respect to its floating inputs against central finite differences.
 * Inputs must be float64 (integer inputs, e.g. indices, are passed through unchanged). Throws on mismatch.
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): void {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const wrt = options.wrt ?? inputs.flatMap((x, i) => (x.dtype === 'float64' ? [i] : []));
  for (const i of wrt) assert.equal(inputs[i].dtype, 'float64', `gradcheck: input ${i} must be float64`);
  torch.tidy(() => {
    const values = inputs.map((x) => (x.dtype === 'float64' ? x.toFloat64Array() : null));
    const leaves = inputs.map((x, i) =>
      wrt.includes(i) ? x.detach().clone().requiresGrad_(true) : x.detach(),
    );
    const out = fn(...leaves);
    assert.equal(out.dtype, 'float64', 'gradcheck: fn must return float64');
    torch.manualSeed(1000 + out.numel);
    const v = torch.randn(out.shape, { dtype: 'float64' });
    const projected = (o: Tensor) => o.mul(v).sum();
    const analytic = torch.grad(
      projected(out),
      wrt.map((i) => leaves[i]),
      { allowUnused: true },
    );
    torch.noGrad(() => {
      wrt.forEach((i, k) => {
        const base = values[i] as Float64Array;
        const ana = analytic[k] ? (analytic[k] as Tensor).toFloat64Array() : new Float64Array(base.length);
        const shape = inputs[i].shape;
        const evalAt = (j: number, delta: number): number =>
          torch.tidy(() => {
            const x = base.slice();
            x[j] += delta;
            const args = leaves.slice();
            args[i] = torch.tensor(x, { shape });
            return projected(fn(...args)).item();
          });
        for (let j = 0; j < base.length; j++) {
          const num = (evalAt(j, eps) - evalAt(j, -eps)) / (2 * eps);
          const diff = Math.abs(num - ana[j]);
          assert.ok(
            diff <= atol + rtol * Math.abs(num),
            `gradcheck: input ${i} element ${j}: numerical ${num}, autograd ${ana[j]} (|diff| ${diff})`,
          );
        }
      });
    });
  });
}

let seed = 1;
/** Standard normal float64 tensor (each call a new fixed seed). */
function rn(...shape: number[]): Tensor {
  torch.manualSeed(seed++);
  return torch.randn(shape, { dtype: 'float64' });
}
/** Uniform [lo, hi) float64 tensor. */
function ru(lo: number, hi: number, ...shape: number[]): Tensor {
  torch.manualSeed(seed++);
  return torch
    .rand(shape, { dtype: 'float64' })
    .mul(hi - lo)
    .add(lo);
}
const idx = (values: number[], shape?: number[]) =>
  torch.tensor(
    BigInt64Array.from(values, (v) => BigInt(v)),
    shape ? { shape } : {},
  );

/** [name, fn, inputs] */
const checks: [string, (...xs: Tensor[]) => Tensor, () => Tensor[]][] = [
  // elementwise with broadcasting (the gradient of the broadcast input is reduced)
  ['add broadcast', (a, b) => a.add(b, 0.5), () => [rn(3, 1, 4), rn(5, 4)]],
  ['mul broadcast', (a, b) => a.mul(b), () => [rn(3, 1, 4), rn(5, 4)]],
  ['div broadcast', (a, b) => a.div(b), () => [rn(3, 4), ru(0.5, 2, 4)]],
  ['pow tensor', (a, b) => a.pow(b), () => [ru(0.5, 2, 3, 4), rn(3, 4)]],
  ['pow scalar', (a) => a.pow(2.5), () => [ru(0.5, 2, 3, 4)]],
  ['maximum/minimum', (a, b) => a.maximum(b).add(a.minimum(b).mul(2)), () => [rn(3, 4), rn(3, 4)]],
  ['atan2', (a, b) => a.atan2(b), () => [rn(3, 4), ru(0.5, 2, 3, 4)]],
  ['exp log sqrt', (a) => a.exp().add(a.log()).add(a.sqrt()).add(a.rsqrt()), () => [ru(0.5, 2, 3, 4)]],
  ['log1p expm1 reciprocal', (a) => a.log1p().add(a.expm1()).add(a.reciprocal()), () => [ru(0.5, 2, 8)]],
  ['sin cos square abs', (a) => a.sin().add(a.cos()).add(a.square()).add(a.abs()), () => [rn(10)]],
  ['sigmoid', (a) => a.sigmoid(), () => [rn(3, 4)]],
  ['tanh', (a) => F.tanh(a), () => [rn(3, 4)]],
  ['softplus', (a) => F.softplus(a), () => [rn(3, 4)]],
  ['softplus beta threshold', (a) => F.softplus(a.mul(4), 2, 5), () => [rn(3, 4)]],
  ['relu', (a) => F.relu(a), () => [rn(3, 4)]],
  ['leakyRelu', (a) => F.leakyRelu(a, 0.2), () => [rn(3, 4)]],
  ['gelu', (a) => F.gelu(a), () => [rn(3, 4)]],
  ['gelu tanh', (a) => F.gelu(a, 'tanh'), () => [rn(3, 4)]],
  ['silu elu', (a) => F.silu(a).add(F.elu(a)), () => [rn(3, 4)]],
  ['clamp', (a) => a.clamp(-0.5, 0.7), () => [rn(3, 4)]],
  ['where', (c, a, b) => torch.where(c, a, b), () => [rn(3, 4).gt(0), rn(3, 4), rn(4)]],
  ['maskedFill (values)', (a, m) => a.maskedFill(m, -2), () => [rn(3, 4), rn(3, 1).gt(0)]],
  // reductions
  ['sum dims keepdim', (a) => a.sum([0, 2], true), () => [rn(3, 4, 5)]],
  ['mean', (a) => a.mean(1), () => [rn(3, 4, 5)]],
  ['prod', (a) => a.prod(1), () => [rn(3, 4)]],
  ['max dim', (a) => a.max(1).values, () => [rn(3, 5)]],
  ['min all', (a) => a.min(), () => [rn(3, 5)]],
  ['amax', (a) => a.amax([0, 2]), () => [rn(3, 4, 2)]],
  ['logsumexp', (a) => a.logsumexp(1), () => [rn(3, 4, 5)]],
  ['logsumexp keepdim', (a) => a.logsumexp([0, 2], true), () => [rn(3, 4, 5)]],
  ['var', (a) => a.var(1), () => [rn(3, 5)]],
  ['std biased', (a) => a.std(-1, { unbiased: false, keepdim: true }), () => [rn(3, 5)]],
  ['norm p2', (a) => a.norm(2, 1), () => [rn(3, 5)]],
  ['norm p3 all', (a) => a.norm(3), () => [rn(3, 5)]],
  ['cumsum', (a) => a.cumsum(1), () => [rn(3, 5)]],
  ['softmax', (a) => a.softmax(1), () => [rn(3, 5)]],
  ['logSoftmax', (a) => F.logSoftmax(a, -1), () => [rn(3, 5)]],
  // linear algebra
  ['matmul broadcast', (a, b) => a.matmul(b), () => [rn(2, 3, 4), rn(4, 5)]],
  ['bmm', (a, b) => a.bmm(b), () => [rn(2, 3, 4), rn(2, 4, 2)]],
  ['einsum', (a, b) => torch.einsum('bij,bjk->bik', a, b), () => [rn(2, 3, 4), rn(2, 4, 2)]],
  ['inverse', (a) => F.inverse(a), () => [rn(3, 3).add(torch.eye(3, { dtype: 'float64' }).mul(3))]],
  ['slogdet logabsdet', (a) => F.slogdet(a).logabsdet, () => [rn(2, 3, 3)]],
  // shape and indexing
  [
    'reshape permute transpose',
    (a) => a.reshape(4, 6).transpose(0, 1).permute(1, 0).mul(2),
    () => [rn(2, 3, 4)],
  ],
  ['squeeze unsqueeze expand', (a) => a.unsqueeze(0).expand(3, 2, 1, 4).squeeze(2), () => [rn(2, 1, 4)]],
  [
    'cat stack',
    (a, b) => torch.stack([torch.cat([a, b], 1), torch.cat([b, a], 1)], 0),
    () => [rn(2, 3), rn(2, 3)],
  ],
  ['split chunk', (a) => torch.cat([...a.split([1, 3], 1).reverse(), ...a.chunk(2, 1)], 1), () => [rn(2, 4)]],
  [
    'narrow slice select',
    (a) =>
      a
        .narrow(1, 1, 2)
        .add(a.slice(1, 0, 4, 2))
        .add(a.select(1, 1).unsqueeze(1)),
    () => [rn(3, 4)],
  ],
  ['flip repeat', (a) => a.flip([1]).repeat(2, 3), () => [rn(2, 3)]],
  ['indexSelect (values)', (a, i) => a.indexSelect(0, i), () => [rn(5, 3), idx([4, 0, 2, 2])]],
  ['gather (values)', (a, i) => a.gather(1, i), () => [rn(3, 5), idx([0, 4, 4, 1, 2, 2, 3, 0, 1], [3, 3])]],
  [
    'scatter (self and src)',
    (a, i, s) => a.scatter(1, i, s),
    () => [rn(3, 5), idx([0, 4, 1, 2, 3, 0], [3, 2]), rn(3, 2)],
  ],
  [
    'scatterAdd',
    (a, i, s) => a.scatterAdd(1, i, s),
    () => [rn(3, 5), idx([0, 4, 4, 2, 3, 3], [3, 2]), rn(3, 2)],
  ],
  ['embedding (weight)', (i, w) => F.embedding(i, w), () => [idx([1, 4, 0, 2, 2, 3], [2, 3]), rn(5, 3)]],
  // padding, interpolation
  ['pad constant', (a) => F.pad(a, [2, 1], 'constant', 0.5), () => [rn(2, 3, 5)]],
  ['pad reflect', (a) => F.pad(a, [3, 2], 'reflect'), () => [rn(2, 3, 5)]],
  ['pad replicate', (a) => F.pad(a, [2, 3], 'replicate'), () => [rn(2, 3, 5)]],
  ['pad reflect 2d', (a) => F.pad(a, [1, 2, 2, 1], 'reflect'), () => [rn(1, 2, 4, 3)]],
  ['interpolate nearest', (a) => F.interpolate(a, { scaleFactor: 2 }), () => [rn(2, 2, 5)]],
  ['interpolate linear', (a) => F.interpolate(a, { size: 9, mode: 'linear' }), () => [rn(2, 2, 5)]],
  [
    'interpolate linear alignCorners',
    (a) => F.interpolate(a, { size: 7, mode: 'linear', alignCorners: true }),
    () => [rn(1, 2, 4)],
  ],
  [
    'interpolate bilinear',
    (a) => F.interpolate(a, { size: [5, 4], mode: 'bilinear' }),
    () => [rn(1, 2, 3, 3)],
  ],
  // convolutions (input, weight and bias)
  [
    'conv1d',
    (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }),
    () => [rn(2, 4, 9), rn(6, 4, 3), rn(6)],
  ],
  [
    'conv1d dilation groups',
    (x, w, b) => F.conv1d(x, w, b, { padding: 2, dilation: 2, groups: 2 }),
    () => [rn(2, 4, 8), rn(6, 2, 3), rn(6)],
  ],
  [
    'conv2d stride dilation groups',
    (x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }),
    () => [rn(1, 4, 5, 6), rn(4, 2, 3, 2), rn(4)],
  ],
  [
    'convTranspose1d',
    (x, w, b) =>
      F.convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 }),
    () => [rn(2, 4, 5), rn(4, 2, 3), rn(4)],
  ],
  // strided, groups 1, dilation 1: the polyphase path (one plain conv, phases interleaved)
  [
    'convTranspose1d polyphase',
    (x, w, b) => F.convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    () => [rn(2, 3, 5), rn(3, 2, 4), rn(2)],
  ],
  [
    'convTranspose1d polyphase kernel < stride',
    (x, w, b) => F.convTranspose1d(x, w, b, { stride: 3, padding: 2 }),
    () => [rn(1, 2, 4), rn(2, 3, 2), rn(3)],
  ],
  // normalisation
  ['layerNorm', (x, w, b) => F.layerNorm(x, [5], w, b), () => [rn(3, 4, 5), rn(5), rn(5)]],
  ['layerNorm 2 dims', (x) => F.layerNorm(x, [4, 5]), () => [rn(3, 4, 5)]],
  [
    'batchNorm training',
    (x, w, b) => F.batchNorm(x, null, null, w, b, true),
    () => [rn(4, 3, 5), rn(3), rn(3)],
  ],
  ['groupNorm', (x, w, b) => F.groupNorm(x, 2, w, b), () => [rn(3, 4, 5), rn(4), rn(4)]],
  ['instanceNorm', (x, w, b) => F.instanceNorm(x, w, b), () => [rn(3, 4, 5), rn(4), rn(4)]],
  // recurrent
  [
    'lstmCell',
    (x, h, c, wi, wh, bi, bh) => {
      const s = F.lstmCell(x, { h, c }, wi, wh, bi, bh);
      return torch.cat([s.h, s.c], 1);
    },
    () => [rn(2, 3), rn(2, 4), rn(2, 4), rn(16, 3), rn(16, 4), rn(16), rn(16)],
  ],
  [
    'lstm bidirectional',
    (x, h, c, ...p) => {
      const r = F.lstm(x, { h, c }, p, { numLayers: 1, bidirectional: true, batchFirst: true });
      return torch.cat([r.output.flatten(), r.h.flatten(), r.c.flatten()]);
    },
    () => [
      rn(2, 3, 2),
      rn(2, 2, 3),
      rn(2, 2, 3),
      rn(12, 2),
      rn(12, 3),
      rn(12),
      rn(12),
      rn(12, 2),
      rn(12, 3),
      rn(12),
      rn(12),
    ],
  ],
  // spectral
  [
    'stft magnitude',
    (x) => F.stft(x, { nFft: 8, hopLength: 2, window: F.hannWindow(8, { dtype: 'float64' }) }).abs(),
    () => [rn(2, 16)],
  ],
  ['rfft magnitude', (x) => F.rfft(x).abs(), () => [rn(2, 10)]],
  [
    'istft',
    (re, im) =>
      F.istft(F.complex(re, im), { nFft: 8, hopLength: 2, window: F.hannWindow(8, { dtype: 'float64' }) }),
    () => [rn(5, 7), rn(5, 7)],
  ],
];

/** Checks with respect to some inputs only: [name, fn, inputs, wrt]. */
const partial: [string, (...xs: Tensor[]) => Tensor, () => Tensor[], number[]][] = [
  // running statistics are buffers: not differentiable (libtorch refuses requiresGrad on them)
  [
    'batchNorm eval (input, weight, bias)',
    (x, w, b, m, v) => F.batchNorm(x, m, v, w, b, false),
    () => [rn(4, 3, 5), rn(3), rn(3), rn(3), ru(0.5, 1.5, 3)],
    [0, 1, 2],
  ],
];

for (const [name, fn, make] of checks) {
  test(`gradcheck: ${name}`, () => {
    torch.tidy(() => gradcheck(fn, make()));
  });
}

for (const [name, fn, make, wrt] of partial) {
  test(`gradcheck: ${name}`, () => {
    torch.tidy(() => gradcheck(fn, make(), { wrt }));
  });
}

test('embedding with paddingIdx: the padding row gets no gradient, the others the true one', () => {
  torch.tidy(() => {
    const ids = idx([1, 4, 0, 2, 2, 3], [2, 3]);
    const w = rn(5, 3).requiresGrad_();
    F.embedding(ids, w, 2).sum().backward();
    assert.deepEqual((w.grad as Tensor).sum(1).toArray(), [3, 3, 0, 3, 3]);
  });
});

test('gradcheck itself catches a wrong gradient', () => {
  // x * x.detach() has autograd gradient x, but d(x^2)/dx = 2x.
  assert.throws(() => gradcheck((a) => a.mul(a.detach()), [rn(4)]), /gradcheck: input 0/);
});
