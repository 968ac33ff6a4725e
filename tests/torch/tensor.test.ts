// Tensor basics: creation and data out for every dtype, metadata, printing, conversions, autograd basics,
// clipGradNorm against PyTorch, scopes (tidy/keep), thread settings.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { inspect } from 'node:util';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { fixture, fromJson, type JsonTensor, jsonValues } from './ops/helpers.ts';

// ----- creation and data out ----------------------------------------------------------------------------------

test('tensor() from nested arrays: shape, default dtypes, values back', () => {
  const t = torch.tensor([
    [1, 2, 3],
    [4, 5, 6.5],
  ]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.ndim, 2);
  assert.equal(t.numel, 6);
  assert.equal(t.size(-1), 3);
  assert.deepEqual(t.toList(), [
    [1, 2, 3],
    [4, 5, 6.5],
  ]);
  assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6.5]);
  const b = torch.tensor([true, false, true]);
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.toList(), [true, false, true]);
  const s = torch.tensor(3.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3.5);
  assert.equal(s.toList(), 3.5);
  assert.equal(torch.tensor([[[7]]], { dtype: 'int32' }).item(), 7);
  assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged/);
});

test('typed arrays of every dtype round-trip through dataSync with the same bytes', () => {
  const cases: [torch.DType, ArrayLike<number | bigint> & ArrayBufferView][] = [
    ['float32', new Float32Array([1.5, -2.25, 3e-8, Number.POSITIVE_INFINITY])],
    ['float64', new Float64Array([Math.PI, -1e300, 5e-324, Number.NEGATIVE_INFINITY])],
    ['int64', new BigInt64Array([0n, -1n, 9007199254740993n, -(2n ** 63n)])],
    ['int32', new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)])],
    ['int16', new Int16Array([0, -1, 32767, -32768])],
    ['int8', new Int8Array([0, -1, 127, -128])],
    ['uint8', new Uint8Array([0, 1, 128, 255])],
    // float16: 1.0, -2.0, 65504 (max), a subnormal; bfloat16: 1.0, -2.0, 3.0e38-ish, NaN
    ['float16', new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001])],
    ['bfloat16', new Uint16Array([0x3f80, 0xc000, 0x7f7f, 0x7fc0])],
  ];
  for (const [dtype, data] of cases) {
    torch.tidy(() => {
      const t = torch.tensor(data as never, { dtype, shape: [2, 2] });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [2, 2]);
      const back = t.dataSync();
      assert.equal(back.constructor, data.constructor, dtype);
      assert.deepEqual(
        new Uint8Array(back.buffer, back.byteOffset, back.byteLength),
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        dtype,
      );
      assert.deepEqual(torch.toBytes(t), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
  }
  // half-precision values as numbers
  assert.deepEqual(
    torch.tensor(new Uint16Array([0x3c00, 0xc000, 0x7bff]), { dtype: 'float16' }).toArray(),
    [1, -2, 65504],
  );
  const bf = torch.tensor(new Uint16Array([0x3f80, 0x4049]), { dtype: 'bfloat16' }).toArray();
  assert.deepEqual(bf, [1, 3.140625]);
  // int64 beyond 2^53 survives as BigInt
  const big = torch.tensor(new BigInt64Array([2n ** 62n + 1n]));
  assert.equal(big.dtype, 'int64');
  assert.equal((big.dataSync() as BigInt64Array)[0], 2n ** 62n + 1n);
  // bool from Uint8Array
  assert.deepEqual(torch.tensor(new Uint8Array([1, 0]), { dtype: 'bool' }).toList(), [true, false]);
});

test('a typed array converted to another dtype on creation', () => {
  const t = torch.tensor(new Float64Array([1.7, -2.2]), { dtype: 'float32' });
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.toArray(), [Math.fround(1.7), Math.fround(-2.2)]);
  assert.equal(torch.tensor(new Int32Array([3, 4]), { dtype: 'int64' }).dtype, 'int64');
});

