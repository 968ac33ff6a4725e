// The parity tests read every size from their fixtures: a resized copy of the fixture set (the wav cut to an odd
// 50,001 samples, 7 text sentences; features recomputed by tests/audio/resize_parity_fixtures.py, which
// reproduces the public set bit for bit at its own size) passes the audio and text parity tests through
// RIBBIT_PARITY_DIR. Needs /usr/bin/python3 with numpy; about a minute.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const python = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
const hasNumpy = spawnSync(python, ['-c', 'import numpy']).status === 0;

test('audio and text parity tests pass on a resized fixture set', {
  skip: hasNumpy ? false : `${python} with numpy not found`,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-resized-parity-'));
  try {
    const gen = spawnSync(
      python,
      [
        join(root, 'tests/audio/resize_parity_fixtures.py'),
        join(root, 'tests/fixtures/parity'),
        dir,
        '50001',
        '7',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(gen.status, 0, gen.stderr);
    const wavBytes = readFileSync(join(dir, 'audio/speech.wav')).length;
    assert.equal(wavBytes, 44 + 2 * 50001);
    const { NODE_TEST_CONTEXT: _inner, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'scripts/test.mjs'),
        'tests/audio/processor.test.ts',
        'tests/audio/mel.test.ts',
        'tests/audio/wav.test.ts',
        'tests/text/parity.test.ts',
      ],
      // Without NODE_TEST_CONTEXT the inner runner reports as a top-level run (TAP on stdout).
      { cwd: root, encoding: 'utf8', env: { ...env, RIBBIT_PARITY_DIR: dir }, maxBuffer: 1 << 26 },
    );
    const tail = run.stdout.split('\n').filter((l) => /^(not ok|# (pass|fail))/.test(l));
    assert.equal(run.status, 0, tail.join('\n') || run.stderr);
    assert.match(run.stdout, /^# fail 0$/m);
    assert.ok(Number(/^# pass (\d+)$/m.exec(run.stdout)?.[1]) > 20, tail.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
