// Shared helpers of the server tests: a loopback server over the fake model, raw HTTP reads.
import { request } from 'node:http';
import { FAKE_LOADER_MODULE } from '../../src/inference/load.ts';
import { createSynthesisPool } from '../../src/server/pool.ts';
import { type RunningTtsServer, startTtsServer } from '../../src/server/server.ts';

export const SPEAKERS = ['alice', 'bob'];

/** A server on 127.0.0.1:<ephemeral> over `workers` fake-model worker threads (0: in this thread). */
export async function startFakeServer(
  o: {
    workers?: number;
    queueSize?: number;
    delayMs?: number;
    maxTextLength?: number;
    speakers?: string[];
    languages?: string[];
  } = {},
): Promise<RunningTtsServer> {
  const pool = await createSynthesisPool({
    workers: o.workers ?? 2,
    threadsPerWorker: 1,
    queueSize: o.queueSize ?? 32,
    loaderModule: FAKE_LOADER_MODULE,
    loadOptions: {
      fake: { speakers: o.speakers ?? SPEAKERS, delayMs: o.delayMs ?? 0, languages: o.languages },
    },
  });
  return startTtsServer({ pool, host: '127.0.0.1', port: 0, maxTextLength: o.maxTextLength ?? 1000 });
}

/** A GET whose body is read piece by piece: status, headers, the pieces and when each arrived (ms). */
export function getChunks(
  url: string,
  signal?: AbortSignal,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  chunks: Buffer[];
  times: number[];
}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { signal }, (res) => {
      const chunks: Buffer[] = [];
      const times: number[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        times.push(performance.now() - t0);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, times }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `fn` every 10 ms until it returns true (or fails after `timeoutMs`). */
export async function waitFor(
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The server's /health counters. */
export async function health(base: string): Promise<Record<string, number | string>> {
  return (await fetch(`${base}/health`)).json() as Promise<Record<string, number | string>>;
}
