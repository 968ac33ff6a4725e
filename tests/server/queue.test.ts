// Queueing on one slow worker: FIFO order, 503 with Retry-After when the queue is full, cancellation on
// client disconnect (queued work dropped, streaming stopped between sentences).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeSynthesizer } from '../../src/inference/fake.ts';
import { createSynthesisPool, QueueFullError } from '../../src/server/pool.ts';
import { getChunks, health, startFakeServer, waitFor } from './helpers.ts';

test('503 with Retry-After when the queue is full; jobs run in arrival order', async () => {
  // alpha must still be running when gamma arrives: 150 ms was not enough on a loaded 2-core machine
  const srv = await startFakeServer({ workers: 1, queueSize: 1, delayMs: 1500 });
  try {
    const base = srv.url;
    const done: string[] = [];
    const req = (name: string) =>
      fetch(`${base}/api/tts?text=${name}.`).then(async (r) => {
        await r.arrayBuffer();
        done.push(name);
        return r.status;
      });
    const a = req('alpha');
    await waitFor(async () => (await health(base)).running === 1, 5000, 'alpha running');
    const b = req('beta');
    await waitFor(async () => (await health(base)).waiting === 1, 5000, 'beta queued');
    const c = await fetch(`${base}/api/tts?text=gamma.`);
    assert.equal(c.status, 503);
    assert.match(c.headers.get('content-type')!, /^application\/json/);
    const retry = Number(c.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.match(((await c.json()) as { error: string }).error, /queue is full/);
    const s = await fetch(`${base}/api/tts/stream?text=delta.`);
    assert.equal(s.status, 503);
    await s.arrayBuffer();
    assert.deepEqual([await a, await b], [200, 200]);
    assert.deepEqual(done, ['alpha', 'beta']);
    const h = await health(base);
    assert.equal(h.rejected, 2);
    assert.equal(h.completed, 2);
  } finally {
    await srv.close();
  }
});

test('client disconnect: queued work is dropped, a stream stops between sentences', async () => {
  const srv = await startFakeServer({ workers: 1, queueSize: 8, delayMs: 100 });
  try {
    const base = srv.url;
    const sentences = Array.from({ length: 30 }, (_, i) => `Sentence number ${i}.`).join(' ');
    // A: a long stream; abort it after its first audio.
    const ctlA = new AbortController();
    const firstAudio = new Promise<void>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const r = request(
          `${base}/api/tts/stream?${new URLSearchParams({ text: sentences })}`,
          { signal: ctlA.signal },
          (res) => {
            res.once('data', () => resolve());
            res.on('error', () => {});
          },
        );
        r.on('error', () => {});
        r.end();
      }, reject);
    });
    await waitFor(async () => (await health(base)).running === 1, 5000, 'A running');
    // B: queued behind A, then abandoned.
    const ctlB = new AbortController();
    const b = fetch(`${base}/api/tts?text=Queued.`, { signal: ctlB.signal }).catch((e: Error) => e.name);
    await waitFor(async () => (await health(base)).waiting === 1, 5000, 'B queued');
    ctlB.abort();
    assert.equal(await b, 'AbortError');
    await waitFor(async () => (await health(base)).waiting === 0, 2000, 'B dropped from the queue');
    await firstAudio;
    const t0 = performance.now();
    ctlA.abort();
    // The worker stops at the next sentence boundary (100 ms per sentence), not after all 30 (3 s).
    await waitFor(async () => (await health(base)).running === 0, 2000, 'A stopped');
    const stopMs = performance.now() - t0;
    assert.ok(stopMs < 1000, `stopped after ${stopMs} ms`);
    const h = await health(base);
    assert.equal(h.cancelled, 2);
    assert.equal(h.completed, 0);
    // The pool still serves.
    const c = await getChunks(`${base}/api/tts/stream?text=After.`);
    assert.equal(c.status, 200);
  } finally {
    await srv.close();
  }
});

test('pool: an in-thread pool (workers 0 / given synthesizer) queues FIFO and refuses past queueSize', async () => {
  const pool = await createSynthesisPool({ synthesizer: createFakeSynthesizer(), queueSize: 2 });
  try {
    assert.equal(pool.size, 1);
    const order: number[] = [];
    const jobs = [0, 1, 2].map((i) => pool.synthesize(`Job ${i}.`).then(() => order.push(i)));
    assert.throws(() => pool.stream('Too many.'), QueueFullError);
    await assert.rejects(pool.synthesize('Too many.'), QueueFullError);
    await Promise.all(jobs);
    assert.deepEqual(order, [0, 1, 2]);
    const s = pool.stats();
    assert.equal(s.completed, 3);
    assert.equal(s.rejected, 2);
    // Leaving a stream early cancels it.
    const it = pool.stream('A. B. C. D.');
    for await (const c of it) {
      assert.equal(c.sentenceIndex, 0);
      break;
    }
    await waitFor(() => pool.stats().running === 0, 2000, 'stream cancelled');
    assert.equal(pool.stats().cancelled, 1);
  } finally {
    await pool.close();
  }
});

test('pool: a loader that fails reports its error and leaves no worker behind', async () => {
  await assert.rejects(
    createSynthesisPool({ workers: 2, loadOptions: { modelPath: 'missing.pth' } }),
    /model not found: missing\.pth/,
  );
});
