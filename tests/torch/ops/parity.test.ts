// Op parity with PyTorch 1.13 (Debian's python3-torch, the same libtorch as ribbit's addon): every case of
// tests/fixtures/ops/ops.json (scripts/fixtures/make_op_fixtures.py) is run here on the same inputs.
//
// Tolerances: integer, bool and shape results must be equal. Floating results must be within
// 1e-6 + 1e-5 * |expected| (float32) or 1e-12 + 1e-10 * |expected| (float64): the kernels are the same
// machine code, so every case is bit-exact today (175/175; the last test prints the count and fails if more
// than 10% are not); the tolerance only absorbs a different summation order should a kernel split work by
// thread count (the fixtures were written with one thread, the tests run with the machine's default).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import { assertMatches, type Diff, fixture, fromJson, type JsonTensor } from './helpers.ts';

const { F } = torch;

interface Case {
  inputs: JsonTensor[];
  output: JsonTensor | JsonTensor[];
}

type Out = Tensor | Tensor[];
type Fn = (...xs: Tensor[]) => Out;

const binary = (f: (a: Tensor, b: Tensor) => Out): Fn => f as Fn;
const unary = (f: (a: Tensor) => Out): Fn => f as Fn;
const real = (t: Tensor): Tensor => F.viewAsReal(t);

