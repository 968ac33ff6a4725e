// F.convTranspose1d runs a strided transposed convolution (groups 1, dilation 1) as its polyphase plain
// convolution (src/torch/functional.ts); these tests hold it to libtorch's own conv_transpose1d kernel
// (slow_conv_transpose2d) on the same float32 inputs, values and gradients, over strides, kernels shorter
// and longer than the stride, paddings beyond the stride and output paddings.
// Tolerance: the same sums in another order, so float32 rounding: 1e-5 of the largest magnitude.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as aten from '../../../src/torch/aten.ts';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';

/** [batch, cIn, cOut, T, stride, K, padding, outputPadding] */
const cases: [number, number, number, number, number, number, number, number][] = [
  [2, 16, 8, 11, 8, 16, 4, 0], // HiFiGAN's upsamplers (K = 2s, p = s / 2)
  [1, 6, 4, 9, 2, 4, 1, 0],
  [2, 5, 3, 7, 3, 6, 2, 1], // MelGAN's odd factor (output padding)
  [1, 4, 4, 6, 4, 4, 0, 0], // PQMF synthesis (K = s)
  [3, 3, 5, 5, 5, 3, 7, 2], // K < s, p > s
  [2, 4, 2, 8, 4, 9, 1, 3], // K not a multiple of s
];

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item() as number;
}

for (const [b, cIn, cOut, t, s, k, p, op] of cases) {
  test(`convTranspose1d stride ${s} kernel ${k} padding ${p} outputPadding ${op}: values and gradients equal libtorch's kernel`, () => {
    torch.tidy(() => {
      torch.manualSeed(s * 100 + k);
      const x = torch.randn([b, cIn, t]).requiresGrad_(true);
      const w = torch.randn([cIn, cOut, k]).requiresGrad_(true);
      const bias = torch.randn([cOut]).requiresGrad_(true);
      const ref = aten.conv_transpose1d(x, w, bias, s, p, op, 1, 1);
      const y = torch.F.convTranspose1d(x, w, bias, { stride: s, padding: p, outputPadding: op });
      assert.deepEqual(y.shape, ref.shape);
      assert.deepEqual(y.shape, [b, cOut, (t - 1) * s - 2 * p + k + op]);
      const scale = ref.abs().max().item() as number;
      assert.ok(maxAbsDiff(y, ref) <= 1e-5 * scale, `values differ by ${maxAbsDiff(y, ref)}`);
      const g = torch.randn(ref.shape);
      const [gx, gw, gb] = torch.grad(ref, [x, w, bias], { gradOutputs: [g] }) as Tensor[];
      const [hx, hw, hb] = torch.grad(y, [x, w, bias], { gradOutputs: [g] }) as Tensor[];
      for (const [name, mine, theirs] of [
        ['input', hx, gx],
        ['weight', hw, gw],
        ['bias', hb, gb],
      ] as const) {
        const tol = 1e-5 * (theirs.abs().max().item() as number);
        assert.ok(maxAbsDiff(mine, theirs) <= tol, `${name} gradients differ by ${maxAbsDiff(mine, theirs)}`);
      }
    });
  });
}

test('convTranspose1d of a zero input is the bias at every sample', () => {
  torch.tidy(() => {
    const bias = torch.tensor([0.5, -2]);
    const y = torch.F.convTranspose1d(torch.zeros([1, 3, 4]), torch.randn([3, 2, 16]), bias, {
      stride: 8,
      padding: 4,
    });
    assert.deepEqual(y.shape, [1, 2, 32]);
    assert.equal(maxAbsDiff(y, bias.view(1, 2, 1).expand([1, 2, 32])), 0);
  });
});
