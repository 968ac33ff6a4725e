// Load test of `ribbit serve` on loopback: N concurrent clients for a fixed time against a server started as a
// child process (the fake model by default, or a real model with --model-path/--config-path).
// Run: npx tsx bench/server.ts [--clients 8] [--seconds 30] [--workers N] [--endpoint stream|wav]
//        [--delay-ms 20] [--text "..."] [--queue-size 64] [--max-requests 100000]
//        [--model-path m.pth --config-path c.json]
// Prints one JSON line: requests/s, latency p50/p99 (ms, whole response), time to first audio byte p50/p99 (ms),
// errors (must be 0), audio seconds served, server RSS (MiB) before and after.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { argOr } from './args.ts';

const clients = Math.min(256, Math.max(1, Number(argOr('clients', '8'))));
const seconds = Math.min(600, Math.max(1, Number(argOr('seconds', '30'))));
const maxRequests = Math.max(1, Number(argOr('max-requests', '100000')));
const endpoint = argOr('endpoint', 'stream') === 'wav' ? '/api/tts' : '/api/tts/stream';
const delayMs = Number(argOr('delay-ms', '20'));
const workers = argOr('workers', '');
const modelPath = argOr('model-path', '');
const configPath = argOr('config-path', '');
const text = argOr(
  'text',
  'The quick brown fox jumps over the lazy dog. A second sentence follows it. And here is the third one.',
);

const bin = new URL('../bin/ribbit.mjs', import.meta.url).pathname;
const loaderArgs = modelPath
  ? ['--model-path', modelPath, ...(configPath ? ['--config-path', configPath] : [])]
  : ['--loader', 'fake'];
const serverArgs = [
  bin,
  'serve',
  ...loaderArgs,
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--queue-size',
  argOr('queue-size', String(Math.max(64, clients * 2))),
  ...(workers ? ['--workers', workers] : []),
];
const child = spawn(process.execPath, serverArgs, {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, RIBBIT_FAKE_DELAY_MS: String(delayMs) },
});
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
});

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`server did not start in 120 s: ${stderr}`)), 120_000);
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]!);
    }
  });
  child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
});

interface Sample {
  ok: boolean;
  latencyMs: number;
  ttfbMs: number;
  bytes: number;
}

function once(path: string): Promise<Sample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttfb = Number.NaN;
    let bytes = 0;
    const req = request(`${base}${path}`, { agent: false }, (res) => {
      const ok = res.statusCode === 200 && res.headers['content-type'] === 'audio/wav';
      res.on('data', (c: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - t0;
        bytes += c.length;
      });
      res.on('end', () => resolve({ ok, latencyMs: performance.now() - t0, ttfbMs: ttfb, bytes }));
      res.on('error', () => resolve({ ok: false, latencyMs: performance.now() - t0, ttfbMs: ttfb, bytes }));
    });
    req.on('error', () => resolve({ ok: false, latencyMs: performance.now() - t0, ttfbMs: ttfb, bytes }));
    req.end();
  });
}

const path = `${endpoint}?${new URLSearchParams({ text })}`;
let result: Record<string, unknown>;
try {
  await once(path); // warm-up: first request on each code path
  const { sampleRate } = (await (await fetch(`${base}/api/speakers`)).json()) as { sampleRate: number };
  const rssBefore = rssMiB(child.pid!);
  const samples: Sample[] = [];
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline && started < maxRequests) {
        started++;
        samples.push(await once(path));
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const rssAfter = rssMiB(child.pid!);
  const good = samples.filter((s) => s.ok);
  const wavBytes = good.reduce((a, s) => a + s.bytes - 44, 0);
  result = {
    bench: 'server',
    model: modelPath || `fake (delay ${delayMs} ms/sentence)`,
    endpoint,
    clients,
    workers: workers || 'default',
    seconds: Number(elapsed.toFixed(2)),
    requests: samples.length,
    requestsPerSecond: Number((samples.length / elapsed).toFixed(2)),
    latencyP50Ms: Number(
      percentile(
        good.map((s) => s.latencyMs),
        50,
      ).toFixed(1),
    ),
    latencyP99Ms: Number(
      percentile(
        good.map((s) => s.latencyMs),
        99,
      ).toFixed(1),
    ),
    firstAudioByteP50Ms: Number(
      percentile(
        good.map((s) => s.ttfbMs),
        50,
      ).toFixed(1),
    ),
    firstAudioByteP99Ms: Number(
      percentile(
        good.map((s) => s.ttfbMs),
        99,
      ).toFixed(1),
    ),
    errors: samples.length - good.length,
    audioSecondsServed: Number((wavBytes / 2 / sampleRate).toFixed(1)),
    rssBeforeMiB: Number(rssBefore.toFixed(1)),
    rssAfterMiB: Number(rssAfter.toFixed(1)),
  };
} finally {
  child.kill('SIGTERM');
}
console.log(JSON.stringify(result));
process.exitCode = result.errors === 0 ? 0 : 1;
