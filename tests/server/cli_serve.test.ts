// `ribbit serve` as a subprocess: listens on loopback, answers, stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;

test('ribbit serve --loader fake --port 0 serves /api/tts and exits 0 on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--loader',
      'fake',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--workers',
      '1',
      '--queue-size',
      '4',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 30 s; stderr: ${stderr}`)), 30_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /Serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', () => reject(new Error(`server exited early: ${stderr}`)));
    });
    assert.match(stdout, /1 worker thread, queue 4/);
    const r = await fetch(`${url}/api/tts?text=Hello%20there.`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    assert.equal(readWav(new Uint8Array(await r.arrayBuffer())).sampleRate, 22050);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /Shutting down/);
});

test('ribbit serve with a missing model fails with the loader message', async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--model-path', 'm.pth', '--port', '0', '--workers', '1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 1);
  assert.match(stderr, /model not found: m\.pth/);
});
