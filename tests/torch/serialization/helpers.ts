// Shared helpers for the serialization tests: exact comparison of RawTensors with expected JSON values.
import assert from 'node:assert/strict';
import { type RawTensor, rawTensorValues } from '../../../src/torch/serialization/raw.ts';

/** Expected tensor as written by scripts/fixtures/make_pth_fixtures.py. */
export interface ExpectedTensor {
  dtype: string;
  shape: number[];
  values: (number | string | boolean)[];
}

function decodeExpected(v: number | string | boolean): number | string | boolean {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return v;
}

/** Asserts that `t` has exactly the dtype, shape and element values of `exp` (bitwise for floats, incl. -0). */
export function assertTensorEquals(t: RawTensor | undefined, exp: ExpectedTensor, what: string): void {
  assert.ok(t, `${what}: missing`);
  assert.equal(t.dtype, exp.dtype, `${what}: dtype`);
  assert.deepEqual(t.shape, exp.shape, `${what}: shape`);
  const values = rawTensorValues(t);
  assert.equal(values.length, exp.values.length, `${what}: element count`);
  for (let i = 0; i < values.length; i++) {
    const got = values[i]!;
    const want = decodeExpected(exp.values[i]!);
    if (t.dtype === 'int64') assert.equal(String(got), want, `${what}[${i}]`);
    else if (t.dtype === 'bool') assert.equal(got !== 0, want, `${what}[${i}]`);
    else assert.ok(Object.is(got, want), `${what}[${i}]: got ${String(got)}, want ${String(want)}`);
  }
}
