// F.dropout in training mode: PyTorch's distribution (each element zeroed with probability p, the rest scaled so
// that E[output] = input), drawn four elements per 64-bit draw of this thread's generator (src/torch/functional.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../../src/torch/index.ts';

const F = torch.F;

test('dropout keeps 1 - p of the elements in every lane of a draw, scales them by 1/keep, and is unbiased', () => {
  torch.manualSeed(3);
  const n = 400_003; // not a multiple of 4: the last draw is cut
  for (const p of [0.05, 0.1, 0.5, 0.9]) {
    torch.tidy(() => {
      const x = torch.ones([n]);
      const y = F.dropout(x, p, true);
      assert.deepEqual(y.shape, [n]);
      const v = y.toFloat32Array();
      const keep = Math.round((1 - p) * 65536) / 65536;
      const kept = [0, 0, 0, 0];
      const count = [0, 0, 0, 0];
      let sum = 0;
      for (let i = 0; i < n; i++) {
        count[i % 4]++;
        sum += v[i];
        if (v[i] !== 0) {
          kept[i % 4]++;
          assert.ok(Math.abs(v[i] - 1 / keep) < 1e-6, `kept values are 1/keep, got ${v[i]}`);
        }
      }
      // binomial: 5 standard deviations of the kept fraction of ~100k elements
      for (let lane = 0; lane < 4; lane++) {
        const sd = Math.sqrt((keep * (1 - keep)) / count[lane]);
        const frac = kept[lane] / count[lane];
        assert.ok(Math.abs(frac - keep) < 5 * sd, `p ${p} lane ${lane}: kept ${frac}, expected ${keep}`);
      }
      const sdMean = Math.sqrt((1 - keep) / keep / n);
      assert.ok(Math.abs(sum / n - 1) < 5 * sdMean, `p ${p}: mean ${sum / n}`);
    });
  }
});

test('dropout: the gradient is the mask times the scale; the same seed gives the same mask; eval is identity', () => {
  const x0 = torch.randn([4, 64, 50]);
  const run = () =>
    torch.tidy(() => {
      torch.manualSeed(11);
      const x = x0.clone().requiresGrad_(true);
      const y = F.dropout(x, 0.2, true);
      y.sum().backward();
      return { y: y.toFloat32Array(), g: (x.grad as torch.Tensor).toFloat32Array() };
    });
  const a = run();
  const b = run();
  assert.deepEqual(a.y, b.y, 'same seed, same mask');
  const x = x0.toFloat32Array();
  let dropped = 0;
  for (let i = 0; i < x.length; i++) {
    const scale = a.g[i];
    if (scale === 0) {
      dropped++;
      assert.ok(a.y[i] === 0, 'dropped: zero (or -0, as in PyTorch)');
    } else {
      assert.ok(Math.abs(scale - 65536 / Math.round(0.8 * 65536)) < 1e-6, `gradient ${scale}`);
      assert.ok(Math.abs(a.y[i] - x[i] * scale) < 1e-5);
    }
  }
  assert.ok(dropped > 0.15 * x.length && dropped < 0.25 * x.length, `${dropped} of ${x.length} dropped`);
  torch.tidy(() => {
    torch.manualSeed(12);
    const c = F.dropout(x0, 0.2, true).toFloat32Array();
    assert.notDeepEqual(c, a.y, 'another seed, another mask');
    assert.deepEqual(F.dropout(x0, 0.2, false).toFloat32Array(), x, 'eval mode');
  });
});

test('dropout edge cases: p 1 zeroes, float64 stays float64, empty tensors pass', () => {
  torch.tidy(() => {
    const x = torch.randn([3, 5], { dtype: 'float64' });
    const y = F.dropout(x, 0.3, true);
    assert.equal(y.dtype, 'float64');
    assert.deepEqual(y.shape, [3, 5]);
    assert.equal(F.dropout(x, 1, true).abs().sum().item(), 0);
    assert.deepEqual(F.dropout(torch.zeros([0, 4]), 0.5, true).shape, [0, 4]);
    assert.throws(() => F.dropout(x, 1.5, true), /dropout/);
  });
});