test('fromBytes checks the byte count', () => {
  const bytes = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
  assert.deepEqual(torch.fromBytes(bytes, [3], 'float32').toArray(), [1, 2, 3]);
  assert.throws(() => torch.fromBytes(bytes, [2, 2], 'float32'), /needs 16 bytes, got 12/);
});

test('creation helpers', () => {
  assert.deepEqual(torch.zeros([2]).toArray(), [0, 0]);
  assert.deepEqual(torch.ones([2], { dtype: 'int64' }).toArray(), [1, 1]);
  assert.deepEqual(torch.full([2], 7).toArray(), [7, 7]);
  assert.equal(torch.full([1], true).dtype, 'bool');
  assert.deepEqual(torch.arange(4).toArray(), [0, 1, 2, 3]);
  assert.equal(torch.arange(4).dtype, 'int64');
  assert.deepEqual(torch.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(torch.linspace(0, 1, 3).toArray(), [0, 0.5, 1]);
  assert.deepEqual(torch.eye(2).toList(), [
    [1, 0],
    [0, 1],
  ]);
  assert.deepEqual(torch.zerosLike(torch.ones([2, 1], { dtype: 'float64' })).dtype, 'float64');
  assert.equal(torch.scalarTensor(2).ndim, 0);
  assert.equal(torch.empty([3, 0]).numel, 0);
  assert.deepEqual(torch.empty([3, 0]).toArray(), []);
});

test('printing', () => {
  assert.equal(
    torch
      .tensor([
        [1, 2],
        [3, 4],
      ])
      .toString(),
    'Tensor([[1,2],[3,4]], shape=[2, 2], dtype=float32)',
  );
  assert.equal(torch.tensor(2, { dtype: 'int64' }).toString(), 'Tensor(2, shape=[], dtype=int64)');
  assert.equal(torch.zeros([100]).toString(), 'Tensor(shape=[100], dtype=float32)');
  assert.match(torch.ones([1], { requiresGrad: true }).toString(), /requiresGrad/);
  const d = torch.ones([1]);
  d.dispose();
  assert.equal(d.toString(), 'Tensor(<disposed>)');
  assert.equal(inspect(torch.tensor([true])), 'Tensor([true], shape=[1], dtype=bool)');
});

test('to() conversions between dtypes', () => {
  const x = torch.tensor([-1.7, 0.2, 2.9]);
  assert.deepEqual(x.to('int64').toArray(), [-1, 0, 2]); // truncation, as PyTorch
  assert.deepEqual(x.to('int32').toArray(), [-1, 0, 2]);
  assert.deepEqual(x.bool().toArray(), [1, 1, 1]);
  assert.deepEqual(x.double().toArray(), Array.from(new Float32Array([-1.7, 0.2, 2.9])));
  assert.equal(x.to('float16').dtype, 'float16');
  assert.deepEqual(torch.tensor([1.5, -2]).to('float16').toArray(), [1.5, -2]);
  assert.deepEqual(torch.tensor([1.5, -2]).to('bfloat16').float().toArray(), [1.5, -2]);
  assert.deepEqual(torch.tensor([0, 3], { dtype: 'int64' }).float().toArray(), [0, 3]);
  // same dtype without copy: same storage; with copy: a new one
  const same = x.to('float32');
  same.add_(1);
  assert.deepEqual(
    x.toArray(),
    Array.from(new Float32Array([-1.7, 0.2, 2.9]), (v) => Math.fround(v + 1)),
  );
  const copy = x.to('float32', { copy: true });
  copy.add_(1);
  assert.notDeepEqual(x.toArray(), copy.toArray());
  assert.equal(x.to('cpu').device, 'cpu');
});

// ----- autograd -----------------------------------------------------------------------------------------------

test('backward with an explicit gradient, accumulation, zeroing, leaves and gradFn', () => {
  const x = torch.tensor([1, 2, 3], { requiresGrad: true });
  assert.ok(x.isLeaf);
  assert.equal(x.gradFn, null);
  const y = x.mul(x); // dy/dx = 2x
  assert.ok(!y.isLeaf);
  assert.equal(y.gradFn, 'MulBackward0');
  y.backward(torch.tensor([1, 0.5, 2]));
  assert.deepEqual(x.grad?.toArray(), [2, 2, 12]);
  // a second backward adds to .grad
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [5, 5, 15]);
  // zeroing as optimizers do
  x.grad = null;
  assert.equal(x.grad, null);
  x.sum().backward();
  assert.deepEqual((x.grad as Tensor | null)?.toArray(), [1, 1, 1]);
  // assigning a gradient
  x.grad = torch.tensor([9, 9, 9]);
  assert.deepEqual((x.grad as Tensor | null)?.toArray(), [9, 9, 9]);
  // non-scalar backward without a gradient is an error
  assert.throws(
    () => x.mul(2).backward(),
    /backward failed: grad can be implicitly created only for scalar outputs/,
  );
});

