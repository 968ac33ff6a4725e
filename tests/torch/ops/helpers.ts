// Shared helpers of the op tests: fixtures written by scripts/fixtures/make_op_fixtures.py (PyTorch 1.13 on
// the same libtorch) and element-wise comparisons.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';

export type JsonNumber = number | 'nan' | 'inf' | '-inf';

export interface JsonTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: JsonNumber[];
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join('tests/fixtures/ops', name), 'utf8')) as T;
}

function num(v: JsonNumber): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return v;
}

/** The values of a fixture tensor as float64 numbers. */
export function jsonValues(t: JsonTensor): number[] {
  return t.data.map(num);
}

export function fromJson(t: JsonTensor): Tensor {
  const values = jsonValues(t);
  switch (t.dtype) {
    case 'int64':
      return torch.tensor(
        BigInt64Array.from(values, (v) => BigInt(v)),
        { shape: t.shape },
      );
    case 'bool':
      return torch.tensor(Uint8Array.from(values), { shape: t.shape, dtype: 'bool' });
    case 'float64':
      return torch.tensor(Float64Array.from(values), { shape: t.shape });
    default:
      return torch.tensor(Float32Array.from(values), { shape: t.shape });
  }
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Compared result: the largest error and whether every element has the same bits (NaN = NaN). */
export interface Diff {
  maxAbs: number;
  exact: boolean;
}

/**
 * Asserts `actual` matches the fixture: same shape, same dtype, integer/bool values equal, floating values
 * within atol + rtol * |expected| (NaN where NaN, infinities equal). Returns the largest difference.
 */
export function assertMatches(actual: Tensor, expected: JsonTensor, tol: Tolerance, what: string): Diff {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const a = actual.toArray();
  // float32 fixtures hold the shortest decimal of each value: round it back to the float32 it stands for
  const e = expected.dtype === 'float32' ? jsonValues(expected).map(Math.fround) : jsonValues(expected);
  let maxAbs = 0;
  let exact = true;
  const integral = expected.dtype === 'int64' || expected.dtype === 'bool';
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${what}[${i}]: expected NaN, got ${x}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      assert.equal(x, y, `${what}[${i}]`);
      continue;
    }
    if (x !== y) exact = false;
    const d = Math.abs(x - y);
    if (d > maxAbs) maxAbs = d;
    if (integral) assert.equal(x, y, `${what}[${i}]: expected ${y}, got ${x}`);
    else
      assert.ok(
        d <= tol.atol + tol.rtol * Math.abs(y),
        `${what}[${i}]: expected ${y}, got ${x} (|diff| ${d})`,
      );
  }
  return { maxAbs, exact };
}
