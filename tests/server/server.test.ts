// HTTP server over a pool of fake-model worker threads, on loopback: endpoints, content types, WAV
// validity, parameter errors (400/413/404/405), streaming in chunks, concurrency.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { createFakeSynthesizer } from '../../src/inference/fake.ts';
import type { RunningTtsServer } from '../../src/server/server.ts';
import { getChunks, health, SPEAKERS, startFakeServer } from './helpers.ts';

let srv: RunningTtsServer;
let base: string;

before(async () => {
  srv = await startFakeServer({ workers: 2, delayMs: 30, maxTextLength: 1000 });
  base = srv.url;
});
after(async () => {
  await srv?.close();
});

/** Samples the fake stack makes for `text` (in this thread, same settings). */
async function expectedSamples(text: string, speaker?: string): Promise<Float32Array> {
  const s = createFakeSynthesizer({ speakers: SPEAKERS });
  return (await s.synthesize(text, { speaker })).samples;
}

/** Asserts that 16-bit audio read back equals float samples to within one quantisation step. */
function assertPcmEqual(actual: Float32Array, expected: Float32Array, what = 'samples'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    if (Math.abs(actual[i]! - expected[i]!) > 1.01 / 32768)
      assert.fail(`${what}: sample ${i} is ${actual[i]}, expected ${expected[i]}`);
}

