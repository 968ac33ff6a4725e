// Each optimizer against PyTorch 1.13 (tests/fixtures/optim/optimizers.json, scripts/fixtures/make_optim_fixtures.py).
//
// ribbit issues the same ATen ops in the same order as PyTorch's single-tensor path, on the same libtorch
// (1.13) CPU kernels, so the parameters are expected to be bit-identical; the assertion allows 1e-6
// relative (plus 1e-9 absolute for values near 0) as the brief asks, and a second assertion checks how many
// values are exactly PyTorch's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import { Adam, AdamW, CoquiRAdam, type Optimizer, RAdam, SGD } from '../../../src/torch/optim/index.ts';
import { fixture, freshGrads, initialParams, type JsonTensor, type Problem, setGrads } from './helpers.ts';

interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RAdam' | 'CoquiRAdam';
  kwargs: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  steps: { loss: number; grads: number[][]; params: number[][] }[];
}

const fx = fixture<{ problem: Problem; cases: Case[]; torch_version: string }>('optimizers.json');

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const camelKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

function build(c: Case, params: Tensor[]): Optimizer {
  const spec = c.groups
    ? c.groups.map((g) => ({ ...camelKeys(g), params: g.params.map((i) => params[i]) }))
    : params;
  const o = camelKeys(c.kwargs) as never;
  switch (c.optimizer) {
    case 'SGD':
      return new SGD(spec, o) as unknown as Optimizer;
    case 'Adam':
      return new Adam(spec, o) as unknown as Optimizer;
    case 'AdamW':
      return new AdamW(spec, o) as unknown as Optimizer;
    case 'RAdam':
      return new RAdam(spec, o) as unknown as Optimizer;
    case 'CoquiRAdam':
      return new CoquiRAdam(spec, o) as unknown as Optimizer;
  }
}

// chunkElements 4 splits each group into several chunks (W has 12 elements, b 3, c 4): same values.
for (const c of fx.cases)
  for (const chunk of [undefined, 4]) {
    test(`${c.name}: ${c.steps.length} steps match PyTorch ${fx.torch_version}${chunk ? ` (chunks of ${chunk})` : ''}`, () => {
      const params = initialParams(fx.problem);
      const opt = build(c, params);
      if (chunk !== undefined) opt.chunkElements = chunk;
      let maxRel = 0;
      let exact = 0;
      let total = 0;
      c.steps.forEach((expected, step) => {
        const loss = freshGrads(fx.problem, params);
        // the loss goes through a matmul, whose last bits depend on the BLAS libtorch loaded (reference BLAS
        // or OpenBLAS): 1e-5 relative; the step itself is fed PyTorch's own gradients, so the optimizer's
        // arithmetic is compared bit for bit whatever the BLAS
        assert.ok(
          Math.abs(loss - expected.loss) <= 1e-5 * Math.abs(expected.loss),
          `step ${step + 1}: loss ${loss}`,
        );
        setGrads(params, expected.grads);
        opt.step();
        params.forEach((p, i) => {
          const got = p.toFloat32Array();
          const want = expected.params[i];
          assert.equal(got.length, want.length);
          got.forEach((v, j) => {
            const w = want[j];
            const err = Math.abs(v - w);
            total += 1;
            if (err === 0) exact += 1;
            maxRel = Math.max(maxRel, err / Math.max(Math.abs(w), 1e-3));
            assert.ok(err <= 1e-6 * Math.abs(w) + 1e-9, `step ${step + 1} param ${i}[${j}]: ${v} vs ${w}`);
          });
        });
      });
      // Same kernels, same op order: every value is expected to be PyTorch's bit for bit.
      assert.equal(exact, total, `${exact}/${total} values bit-identical, max relative error ${maxRel}`);
      opt.dispose();
      for (const p of params) p.dispose();
    });
  }

test('fixture layout sanity: the first case starts from the fixture parameters', () => {
  const p0 = fx.problem.params as JsonTensor[];
  assert.deepEqual(
    p0.map((p) => p.shape),
    [[3, 4], [3], [2, 2]],
  );
});
