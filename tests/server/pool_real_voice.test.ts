// The server pool with the real bundled voice (voices/default), not the fake model: two worker threads
// answer 20 concurrent HTTP requests, twice, with audio identical to a single-threaded Synthesizer's for the
// same text (the Griffin-Lim phase is drawn after seeding the thread's own generator: seeded_voice.ts, so
// this also fails if one thread's seeding or sampling shifts another's stream). A hang (two threads in one BLAS thread pool deadlocked in sgemm before issue 11) would leave
// threads stuck in native code that no Worker.terminate can stop, so the pool runs in a child process that
// is killed at a deadline: a hang fails this test instead of blocking the suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../../src/audio/wav.ts';
import { createSynthesisPool } from '../../src/server/pool.ts';
import { startTtsServer } from '../../src/server/server.ts';
import * as torch from '../../src/torch/index.ts';
import { loadSynthesizer, SEEDED_VOICE_LOADER } from './seeded_voice.ts';

const CHILD_FLAG = 'RIBBIT_POOL_REAL_VOICE_CHILD';
const TEXTS = [
  'Hello there.',
  'The cat sat on the mat.',
  'It is a sunny day.',
  'Good morning.',
  'Thank you.',
];
const REQUESTS = 20;
const DEADLINE_MS = 150_000;

/** The child: reference audio in this thread, then the pool behind a server; throws on any difference. */
async function child(): Promise<void> {
  torch.setNumThreads(1);
  const single = await loadSynthesizer({});
  const reference = new Map<string, { samples: Float32Array; wav: Buffer }>();
  for (const text of TEXTS) {
    const r = await single.synthesize(text);
    reference.set(text, {
      samples: r.samples,
      wav: Buffer.from(encodeWav(r.samples, r.sampleRate, { bitsPerSample: 16 })),
    });
  }
  const pool = await createSynthesisPool({
    workers: 2,
    threadsPerWorker: 1,
    queueSize: REQUESTS,
    loaderModule: SEEDED_VOICE_LOADER,
  });
  const server = await startTtsServer({ pool, host: '127.0.0.1', port: 0 });
  const seconds: number[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      const t0 = performance.now();
      const replies = await Promise.all(
        Array.from({ length: REQUESTS }, async (_, i) => {
          const text = TEXTS[i % TEXTS.length]!;
          const r = await fetch(`${server.url}/api/tts?${new URLSearchParams({ text })}`);
          return { text, status: r.status, body: Buffer.from(await r.arrayBuffer()) };
        }),
      );
      seconds.push((performance.now() - t0) / 1000);
      for (const { text, status, body } of replies) {
        assert.equal(status, 200, `round ${round}: ${text}`);
        assert.ok(body.equals(reference.get(text)!.wav), `round ${round}: the WAV of "${text}" differs`);
      }
    }
    // The samples themselves, before 16-bit quantisation.
    const direct = await Promise.all(TEXTS.map((text) => pool.synthesize(text)));
    for (const [i, r] of direct.entries())
      assert.deepEqual(r.samples, reference.get(TEXTS[i]!)!.samples, TEXTS[i]);
    const stats = pool.stats();
    assert.equal(stats.completed, 2 * REQUESTS + TEXTS.length);
    assert.equal(stats.failed, 0);
  } finally {
    await server.close();
  }
  console.log(JSON.stringify({ ok: true, roundSeconds: seconds.map((s) => Number(s.toFixed(2))) }));
}

if (process.env[CHILD_FLAG] === '1') {
  await child();
} else {
  test('a 2-worker pool with the bundled voice: 20 concurrent requests twice, no hang, same audio', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD_FLAG]: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    proc.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      proc.kill('SIGKILL');
    }, DEADLINE_MS);
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    clearTimeout(timer);
    assert.ok(!hung, `the pool did not finish within ${DEADLINE_MS / 1000} s (hung):\n${out}`);
    assert.equal(code, 0, out);
    assert.match(out, /"ok":true/);
  });
}
