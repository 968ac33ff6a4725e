// What the addon reports to V8 as external memory (native/ribbit.cc, src/torch/scope.ts): only storage a
// handle owns, once (not views, not in-place results), and nothing for tensors a tidy() scope frees, until
// they outlive their scopes (returned to the top level or keep()-ed). V8 schedules full collections by these
// figures: reporting scoped tensors and views made it run ~20 per Glow-TTS training step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HANDLE } from '../../src/torch/dispatch.ts';
import * as torch from '../../src/torch/index.ts';
import { native } from '../../src/torch/native.ts';

const reported = (t: torch.Tensor) => native.reportedBytes(t[HANDLE]);

test('outside scopes: a fresh tensor reports its storage, its views and in-place results report nothing', () => {
  const t = torch.zeros([16, 32]); // 2 KB float32
  assert.equal(reported(t), 16 * 32 * 4);
  const v = t.view([32, 16]);
  const s = t.select(0, 3);
  assert.equal(reported(v), 0);
  assert.equal(reported(s), 0);
  const r = torch.aten.add__Scalar(t, 1); // the extra handle an in-place op returns
  assert.equal(reported(r), 0);
  const c = t.contiguous(); // aliases t (already contiguous)
  assert.equal(reported(c), 0);
  const copy = t.transpose(0, 1).contiguous(); // a copy: owns its storage
  assert.equal(reported(copy), 16 * 32 * 4);
  for (const x of [r, c, s, v, copy, t]) x.dispose();
  assert.equal(reported(t), 0, 'disposed: nothing reported');
});

test("a parameter's .grad handle reports nothing (the parameter holds it); a loaded tensor reports", () => {
  const w = torch.ones([64], { requiresGrad: true });
  torch.tidy(() => w.mul(2).sum().backward());
  const g = w.grad as torch.Tensor;
  assert.equal(reported(g), 0);
  const loaded = torch.tensor(new Float32Array(10));
  assert.equal(reported(loaded), 10 * 4);
  const [a, b] = torch.aten.split_Tensor(torch.arange(8).float(), 4); // views of a temporary
  assert.equal(reported(a) + reported(b), 0);
  for (const x of [g, w, loaded, a, b]) x.dispose();
});

test('inside tidy nothing is reported; survivors at the top level and kept tensors are', () => {
  let kept: torch.Tensor | null = null;
  let inner: torch.Tensor | null = null;
  const out = torch.tidy(() => {
    const a = torch.ones([8, 8]);
    assert.equal(reported(a), 0);
    kept = torch.keep(torch.ones([4]));
    assert.equal(reported(kept), 4 * 4, 'keep(): outlives the scope');
    const mid = torch.tidy(() => a.mul(2)); // returned to the enclosing scope: still scoped
    inner = mid;
    assert.equal(reported(mid), 0);
    return mid.add(1);
  });
  assert.equal(reported(out), 8 * 8 * 4, 'returned to the top level: the garbage collector owns it');
  assert.equal((inner as unknown as torch.Tensor).isDisposed, true);
  const after = torch.ones([2]);
  assert.equal(reported(after), 2 * 4, 'scopes closed: new tensors report again');
  for (const x of [out, kept as unknown as torch.Tensor, after]) x.dispose();
});

test('a scope that throws closes too: tensors made after it report', () => {
  assert.throws(() =>
    torch.tidy(() => {
      torch.ones([3]);
      throw new Error('boom');
    }),
  );
  const t = torch.ones([3]);
  assert.equal(reported(t), 3 * 4);
  t.dispose();
});