/** One ribbit implementation per fixture case, written as model code would write it. */
const impl: Record<string, Fn> = {
  // elementwise, broadcasting
  add: binary((a, b) => a.add(b)),
  add_alpha: binary((a, b) => a.add(b, 2.5)),
  sub: binary((a, b) => a.sub(b)),
  mul: binary((a, b) => a.mul(b)),
  div: binary((a, b) => a.div(b)),
  maximum: binary((a, b) => a.maximum(b)),
  minimum: binary((a, b) => a.minimum(b)),
  atan2: binary((a, b) => a.atan2(b)),
  remainder: binary((a, b) => a.remainder(b)),
  div_floor: binary((a, b) => a.div(b, 'floor')),
  div_trunc: binary((a, b) => a.div(b, 'trunc')),
  pow_tensor: binary((a, b) => a.pow(b)),
  add_scalar: unary((a) => a.add(0.75)),
  mul_scalar: unary((a) => a.mul(-3)),
  rsub_scalar: unary((a) => a.rsub(1)),
  pow_scalar: unary((a) => a.pow(1.5)),
  int_add: binary((a, b) => a.add(b)),
  int_mul_scalar: unary((a) => a.mul(7)),
  neg: unary((a) => a.neg()),
  abs: unary((a) => a.abs()),
  exp: unary((a) => a.exp()),
  expm1: unary((a) => a.expm1()),
  sin: unary((a) => a.sin()),
  cos: unary((a) => a.cos()),
  sign: unary((a) => a.sign()),
  floor: unary((a) => a.floor()),
  ceil: unary((a) => a.ceil()),
  round: unary((a) => a.round()),
  square: unary((a) => a.square()),
  sigmoid: unary((a) => a.sigmoid()),
  tanh: unary((a) => F.tanh(a)),
  relu: unary((a) => F.relu(a)),
  leaky_relu: unary((a) => F.leakyRelu(a, 0.2)),
  gelu: unary((a) => F.gelu(a)),
  gelu_tanh: unary((a) => F.gelu(a, 'tanh')),
  softplus: unary((a) => F.softplus(a)),
  softplus_beta: unary((a) => F.softplus(a.mul(10), 2, 5)),
  silu: unary((a) => F.silu(a)),
  elu: unary((a) => F.elu(a)),
  clamp: unary((a) => a.clamp(-0.5, 0.7)),
  clamp_min: unary((a) => a.clamp(0.1)),
  clamp_max: unary((a) => a.clampMax(-0.1)),
  log: unary((a) => a.log()),
  log1p: unary((a) => a.log1p()),
  log10: unary((a) => a.log10()),
  sqrt: unary((a) => a.sqrt()),
  rsqrt: unary((a) => a.rsqrt()),
  reciprocal: unary((a) => a.reciprocal()),
  eq: binary((a, b) => a.eq(b)),
  ne: binary((a, b) => a.ne(b)),
  lt: binary((a, b) => a.lt(b)),
  le: binary((a, b) => a.le(b)),
  gt: binary((a, b) => a.gt(b)),
  ge: binary((a, b) => a.ge(b)),
  gt_scalar: unary((a) => a.gt(0)),
  logical: binary((a, b) => [a.logicalAnd(b), a.logicalOr(b), a.logicalNot()]),
  isnan: unary((a) => [a.isnan(), a.isfinite()]),

  // reductions
  sum_all: unary((t) => t.sum()),
  sum_dims: unary((t) => t.sum([0, 2])),
  sum_keepdim: unary((t) => t.sum(1, true)),
  mean_all: unary((t) => t.mean()),
  mean_dim: unary((t) => t.mean(-1)),
  mean_keepdim: unary((t) => t.mean([0, 1], true)),
  prod_dim: unary((t) => t.prod(1)),
  max_all: unary((t) => t.max()),
  max_dim: unary((t) => {
    const { values, indices } = t.max(1);
    return [values, indices];
  }),
  max_dim_keepdim: unary((t) => {
    const { values, indices } = t.max(-1, true);
    return [values, indices];
  }),
  min_all: unary((t) => t.min()),
  min_dim: unary((t) => {
    const { values, indices } = t.min(0);
    return [values, indices];
  }),
  amax: unary((t) => t.amax([0, 2])),
  amin: unary((t) => t.amin(1, true)),
  argmax: unary((t) => t.argmax(2)),
  argmin: unary((t) => t.argmin(0, true)),
  logsumexp: unary((t) => t.logsumexp(1)),
  logsumexp_keepdim: unary((t) => t.logsumexp([0, 2], true)),
  var_all: unary((t) => t.var()),
  var_dim: unary((t) => t.var(1)),
  var_biased: unary((t) => t.var(2, { unbiased: false, keepdim: true })),
  std_dim: unary((t) => t.std(0)),
  std_biased: unary((t) => t.std([1, 2], { unbiased: false })),
  norm_all: unary((t) => t.norm()),
  norm_dim: unary((t) => t.norm(2, 1)),
  norm_p1: unary((t) => t.norm(1, [0, 2], true)),
  norm_p3: unary((t) => t.norm(3, -1)),
  cumsum: unary((t) => t.cumsum(1)),
  cumsum_last: unary((t) => t.cumsum(-1)),
  softmax: unary((t) => t.softmax(1)),
  log_softmax: unary((t) => F.logSoftmax(t, -1)),
  all_any: unary((t) => [t.gt(-3).all(), t.gt(2).any()]),

  // linear algebra
  matmul_2d: binary((a, b) => a.matmul(b)),
  matmul_batched_bcast: binary((a, b) => a.matmul(b)),
  matmul_vec: binary((a, b) => a.matmul(b)),
  mm: binary((a, b) => a.mm(b)),
  bmm: binary((a, b) => a.bmm(b)),
  einsum_bij_bjk: binary((a, b) => torch.einsum('bij,bjk->bik', a, b)),
  einsum_outer_sum: binary((a, b) => torch.einsum('ij,k->jk', a, b)),
  einsum_trace: unary((a) => torch.einsum('ii->', a)),
  inverse: unary((a) => F.inverse(a)),
  inverse_batched: unary((a) => F.inverse(a)),
  slogdet: unary((a) => {
    const { sign, logabsdet } = F.slogdet(a);
    return [sign, logabsdet];
  }),

  // shape and indexing
  view: unary((t) => t.view(4, 6)),
  view_infer: unary((t) => t.view([-1, 4])),
  reshape: unary((t) => t.transpose(0, 2).reshape(3, 8)),
  permute: unary((t) => t.permute(2, 0, 1).contiguous()),
  transpose: unary((t) => t.transpose(1, 2).contiguous()),
  unsqueeze_squeeze: unary((t) => [
    t.unsqueeze(1),
    t.unsqueeze(-1).squeeze(-1),
    t.slice(0, 0, 1).squeeze(),
    t.slice(0, 0, 1).squeeze(0),
  ]),
  flatten: unary((t) => t.flatten(1)),
  cat: unary((t) => torch.cat([t, t.mul(2)], 1)),
  cat_last: unary((t) => torch.cat([t, t.slice(-1, 0, 2)], -1)),
  stack: unary((t) => torch.stack([t, t.neg(), t.add(1)], 2)),
  split: unary((t) => t.split(3, 2)),
  split_sizes: unary((t) => t.split([1, 2], 1)),
  chunk: unary((t) => t.chunk(3, 2)),
  unbind: unary((t) => t.unbind(1)),
  narrow: unary((t) => t.narrow(2, 1, 2).contiguous()),
  slice_step: unary((t) => t.slice(2, 1, undefined, 2).contiguous()),
  slice_negative: unary((t) => t.slice(1, -2).contiguous()),
  select: unary((t) => t.select(1, 1)),
  flip: unary((t) => t.flip([0, 2])),
  repeat: unary((t) => t.repeat(2, 1, 3)),
  repeat_interleave: unary((t) => t.repeatInterleave(2, 1)),
  expand: unary((t) => t.slice(1, 0, 1).expand(2, 5, 4).contiguous()),
  tril_triu: unary((t) => [t.tril(), t.triu(1)]),
  index_select: binary((t, i) => t.indexSelect(0, i)),
  index_select_dim1: binary((t, i) => t.indexSelect(1, i)),
  gather: binary((t, i) => t.gather(1, i)),
  gather_dim0: binary((t, i) => t.gather(0, i)),
  scatter: (t, i, v) => t.scatter(1, i, v),
  scatter_add: (t, i, v) => t.scatterAdd(1, i, v),
  scatter_value: binary((t, i) => t.scatter(1, i, -1.5)),
  masked_fill: binary((t, m) => t.maskedFill(m, -1e4)),
  masked_fill_bcast: binary((t, m) => t.maskedFill(m, 0.5)),
  where: (c, a, b) => torch.where(c, a, b),
  where_scalar: binary((c, a) => torch.where(c, a, 0.0)),
  index_tensor: binary((t, i) => t.index([i])),
  masked_select: binary((t, m) => t.maskedSelect(m)),
  sequence_mask: unary((l) => F.sequenceMask(l, 6)),
  sequence_mask_max: unary((l) => F.sequenceMask(l)),
  one_hot: unary((i) => F.oneHot(i, 5)),
  embedding: binary((i, w) => F.embedding(i, w)),

  // padding, interpolation
  pad_constant: unary((t) => F.pad(t, [2, 1], 'constant', 0.5)),
  pad_constant_2d: unary((t) => F.pad(t, [1, 2, 0, 1])),
  pad_reflect: unary((t) => F.pad(t, [3, 2], 'reflect')),
  pad_replicate: unary((t) => F.pad(t, [2, 4], 'replicate')),
  pad_reflect_2d: unary((t) => F.pad(t, [1, 2, 2, 1], 'reflect')),
  pad_replicate_2d: unary((t) => F.pad(t, [2, 1, 1, 3], 'replicate')),
  interp_nearest: unary((t) => F.interpolate(t, { scaleFactor: 2 })),
  interp_nearest_size: unary((t) => F.interpolate(t, { size: 10 })),
  interp_linear: unary((t) => F.interpolate(t, { size: 11, mode: 'linear' })),
  interp_linear_ac: unary((t) => F.interpolate(t, { size: 11, mode: 'linear', alignCorners: true })),
  interp_bilinear: unary((t) => F.interpolate(t, { size: [7, 9], mode: 'bilinear' })),
  interp_bilinear_scale: unary((t) =>
    F.interpolate(t, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
  ),

  // convolutions
  conv1d: (x, w, b) => F.conv1d(x, w, b),
  conv1d_stride_pad: (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }),
  conv1d_dilation_groups: (x, w, b) => F.conv1d(x, w, b, { padding: 2, dilation: 2, groups: 2 }),
  conv1d_depthwise: binary((x, w) => F.conv1d(x, w, null, { padding: 2, groups: 4 })),
  conv2d: (x, w, b) => F.conv2d(x, w, b, { padding: 1 }),
  conv2d_stride_dil_groups: (x, w, b) =>
    F.conv2d(x, w, b, { stride: [2, 1], padding: [2, 1], dilation: [2, 1], groups: 2 }),
  conv_transpose1d: (x, w, b) => F.convTranspose1d(x, w, b, { stride: 2, padding: 1 }),
  conv_transpose1d_full: (x, w, b) =>
    F.convTranspose1d(x, w, b, { stride: 3, padding: 2, outputPadding: 1, groups: 2, dilation: 2 }),

  // normalisation
  layer_norm: (x, w, b) => F.layerNorm(x, [6], w, b),
  layer_norm_2d_noaffine: unary((x) => F.layerNorm(x, [4, 6], null, null, 1e-3)),
  batch_norm_train: (x, w, b, rm, rv) => [F.batchNorm(x, rm, rv, w, b, true, 0.2), rm, rv],
  batch_norm_eval: (x, w, b, rm, rv) => F.batchNorm(x, rm, rv, w, b, false),
  group_norm: (x, w, b) => F.groupNorm(x, 2, w, b),
  instance_norm: (x, w, b) => F.instanceNorm(x, w, b),

  // recurrent
  lstm_cell: (x, h, c, wi, wh, bi, bh) => {
    const s = F.lstmCell(x, { h, c }, wi, wh, bi, bh);
    return [s.h, s.c];
  },
  lstm: (x, h, c, ...params) => {
    const r = F.lstm(x, { h, c }, params, { numLayers: 2, bidirectional: true, batchFirst: true });
    return [r.output, r.h, r.c];
  },

  // spectral
  hann_window: () => F.hannWindow(16),
  stft: unary((t) => real(F.stft(t, { nFft: 16, hopLength: 4, window: F.hannWindow(16) }))),
  stft_nocenter: unary((t) =>
    real(F.stft(t, { nFft: 16, hopLength: 8, winLength: 12, window: F.hannWindow(12), center: false })),
  ),
  istft: unary((sp) =>
    F.istft(F.viewAsComplex(sp), { nFft: 16, hopLength: 4, window: F.hannWindow(16), length: 64 }),
  ),
  rfft: unary((t) => real(F.rfft(t))),
  rfft_n: unary((t) => real(F.rfft(t, 40, -1))),
  irfft: unary((sp) => F.irfft(F.viewAsComplex(sp), 64)),
};

