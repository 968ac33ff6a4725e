// Shared helpers of the nn tests: JSON fixtures (scripts/fixtures/make_nn_fixtures.py) and comparisons.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';

export interface JsonTensor {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: number[];
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join('tests/fixtures/nn', name), 'utf8')) as T;
}

export function fromJson(t: JsonTensor): Tensor {
  if (t.dtype === 'int64')
    return torch.tensor(
      BigInt64Array.from(t.data, (v) => BigInt(v)),
      { shape: t.shape },
    );
  return torch.tensor(Float32Array.from(t.data), { shape: t.shape });
}

export function stateDictFromJson(sd: Record<string, JsonTensor>): Map<string, Tensor> {
  return new Map(Object.entries(sd).map(([k, v]) => [k, fromJson(v)]));
}

/** max |a - b| (shapes must be equal). */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  if (a.numel === 0) return 0;
  return torch.tidy(() => a.double().sub(b.double()).abs().max().item());
}

export function assertClose(actual: Tensor, expected: Tensor | JsonTensor, tol = 1e-5, what = ''): void {
  const e = expected instanceof torch.Tensor ? expected : fromJson(expected);
  const d = maxAbsDiff(actual, e);
  assert.ok(d <= tol, `${what}: max |diff| ${d} > ${tol}`);
}