test('server listens on loopback only, on an ephemeral port', () => {
  assert.equal(srv.host, '127.0.0.1');
  assert.ok(srv.port > 0);
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('GET / serves the web page (HTML with text box, speaker and speed controls and a player)', async () => {
  const r = await fetch(`${base}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /^text\/html/);
  const html = await r.text();
  for (const needle of ['<textarea', 'id="speaker"', 'id="speed"', '<audio', '/api/tts/stream'])
    assert.ok(html.includes(needle), needle);
});

test('/health, /api/speakers, /locales and /voices', async () => {
  const h = await fetch(`${base}/health`);
  assert.equal(h.status, 200);
  assert.match(h.headers.get('content-type')!, /^application\/json/);
  const hb = (await h.json()) as Record<string, unknown>;
  assert.equal(hb.status, 'ok');
  assert.equal(hb.workers, 2);
  const s = await fetch(`${base}/api/speakers`);
  assert.match(s.headers.get('content-type')!, /^application\/json/);
  assert.deepEqual(await s.json(), {
    sampleRate: 22050,
    language: 'en',
    languages: ['en'],
    speakers: SPEAKERS,
    maxTextLength: 1000,
  });
  const l = await fetch(`${base}/locales`);
  assert.equal(l.status, 200);
  assert.match(l.headers.get('content-type')!, /^text\/plain/);
  assert.equal(await l.text(), 'en\n');
  const v = await fetch(`${base}/voices`);
  assert.match(v.headers.get('content-type')!, /^text\/plain/);
  assert.equal(await v.text(), 'alice en u\nbob en u\n');
});

test('GET /api/tts returns a valid 16-bit mono WAV with the synthesized audio and reports', async () => {
  const text = 'Hello there. How are you? \u2603';
  const r = await fetch(`${base}/api/tts?${new URLSearchParams({ text, speaker_id: 'bob', style_wav: '' })}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'audio/wav');
  const bytes = new Uint8Array(await r.arrayBuffer());
  assert.equal(Number(r.headers.get('content-length')), bytes.length);
  const wav = readWav(bytes);
  assert.equal(wav.sampleRate, 22050);
  assert.equal(wav.channels, 1);
  assert.equal(wav.bitsPerSample, 16);
  assert.equal(wav.format, 'pcm');
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getUint32(4, true), bytes.length - 8); // RIFF size
  assert.equal(view.getUint32(40, true), bytes.length - 44); // data size
  const expected = await expectedSamples(text, 'bob');
  assertPcmEqual(wav.samples, expected);
  assert.equal(r.headers.get('x-sentences'), '2');
  assert.equal(r.headers.get('x-unknown-characters'), encodeURIComponent('\u2603'));
  assert.ok(Number(r.headers.get('x-real-time-factor')) > 0);
  assert.ok(Math.abs(Number(r.headers.get('x-audio-seconds')) - expected.length / 22050) < 0.001);
});

test('POST /api/tts with a form, JSON, text/plain body or Coqui headers', async () => {
  const expected = await expectedSamples('Good morning.', 'alice');
  const bodies: [string, string, Record<string, string>][] = [
    ['application/x-www-form-urlencoded', 'text=Good+morning.&speaker_id=alice', {}],
    ['application/json', JSON.stringify({ text: 'Good morning.', speaker_id: 'alice' }), {}],
    ['text/plain; charset=utf-8', 'Good morning.', {}],
    ['text/plain', '', { text: 'Good morning.', 'speaker-id': 'alice' }],
  ];
  for (const [type, body, headers] of bodies) {
    const r = await fetch(`${base}/api/tts`, {
      method: 'POST',
      headers: { 'content-type': type, ...headers },
      body,
    });
    assert.equal(r.status, 200, `${type}: ${r.status}`);
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    assertPcmEqual(readWav(new Uint8Array(await r.arrayBuffer())).samples, expected, type);
  }
});

test('speed, noise_scale and normalize reach the synthesis', async () => {
  const get = async (q: string) => {
    const r = await fetch(`${base}/api/tts?text=Hello.&${q}`);
    assert.equal(r.status, 200, q);
    return readWav(new Uint8Array(await r.arrayBuffer())).samples;
  };
  const normal = await get('');
  const fast = await get('speed=2');
  assert.equal(fast.length * 2, normal.length);
  const peak = await get('normalize=peak:0.5');
  assert.ok(Math.abs(peak.reduce((m, v) => Math.max(m, Math.abs(v)), 0) - 0.5) < 1e-3);
  assert.equal((await get('noise_scale=0.3')).length, normal.length);
});

test('MaryTTS /process (GET and POST with INPUT_TEXT, VOICE selects the speaker)', async () => {
  const g = await fetch(
    `${base}/process?INPUT_TEXT=${encodeURIComponent('Hi there.')}&VOICE=bob&LOCALE=en_US`,
  );
  assert.equal(g.status, 200);
  assert.equal(g.headers.get('content-type'), 'audio/wav');
  assertPcmEqual(
    readWav(new Uint8Array(await g.arrayBuffer())).samples,
    await expectedSamples('Hi there.', 'bob'),
  );
  const p = await fetch(`${base}/process`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'INPUT_TEXT=Hi+there.&INPUT_TYPE=TEXT&OUTPUT_TYPE=AUDIO&AUDIO=WAVE_FILE&LOCALE=en_US',
  });
  assert.equal(p.status, 200);
  assertPcmEqual(readWav(new Uint8Array(await p.arrayBuffer())).samples, await expectedSamples('Hi there.'));
  const missing = await fetch(`${base}/process`);
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { parameter: string }).parameter, 'INPUT_TEXT');
});

