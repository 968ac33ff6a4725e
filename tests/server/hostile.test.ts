// The HTTP server as an attacker and a careless client use it (issue 15), over a worker thread running the
// real bundled voice: runaway requests are refused (413) before the decoder runs, JSON bodies with objects
// are 400, text in another script is refused or reported, a client that leaves stops its work; limits given
// at load reach the workers (fake model: the time limit, 503).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_LOADER_MODULE, FAKE_LOADER_MODULE } from '../../src/inference/load.ts';
import { createSynthesisPool } from '../../src/server/pool.ts';
import { type RunningTtsServer, startTtsServer } from '../../src/server/server.ts';
import { health, waitFor } from './helpers.ts';

let srv: RunningTtsServer;
let base: string;

before(async () => {
  const pool = await createSynthesisPool({
    workers: 1,
    threadsPerWorker: 1,
    loaderModule: DEFAULT_LOADER_MODULE,
    loadOptions: {},
  });
  srv = await startTtsServer({ pool, host: '127.0.0.1', port: 0, maxTextLength: 2000 });
  base = srv.url;
});
after(async () => {
  await srv?.close();
});

const THREE = 'Hello there. How are you today? I am fine, thank you.';

async function errorOf(res: Response): Promise<{ error: string; parameter?: string }> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return (await res.json()) as { error: string; parameter?: string };
}

test('speed=0.1 & length_scale=20 over 3 sentences: 413 at once, nothing left running', async () => {
  for (const path of ['/api/tts', '/api/tts/stream']) {
    const t0 = performance.now();
    const q = new URLSearchParams({ speed: '0.1', length_scale: '20', text: THREE });
    const res = await fetch(`${base}${path}?${q}`, { signal: AbortSignal.timeout(60_000) });
    assert.equal(res.status, 413, path);
    const body = await errorOf(res);
    assert.equal(body.parameter, 'text');
    assert.match(
      body.error,
      /^sentence 1 of 3 would be \d+\.\d s of audio, over the limit of 40\.0 s per sentence/,
    );
    assert.ok(performance.now() - t0 < 10_000, `${path}: ${performance.now() - t0} ms`);
  }
  const h = await health(base);
  assert.equal(h.running, 0);
});

test('speed and length_scale outside their ranges are 400 naming the parameter', async () => {
  for (const [q, parameter] of [
    ['speed=0.0001', 'speed'],
    ['length_scale=1e9', 'length_scale'],
  ] as const) {
    const res = await fetch(`${base}/api/tts?text=Hi.&${q}`);
    assert.equal(res.status, 400, q);
    assert.equal((await errorOf(res)).parameter, parameter);
  }
});

test('JSON {"text": {"a": 1}} is 400, not "[object Object]" spoken', async () => {
  const before = await health(base);
  for (const [body, kind] of [
    [{ text: { a: 1 } }, 'an object'],
    [{ text: ['Hello'] }, 'an array'],
    [{ text: 'Hello.', speaker_id: { x: 1 } }, 'an object'],
  ] as const) {
    const res = await fetch(`${base}/api/tts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 400, JSON.stringify(body));
    const err = await errorOf(res);
    assert.equal(err.parameter, 'text' in body && typeof body.text !== 'string' ? 'text' : 'speaker_id');
    assert.match(err.error, new RegExp(`expected a string or a number, got ${kind}`));
  }
  const after = await health(base);
  assert.equal(after.completed, before.completed, 'no job ran');
});

test('Chinese text to the English voice: 400 naming the characters; mixed text speaks and reports them', async () => {
  const res = await fetch(`${base}/api/tts?${new URLSearchParams({ text: '你好世界' })}`);
  assert.equal(res.status, 400);
  const err = await errorOf(res);
  assert.match(err.error, /"你", "好", "世", "界" are not letters of its language \(en-us\)/);
  const mixed = await fetch(`${base}/api/tts?${new URLSearchParams({ text: 'Hello 世界.' })}`);
  assert.equal(mixed.status, 200);
  assert.deepEqual(mixed.headers.get('x-unknown-characters')?.split(',').map(decodeURIComponent), [
    '世',
    '界',
  ]);
  await mixed.arrayBuffer();
  const zh = await fetch(`${base}/api/tts?text=Hello.&language_id=zh`);
  assert.equal(zh.status, 400);
  assert.match((await errorOf(zh)).error, /unsupported language "zh"; supported: en-us/);
});

test('a client that leaves stops its job (cancelled, the worker free again)', async () => {
  const before = await health(base);
  const controller = new AbortController();
  const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1}.`).join(' ');
  const pending = fetch(`${base}/api/tts?${new URLSearchParams({ text })}`, {
    signal: controller.signal,
  }).catch((e: Error) => e);
  await waitFor(async () => (await health(base)).running === 1, 10_000, 'the job to start');
  controller.abort();
  assert.equal(((await pending) as Error).name, 'AbortError');
  await waitFor(async () => (await health(base)).running === 0, 15_000, 'the job to stop');
  const h = await health(base);
  assert.equal(h.cancelled, (before.cancelled as number) + 1);
  assert.equal(h.completed, before.completed);
});

test('limits given at load reach the workers: a job past maxJobSeconds is 504, too much audio 413', async () => {
  const pool = await createSynthesisPool({
    workers: 1,
    threadsPerWorker: 1,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: { fake: { delayMs: 20 }, limits: { maxJobSeconds: 0.01, maxRequestSeconds: 0.5 } },
  });
  const fake = await startTtsServer({ pool, host: '127.0.0.1', port: 0 });
  try {
    const slow = await fetch(`${fake.url}/api/tts?text=${encodeURIComponent('One. Two. Three. Four.')}`);
    assert.equal(slow.status, 504);
    assert.match((await errorOf(slow)).error, /took longer than the limit of 0\.01 s per request/);
  } finally {
    await fake.close();
  }
  const pool2 = await createSynthesisPool({
    workers: 1,
    threadsPerWorker: 1,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: { limits: { maxRequestSeconds: 0.5 } },
  });
  const fake2 = await startTtsServer({ pool: pool2, host: '127.0.0.1', port: 0 });
  try {
    const long = await fetch(
      `${fake2.url}/api/tts?text=${encodeURIComponent('A fairly long sentence here. And another one.')}`,
    );
    assert.equal(long.status, 413);
    assert.match((await errorOf(long)).error, /left in this request \(0\.5 s in all\)/);
  } finally {
    await fake2.close();
  }
});
