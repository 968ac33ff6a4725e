// Random streams: after manualSeed(s), ribbit's rand/randn/randint/randperm/multinomial/normal_/uniform_/
// bernoulli give EXACTLY the values PyTorch 1.13 gives on CPU after torch.manual_seed(s) (same libtorch
// generator, same kernels). Fixtures: tests/fixtures/ops/random.json (scripts/fixtures/make_op_fixtures.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import { fixture, type JsonTensor, jsonValues } from './helpers.ts';

const expected = fixture<Record<string, JsonTensor>>('random.json');

const draws: Record<string, [number, () => Tensor]> = {
  rand: [0, () => torch.rand([3, 5])],
  rand_f64: [1, () => torch.rand([7], { dtype: 'float64' })],
  randn: [42, () => torch.randn([4, 6])],
  randn_large: [7, () => torch.randn([40])],
  randn_f64: [3, () => torch.randn([5], { dtype: 'float64' })],
  randint: [5, () => torch.randint(0, 10, [12])],
  randint_neg: [6, () => torch.randint(-100, 100, [3, 4])],
  randperm: [8, () => torch.randperm(20)],
  multinomial: [
    9,
    () =>
      torch.multinomial(
        torch.tensor([
          [0.1, 0.2, 0.3, 0.4],
          [0.5, 0.0, 0.25, 0.25],
        ]),
        2,
      ),
  ],
  multinomial_replace: [10, () => torch.multinomial(torch.tensor([0.1, 0.6, 0.3]), 8, true)],
  sequence: [11, () => torch.cat([torch.rand([3]), torch.randn([3]), torch.randint(0, 5, [3]).float()])],
  normal_: [12, () => torch.empty([6]).normal_(2.0, 0.5)],
  uniform_: [13, () => torch.empty([6]).uniform_(-1, 1)],
  bernoulli: [14, () => torch.bernoulli(torch.full([10], 0.3))],
};

test('every random fixture has a draw here and vice versa', () => {
  assert.deepEqual(Object.keys(draws).sort(), Object.keys(expected).sort());
});

for (const [name, [seed, draw]] of Object.entries(draws)) {
  test(`manualSeed(${seed}) then ${name} gives exactly PyTorch's values`, () => {
    torch.tidy(() => {
      torch.manualSeed(seed);
      const t = draw();
      const e = expected[name];
      assert.deepEqual(t.shape, e.shape);
      assert.equal(t.dtype, e.dtype);
      const want = e.dtype === 'float32' ? jsonValues(e).map(Math.fround) : jsonValues(e);
      assert.deepEqual(t.toArray(), want);
    });
  });
}

test('the same seed gives the same stream twice; getRngState/setRngState resume it', () => {
  torch.tidy(() => {
    torch.manualSeed(123);
    const a = torch.randn([8]).toArray();
    torch.manualSeed(123);
    const b = torch.randn([8]).toArray();
    assert.deepEqual(a, b);
    const state = torch.getRngState();
    const c = torch.rand([5]).toArray();
    torch.rand([3]);
    torch.setRngState(state);
    assert.deepEqual(torch.rand([5]).toArray(), c);
  });
});
