// Memory: a long training loop inside tidy() must not grow, and tensors that are never disposed must be
// reclaimed by the garbage collector (the addon reports each tensor's bytes to V8 as external memory).
//
// Both loops yield to the event loop now and then (every 100 steps / 10 tensors), as a training loop with a
// data loader does: Node 20's N-API runs the finalizers of collected externals from the event loop
// (SetImmediate), not inside the GC, so a loop that never yields keeps every collected handle (and, without
// dispose, its tensor memory) until it does. Measured without the yields: +75 MB of handle boxes over 19,000
// tidy steps (about 130 bytes per tensor created) and 8.3 GB RSS for the 2,000 undisposed 4 MB tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';

const { F } = torch;
const MB = 1024 * 1024;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('20,000 SGD steps of a small conv+linear model in tidy(): RSS stays flat', async () => {
  torch.manualSeed(0);
  const convW = torch.keep(torch.randn([8, 4, 3]).mul_(0.2).requiresGrad_());
  const convB = torch.keep(torch.zeros([8], { requiresGrad: true }));
  const linW = torch.keep(torch.randn([1, 8]).mul_(0.2).requiresGrad_());
  const linB = torch.keep(torch.zeros([1], { requiresGrad: true }));
  const params = [convW, convB, linW, linB];
  const x = torch.keep(torch.randn([4, 4, 16]));
  const y = torch.keep(torch.randn([4, 16, 1]));
  const step = (): number =>
    torch.tidy(() => {
      const h = F.relu(F.conv1d(x, convW, convB, { padding: 1 })); // [4, 8, 16]
      const out = F.linear(h.transpose(1, 2), linW, linB); // [4, 16, 1]
      const loss = F.mseLoss(out, y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          const g = p.grad as Tensor;
          p.sub_(g.mul(0.05));
          p.grad = null;
        }
      });
      return loss.item();
    });
  let first = 0;
  let rssWarm = 0;
  let last = 0;
  for (let i = 1; i <= 20000; i++) {
    last = step();
    if (i % 100 === 0) await turn();
    if (i === 1) first = last;
    if (i === 1000) {
      global.gc?.();
      rssWarm = process.memoryUsage.rss();
    }
  }
  global.gc?.();
  const rssEnd = process.memoryUsage.rss();
  const growth = (rssEnd - rssWarm) / MB;
  console.log(
    `tidy loop: RSS at step 1,000 ${(rssWarm / MB).toFixed(1)} MB, at 20,000 ${(rssEnd / MB).toFixed(1)} MB`,
  );
  assert.ok(last < first, `the model learns (loss ${first} -> ${last})`);
  assert.ok(growth < 30, `RSS grew by ${growth.toFixed(1)} MB over 19,000 steps`);
  for (const t of [...params, x, y]) assert.equal(t.isDisposed, false);
  for (const t of [...params, x, y]) t.dispose();
});

test('2,000 x 4 MB tensors never disposed: the GC reclaims them (RSS stays < 1 GB)', async () => {
  const before = process.memoryUsage.rss();
  let peak = before;
  let checksum = 0;
  for (let i = 0; i < 2000; i++) {
    const t = torch.full([1024, 1024], i); // 4 MB float32, no scope, no dispose
    if (i % 10 === 0) await turn();
    if (i % 100 === 0) {
      checksum += t.select(0, 0).select(0, 0).item();
      peak = Math.max(peak, process.memoryUsage.rss());
    }
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  console.log(
    `no-dispose loop: RSS before ${(before / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB (8 GB allocated in all)`,
  );
  assert.equal(checksum, (1900 * 20) / 2);
  assert.ok(peak < 1024 * MB, `RSS peaked at ${(peak / MB).toFixed(0)} MB`);
});
