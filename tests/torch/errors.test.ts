// Bad input: every mistake below must surface as a JS Error whose message names the op and describes the
// inputs (shapes, dtypes), and the process must go on (no abort from a C++ exception).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.ts';

const { F, op, aten } = torch;
const long = (values: number[], shape?: number[]) =>
  torch.tensor(
    BigInt64Array.from(values, (v) => BigInt(v)),
    shape ? { shape } : {},
  );

/** [what, call, pattern the message must match] */
const bad: [string, () => unknown, RegExp][] = [
  [
    'wrong dtype (float index)',
    () => torch.ones([2, 2]).indexSelect(0, torch.ones([1])),
    /aten::index_select failed: .*int32 or int64.*\[inputs: self=\[2, 2\] Float, dim=0, index=\[1\] Float\]/,
  ],
  [
    'mixed dtypes in matmul',
    () => torch.ones([2]).matmul(torch.ones([2], { dtype: 'int64' })),
    /aten::matmul failed: .*Float and Long.*\[inputs: self=\[2\] Float, other=\[2\] Long\]/,
  ],
  [
    'mismatched shapes (broadcast)',
    () => torch.ones([2, 3]).add(torch.ones([4])),
    /aten::add\.Tensor failed: The size of tensor a \(3\) must match the size of tensor b \(4\).*self=\[2, 3\] Float, other=\[4\] Float/,
  ],
  [
    'mismatched shapes (matmul)',
    () => torch.ones([2, 3]).matmul(torch.ones([4, 5])),
    /aten::matmul failed: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/,
  ],
  [
    'conv channels',
    () => F.conv1d(torch.ones([1, 3, 5]), torch.ones([4, 2, 3])),
    /aten::conv1d failed: .*channels.*input=\[1, 3, 5\] Float, weight=\[4, 2, 3\] Float/,
  ],
  [
    'bad view',
    () => torch.ones([2, 3]).view(4, 2),
    /aten::view failed: shape '\[4, 2\]' is invalid.*self=\[2, 3\]/,
  ],
  [
    'indexSelect out of range',
    () => torch.ones([3, 2]).indexSelect(0, long([5])),
    /aten::index_select failed: index out of range.*self=\[3, 2\] Float, dim=0, index=\[1\] Long/,
  ],
  [
    'gather out of range',
    () => torch.ones([3, 2]).gather(1, long([7, 0], [1, 2])),
    /aten::gather failed: index 7 is out of bounds.*self=\[3, 2\] Float, dim=1, index=\[1, 2\] Long/,
  ],
  [
    'embedding out of range',
    () => F.embedding(long([9]), torch.ones([4, 2])),
    /aten::embedding failed: index out of range.*weight=\[4, 2\] Float, indices=\[1\] Long/,
  ],
  [
    'disposed tensor as self',
    () => {
      const t = torch.ones([2]);
      t.dispose();
      return t.add(1);
    },
    /aten::add\.Scalar argument 'self': the tensor was disposed and cannot be used again \[inputs: self=<disposed>/,
  ],
  [
    'disposed tensor as other',
    () => {
      const t = torch.ones([2]);
      t.dispose();
      return torch.ones([2]).mul(t);
    },
    /aten::mul\.Tensor argument 'other': the tensor was disposed.*self=\[2\] Float, other=<disposed>/,
  ],
  [
    'disposed tensor read',
    () => {
      const t = torch.ones([2]);
      t.dispose();
      return t.toArray();
    },
    /disposed/,
  ],
  [
    'string for a tensor',
    () => aten.add_Tensor('x' as never, torch.ones([1])),
    /aten::add\.Tensor argument 'self': expected a tensor handle \[inputs: self='x', other=\[1\] Float\]/,
  ],
  [
    'string for a scalar',
    () => torch.ones([1]).add('x' as never),
    /aten::add\.Scalar argument 'other': expected a number or boolean, got 'x'.*self=\[1\] Float/,
  ],
  [
    'fractional int argument',
    () => torch.ones([2, 3]).sum(1.5),
    /aten::sum\.dim_IntList argument 'dim': expected an integer, got 1\.5 \[inputs: self=\[2, 3\] Float/,
  ],
  [
    'too many arguments',
    () => op('aten::relu')(torch.ones([1]), 1, 2),
    /aten::relu takes 1 arguments, got 3 \[inputs: \[1\] Float, 1, 2\]/,
  ],
  [
    'missing required argument',
    () => op('aten::add.Tensor')(torch.ones([1])),
    /aten::add\.Tensor argument 'other' is required/,
  ],
  ['unknown op', () => op('aten::frobnicate')(torch.ones([1])), /no ATen operator named 'aten::frobnicate'/],
  [
    'unknown overload',
    () => op('aten::add.Bogus')(torch.ones([1])),
    /no ATen operator named 'aten::add\.Bogus'/,
  ],
  ['item of many', () => torch.ones([3]).item(), /item failed: .*\[self=\[3\] Float\]/],
  [
    'backward of a non-scalar',
    () => torch.ones([3], { requiresGrad: true }).mul(2).backward(),
    /backward failed: grad can be implicitly created only for scalar outputs \[tensors: \[3\] Float\]/,
  ],
];

for (const [what, call, pattern] of bad) {
  test(`bad input: ${what}`, () => {
    assert.throws(call, (err: unknown) => {
      assert.ok(err instanceof Error, 'a JS Error');
      assert.match(err.message, pattern);
      // the C++ backtrace of c10 errors is not part of the message
      assert.doesNotMatch(err.message, /Exception raised from|frame #/);
      return true;
    });
  });
}

test('the engine works normally after errors', () => {
  for (const [, call] of bad) assert.throws(call);
  assert.deepEqual(torch.ones([2]).add(1).toArray(), [2, 2]);
  assert.equal(torch.scopeDepth(), 0);
});

test('a child process catching engine errors exits normally (no abort)', () => {
  const script = `
    import * as torch from './src/torch/index.ts';
    let caught = 0;
    const tries = [
      () => torch.ones([2, 3]).add(torch.ones([4])),
      () => torch.ones([3, 2]).indexSelect(0, torch.tensor(new BigInt64Array([5n]))),
      () => torch.F.embedding(torch.tensor(new BigInt64Array([-9n])), torch.ones([4, 2])),
      () => { const t = torch.ones([2]); t.dispose(); t.add(1); },
      () => torch.op('aten::nope')(),
      () => torch.ones([1]).matmul(torch.ones([2, 2])),
    ];
    for (const f of tries) { try { f(); } catch (e) { if (e instanceof Error) caught++; } }
    console.log('caught', caught);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: process.cwd(),
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /caught 6/);
});
