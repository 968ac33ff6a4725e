// The pool's watchdog and health (issue 15): a job past jobTimeoutMs fails (504 over HTTP) and its stuck
// worker is replaced; a crashed worker is replaced; /health counts idle, busy, starting and stuck workers as
// they are; close() lets running jobs finish for a grace period and does not wait on a stuck worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAKE_LOADER_MODULE } from '../../src/inference/load.ts';
import { createSynthesisPool, JobTimeoutError, type SynthesisPool } from '../../src/server/pool.ts';
import { startTtsServer } from '../../src/server/server.ts';
import { health, waitFor } from './helpers.ts';
import { HANG_MS, MISBEHAVING_LOADER } from './misbehaving_loader.ts';

function misbehavingPool(o: { workers?: number; jobTimeoutMs?: number } = {}): Promise<SynthesisPool> {
  return createSynthesisPool({
    workers: o.workers ?? 1,
    threadsPerWorker: 1,
    jobTimeoutMs: o.jobTimeoutMs ?? 400,
    loaderModule: MISBEHAVING_LOADER,
    loadOptions: { fake: {} },
  });
}

test('a job past jobTimeoutMs fails with 504; the stuck worker is replaced and /health tells', async () => {
  const pool = await misbehavingPool();
  const srv = await startTtsServer({ pool, host: '127.0.0.1', port: 0 });
  try {
    assert.equal((await health(srv.url)).status, 'ok');
    const t0 = performance.now();
    const r = await fetch(`${srv.url}/api/tts?text=${encodeURIComponent('Please hang now.')}`);
    const waited = performance.now() - t0;
    assert.equal(r.status, 504);
    assert.match(((await r.json()) as { error: string }).error, /did not finish within 0.4 s/);
    assert.ok(waited < HANG_MS - 1000, `answered after ${waited} ms, not when the worker woke up`);
    const h = await health(srv.url);
    assert.equal(h.stuck, 1, 'the abandoned worker is still blocked');
    // No worker can take a job until the replacement has loaded ('down', /health 503), then 'degraded'.
    assert.ok(h.status === 'down' || h.status === 'degraded', `${h.status}`);
    assert.equal((h.starting as number) + (h.idle as number), 1);
    assert.equal(h.timedOut, 1);
    assert.equal(h.restarts, 1);
    // The replacement takes jobs while the stuck one is still blocked.
    await waitFor(async () => (await health(srv.url)).idle === 1, 10_000, 'the replacement worker');
    const ok = await fetch(`${srv.url}/api/tts?text=Hello.`);
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    // Once the stuck thread wakes up, terminate() ends it and the pool is whole again.
    await waitFor(
      async () => (await health(srv.url)).status === 'ok',
      HANG_MS + 5000,
      'the stuck worker gone',
    );
    assert.equal((await health(srv.url)).stuck, 0);
  } finally {
    await srv.close();
  }
});

test('a crashed worker is replaced; the next job runs', async () => {
  const pool = await misbehavingPool();
  try {
    await assert.rejects(pool.synthesize('Now crash.'), /synthesis worker 0 died \(exit code 3\)/);
    const r = await pool.synthesize('Hello again.');
    assert.ok(r.samples.length > 0);
    const s = pool.stats();
    assert.equal(s.restarts, 1);
    assert.equal(s.status, 'ok');
    assert.equal(s.failed, 1);
  } finally {
    await pool.close();
  }
});

test('/health reports busy workers and how long the longest job has run', async () => {
  const pool = await createSynthesisPool({
    workers: 2,
    threadsPerWorker: 1,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: { fake: { delayMs: 400 } },
  });
  try {
    const idle = pool.stats();
    assert.deepEqual([idle.status, idle.idle, idle.busy, idle.starting, idle.stuck], ['ok', 2, 0, 0, 0]);
    const jobs = [pool.synthesize('One.'), pool.synthesize('Two.')];
    await new Promise((r) => setTimeout(r, 150));
    const busy = pool.stats();
    assert.deepEqual([busy.status, busy.idle, busy.busy], ['ok', 0, 2]);
    assert.ok(busy.longestJobSeconds >= 0.1 && busy.longestJobSeconds < 5, `${busy.longestJobSeconds}`);
    await Promise.all(jobs);
    assert.deepEqual([pool.stats().idle, pool.stats().longestJobSeconds], [2, 0]);
  } finally {
    await pool.close();
  }
});

test('close() lets a running job finish within the grace period', async () => {
  const pool = await createSynthesisPool({
    workers: 1,
    threadsPerWorker: 1,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: { fake: { delayMs: 300 } },
  });
  const job = pool.synthesize('Almost done.');
  const queued = assert.rejects(pool.synthesize('Never started.'), /the synthesis pool was closed/);
  await new Promise((r) => setTimeout(r, 50));
  await pool.close(5000);
  assert.ok((await job).samples.length > 0);
  await queued;
});

test('close() ends after the grace period even with a stuck worker', async () => {
  const pool = await misbehavingPool({ jobTimeoutMs: 0 });
  const job = assert.rejects(pool.synthesize('Please hang.'), /the synthesis pool was closed/);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await pool.close(300);
  const took = performance.now() - t0;
  assert.ok(took < HANG_MS - 1000, `close took ${took} ms`);
  await job;
});

test('JobTimeoutError names its limit', () => {
  const e = new JobTimeoutError(1500);
  assert.equal(e.name, 'JobTimeoutError');
  assert.match(e.message, /1.5 s/);
});

test('an in-thread executor: the watchdog aborts the job between sentences', async () => {
  const pool = await createSynthesisPool({
    workers: 0,
    jobTimeoutMs: 200,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: { fake: { delayMs: 300 } },
  });
  try {
    const t0 = performance.now();
    await assert.rejects(pool.synthesize('One. Two. Three. Four. Five.'), JobTimeoutError);
    assert.ok(performance.now() - t0 < 1400, 'stopped before the five sentences were spoken');
    await waitFor(() => pool.stats().idle === 1, 5000, 'the executor free again');
    assert.equal(pool.stats().timedOut, 1);
    // it takes jobs again; this one-sentence job (300 ms) also passes the 200 ms limit, and is stopped between
    // the sentence's model and vocoder steps
    await assert.rejects(pool.synthesize('Six.'), JobTimeoutError);
    await waitFor(() => pool.stats().idle === 1, 5000, 'the executor free again');
    assert.equal(pool.stats().timedOut, 2);
  } finally {
    await pool.close();
  }
});