test('400 names the bad parameter', async () => {
  const cases: [string, string, RegExp][] = [
    ['', 'text', /missing or empty/],
    ['text=%20%20', 'text', /missing or empty/],
    ['text=Hi.&speaker_id=carol', 'speaker_id', /unknown speaker "carol".*0: alice, 1: bob/],
    ['text=Hi.&speaker_id=5', 'speaker_id', /unknown speaker/],
    ['text=Hi.&speed=abc', 'speed', /expected a number/],
    ['text=Hi.&speed=0', 'speed', /expected a number/],
    ['text=Hi.&noise_scale=-1', 'noise_scale', /expected a number/],
    ['text=Hi.&language_id=xx', 'language_id', /unsupported language "xx"/],
    ['text=Hi.&style_wav=ref.wav', 'style_wav', /not supported/],
    ['text=Hi.&normalize=loud', 'normalize', /unknown kind/],
    [`text=${encodeURIComponent('\u2603\u2603 \u2603')}`, 'text', /no symbol this model can speak/],
  ];
  for (const path of ['/api/tts', '/api/tts/stream']) {
    for (const [q, parameter, message] of cases) {
      const r = await fetch(`${base}${path}?${q}`);
      assert.equal(r.status, 400, `${path}?${q}`);
      assert.match(r.headers.get('content-type')!, /^application\/json/);
      const body = (await r.json()) as { error: string; parameter: string };
      assert.equal(body.parameter, parameter, q);
      assert.match(body.error, message, q);
    }
  }
  const bad = await fetch(`${base}/api/tts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"text": ',
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { parameter: string }).parameter, 'body');
});

test('413 for text over the limit (query and body), 404 and 405', async () => {
  const long = 'a'.repeat(1001);
  const r = await fetch(`${base}/api/tts?text=${long}`);
  assert.equal(r.status, 413);
  assert.match(((await r.json()) as { error: string }).error, /limit of 1000 characters/);
  const okLen = await fetch(`${base}/api/tts?text=${'a'.repeat(1000)}`);
  assert.equal(okLen.status, 200);
  await okLen.arrayBuffer();
  const post = await fetch(`${base}/api/tts`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: long,
  });
  assert.equal(post.status, 413);
  await post.arrayBuffer();
  const huge = await fetch(`${base}/api/tts/stream`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'b'.repeat(200_000),
  });
  assert.equal(huge.status, 413);
  await huge.arrayBuffer();
  const nf = await fetch(`${base}/nope`);
  assert.equal(nf.status, 404);
  await nf.arrayBuffer();
  const na = await fetch(`${base}/api/tts`, { method: 'PUT', body: 'x' });
  assert.equal(na.status, 405);
  assert.equal(na.headers.get('allow'), 'GET, POST');
  await na.arrayBuffer();
});

test('/api/tts/stream sends a streaming WAV in several chunks as sentences finish', async () => {
  const text = 'One sentence. Two sentence. Three sentence. Four sentence. Five sentence.';
  const r = await getChunks(`${base}/api/tts/stream?${new URLSearchParams({ text })}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'audio/wav');
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  assert.equal(r.headers['content-length'], undefined);
  assert.ok(r.chunks.length >= 3, `only ${r.chunks.length} chunks`);
  // Audio starts well before the end: 5 sentences at >= 30 ms of model time each.
  assert.ok(r.times.at(-1)! - r.times[0]! >= 60, `first ${r.times[0]} ms, last ${r.times.at(-1)} ms`);
  const bytes = new Uint8Array(Buffer.concat(r.chunks));
  assert.equal(String.fromCharCode(...bytes.subarray(0, 4)), 'RIFF');
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getUint32(4, true), 0xffffffff);
  assert.equal(view.getUint32(40, true), 0xffffffff);
  const wav = readWav(bytes);
  assert.equal(wav.sampleRate, 22050);
  assert.equal(wav.bitsPerSample, 16);
  assertPcmEqual(wav.samples, await expectedSamples(text));
});

test('concurrent requests are served by several workers at once, all correct', async () => {
  const text = 'First part here. Second part here.';
  const expected = await expectedSamples(text);
  let maxRunning = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      maxRunning = Math.max(maxRunning, Number((await health(base)).running));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const n = 10;
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const path = i % 2 ? '/api/tts/stream' : '/api/tts';
      const r = await fetch(`${base}${path}?${new URLSearchParams({ text })}`);
      return { status: r.status, samples: readWav(new Uint8Array(await r.arrayBuffer())).samples };
    }),
  );
  polling = false;
  await poller;
  for (const r of results) {
    assert.equal(r.status, 200);
    assertPcmEqual(r.samples, expected);
  }
  assert.equal(maxRunning, 2, 'both workers busy at some point, never more');
  const h = await health(base);
  assert.equal(h.running, 0);
  assert.equal(h.waiting, 0);
});