test('retainGraph lets backward run twice', () => {
  const x = torch.tensor([2], { requiresGrad: true });
  const y = x.pow(3);
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.deepEqual(x.grad?.toArray(), [24]);
});

test('detach, noGrad, enableGrad, requiresGrad', () => {
  const x = torch.ones([2], { requiresGrad: true });
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  d.add_(1); // shares memory
  assert.deepEqual(x.toArray(), [2, 2]);
  const n = torch.noGrad(() => {
    assert.equal(torch.isGradEnabled(), false);
    const inner = torch.enableGrad(() => x.mul(2));
    assert.equal(inner.requiresGrad, true);
    return x.mul(2);
  });
  assert.equal(n.requiresGrad, false);
  assert.equal(torch.isGradEnabled(), true);
  // noGrad restores the mode even when fn throws
  assert.throws(() =>
    torch.noGrad(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(torch.isGradEnabled(), true);
  const y = torch.zeros([1]);
  y.requiresGrad = true;
  assert.equal(y.requiresGrad, true);
});

test('grad() returns gradients without touching .grad; createGraph gives second derivatives', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  const w = torch.tensor([3, 4], { requiresGrad: true });
  const unused = torch.tensor([0], { requiresGrad: true });
  const y = x.mul(w).sum();
  const [gx, gw, gu] = torch.grad(y, [x, w, unused], { allowUnused: true, retainGraph: true });
  assert.deepEqual(gx?.toArray(), [3, 4]);
  assert.deepEqual(gw?.toArray(), [1, 2]);
  assert.equal(gu, null);
  assert.equal(x.grad, null);
  assert.throws(() => torch.grad(y, [unused]), /grad failed/);
  const z = x.pow(3).sum();
  const [dz] = torch.grad(z, [x], { createGraph: true });
  const [d2z] = torch.grad((dz as Tensor).sum(), [x]);
  assert.deepEqual(d2z?.toArray(), [6, 12]); // 6x
});

test('clipGradNorm matches torch.nn.utils.clip_grad_norm_ (fixture)', () => {
  interface Clip {
    maxNorm: number;
    normType: number | 'inf';
    total: number;
    clipped: JsonTensor[];
  }
  const fx = fixture<Record<string, unknown>>('clip.json');
  const grads = fx.grads as JsonTensor[];
  for (const name of ['l2', 'l1', 'inf', 'big']) {
    const c = fx[name] as Clip;
    torch.tidy(() => {
      const params = grads.map((g) => torch.zeros(g.shape).requiresGrad_());
      params.forEach((p, i) => {
        p.grad = fromJson(grads[i]);
      });
      const normType = c.normType === 'inf' ? Number.POSITIVE_INFINITY : c.normType;
      const total = torch.clipGradNorm(params, c.maxNorm, normType);
      assert.ok(Math.abs(total - c.total) <= 1e-6 * c.total, `${name}: total ${total} vs ${c.total}`);
      params.forEach((p, i) => {
        const got = (p.grad as Tensor).toArray();
        const want = jsonValues(c.clipped[i]).map(Math.fround);
        got.forEach((v, k) => {
          assert.ok(
            Math.abs(v - want[k]) <= 1e-6 * Math.abs(want[k]) + 1e-7,
            `${name}[${i}][${k}]: ${v} vs ${want[k]}`,
          );
        });
      });
    });
  }
  assert.equal(torch.clipGradNorm([torch.zeros([2], { requiresGrad: true })], 1), 0);
});

// ----- scopes -------------------------------------------------------------------------------------------------

test('tidy disposes intermediates and keeps what it returns (nested in arrays, objects, Maps)', () => {
  const outer = torch.ones([2]);
  let inter: Tensor | undefined;
  const result = torch.tidy(() => {
    inter = outer.add(1);
    const a = inter.mul(2);
    const b = inter.mul(3);
    const c = inter.mul(4);
    const d = inter.mul(5);
    return { a, list: [b, { c }], map: new Map([['d', d]]), n: 1 };
  });
  assert.ok(inter?.isDisposed);
  assert.ok(!outer.isDisposed);
  assert.deepEqual(result.a.toArray(), [4, 4]);
  assert.deepEqual((result.list[0] as Tensor).toArray(), [6, 6]);
  assert.deepEqual((result.list[1] as { c: Tensor }).c.toArray(), [8, 8]);
  assert.deepEqual(result.map.get('d')?.toArray(), [10, 10]);
  assert.equal(torch.scopeDepth(), 0);
});

test('nested tidy moves results to the enclosing scope, which then disposes them', () => {
  let inner: Tensor | undefined;
  torch.tidy(() => {
    inner = torch.tidy(() => torch.ones([1]).add(1));
    assert.ok(!inner.isDisposed);
    return null;
  });
  assert.ok(inner?.isDisposed);
});

test('keep() protects a tensor from every scope', () => {
  let kept: Tensor | undefined;
  let dropped: Tensor | undefined;
  torch.tidy(() => {
    kept = torch.keep(torch.zeros([3]));
    dropped = torch.zeros([3]);
  });
  assert.ok(!kept?.isDisposed);
  assert.ok(dropped?.isDisposed);
  assert.equal(kept?.kept, true);
});

test('an error inside tidy still disposes the scope and closes it', () => {
  let made: Tensor | undefined;
  assert.throws(
    () =>
      torch.tidy(() => {
        made = torch.ones([4]).mul(2);
        throw new Error('inside');
      }),
    /inside/,
  );
  assert.ok(made?.isDisposed);
  assert.equal(torch.scopeDepth(), 0);
  assert.throws(() => torch.tidy((async () => torch.ones([1])) as never), /synchronous/);
  assert.equal(torch.scopeDepth(), 0);
});

test('dispose is idempotent and a disposed tensor reports it', () => {
  const t = torch.ones([2]);
  assert.equal(t.isDisposed, false);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
});

// ----- threads ------------------------------------------------------------------------------------------------

test('threads: default is availableParallelism() (or RIBBIT_NUM_THREADS); setNumThreads changes it', () => {
  const env = Number.parseInt(process.env.RIBBIT_NUM_THREADS ?? '', 10);
  const want = Number.isFinite(env) && env > 0 ? env : availableParallelism();
  const before = torch.getNumThreads();
  assert.equal(before, want);
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
  assert.equal(torch.getNumThreads(), before);
  assert.throws(() => torch.setNumThreads(0), RangeError);
  assert.throws(() => torch.setNumThreads(1.5), RangeError);
});

test('version and CUDA presence', () => {
  assert.match(torch.torchVersion(), /^1\.13/);
  assert.equal(torch.cudaIsAvailable(), torch.cudaDeviceCount() > 0);
});