const cases = fixture<Record<string, Case>>('ops.json');
const F32: { atol: number; rtol: number } = { atol: 1e-6, rtol: 1e-5 };
const F64: { atol: number; rtol: number } = { atol: 1e-12, rtol: 1e-10 };

test('every fixture case has a ribbit implementation and vice versa', () => {
  assert.deepEqual(Object.keys(impl).sort(), Object.keys(cases).sort());
});

const results = new Map<string, Diff>();

for (const [name, c] of Object.entries(cases)) {
  test(`parity: ${name}`, () => {
    const fn = impl[name];
    assert.ok(fn, `no implementation for ${name}`);
    torch.tidy(() => {
      const inputs = c.inputs.map(fromJson);
      const out = fn(...inputs);
      const outs = Array.isArray(out) ? out : [out];
      const expected = Array.isArray(c.output) ? c.output : [c.output];
      assert.equal(outs.length, expected.length, `${name}: number of outputs`);
      let maxAbs = 0;
      let exact = true;
      outs.forEach((o, k) => {
        const tol = expected[k].dtype === 'float64' ? F64 : F32;
        const d = assertMatches(o, expected[k], tol, `${name}[${k}]`);
        maxAbs = Math.max(maxAbs, d.maxAbs);
        exact &&= d.exact;
      });
      results.set(name, { maxAbs, exact });
    });
  });
}

test('almost every op is bit-exact with PyTorch', () => {
  const inexact = [...results].filter(([, d]) => !d.exact);
  const summary = inexact.map(([n, d]) => `${n} (${d.maxAbs.toExponential(1)})`).join(', ');
  console.log(
    `bit-exact: ${results.size - inexact.length}/${results.size}; within tolerance: ${summary || 'none'}`,
  );
  assert.ok(inexact.length <= results.size * 0.1, `too many inexact cases: ${summary}`);
});
