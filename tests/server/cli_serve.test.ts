// `ribbit serve` as a subprocess: listens on loopback, answers, stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { BIN, startServe } from '../cli/cli_helpers.ts';

test('ribbit serve --loader fake --port 0 serves /api/tts and exits 0 on SIGTERM', async () => {
  const server = await startServe(
    ['--loader', 'fake', '--port', '0', '--host', '127.0.0.1', '--workers', '1', '--queue-size', '4'],
    undefined,
    30_000,
  );
  try {
    assert.match(server.stdout(), /1 worker thread, queue 4/);
    const r = await fetch(`${server.url}/api/tts?text=Hello%20there.`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    assert.equal(readWav(new Uint8Array(await r.arrayBuffer())).sampleRate, 22050);
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.equal(await server.exited, 0, server.stderr());
  assert.match(server.stdout(), /Shutting down/);
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
