import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeWav } from '../../src/audio/wav.ts';
import { harmonic, sine } from './signals.ts';

const root = mkdtempSync(join(tmpdir(), 'ribbit-eval-'));
after(() => rmSync(root, { recursive: true, force: true }));

function ribbit(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/ribbit.mjs', 'eval', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ribbit eval --ref-dir/--synth-dir: same-named wavs, JSON and table', () => {
  const ref = join(root, 'ref');
  const synth = join(root, 'synth');
  mkdirSync(ref);
  mkdirSync(synth);
  writeWav(join(ref, 'a.wav'), harmonic(120, 1), 22050);
  writeWav(join(synth, 'a.wav'), harmonic(120, 1), 22050);
  writeWav(join(ref, 'b.wav'), sine(200, 1), 22050);
  writeWav(join(synth, 'b.wav'), sine(220, 1, 16000), 16000);
  writeWav(join(synth, 'extra.wav'), sine(220, 1), 22050);
  const r = ribbit('--ref-dir', ref, '--synth-dir', synth, '--json', '--order', '24');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.settings.order, 24);
  assert.deepEqual(
    out.rows.map((x: { id: string }) => x.id),
    ['a', 'b'],
  );
  assert.equal(out.rows[0].mcd, 0);
  assert.ok(Math.abs(out.rows[1].f0Rmse - 20) < 0.5);
  assert.equal(out.rows[1].fMax, 7200);
  assert.equal(out.mean.count, 2);
  assert.match(r.stderr, /1 wav\(s\) without a reference skipped: extra\.wav/);

  const t = ribbit('--ref-dir', ref, '--synth-dir', synth);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /MCD dB +F0 RMSE Hz/);
  assert.match(t.stdout, /^mean \(2\)/m);
  assert.match(t.stdout, /c1\.\.c13 \(c0 excluded\)/);
});

test('ribbit eval with a model (fake loader) on an LJSpeech-format dataset, --offset, --save-dir', () => {
  const ds = join(root, 'ds');
  mkdirSync(join(ds, 'wavs'), { recursive: true });
  const lines: string[] = [];
  for (let i = 1; i <= 4; i++) {
    writeWav(join(ds, 'wavs', `U${i}.wav`), harmonic(100 + 10 * i, 0.8), 22050);
    lines.push(`U${i}|Sentence number ${i}.|Sentence number ${i}.`);
  }
  writeFileSync(join(ds, 'metadata.csv'), `${lines.join('\n')}\n`);
  const save = join(root, 'saved');
  const r = ribbit(
    '--loader',
    'fake',
    '--dataset',
    ds,
    '--sentences',
    '2',
    '--offset',
    '1',
    '--json',
    '--save-dir',
    save,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.rows.map((x: { id: string }) => x.id),
    ['U2', 'U3'],
  );
  for (const row of out.rows) assert.ok(Number.isFinite(row.mcd) && row.mcd > 0);
  assert.deepEqual(readdirSync(save).sort(), ['U2.wav', 'U3.wav']);
});

test('ribbit eval: usage errors', () => {
  assert.equal(ribbit().code, 2);
  assert.equal(ribbit('--ref-dir', root).code, 2);
  assert.equal(ribbit('--ref-dir', root, '--synth-dir', root, '--order', '99').code, 2);
  const help = spawnSync(process.execPath, ['bin/ribbit.mjs', 'eval', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /Examples:/);
  assert.match(help.stdout, /--ref-dir DIR/);
});
