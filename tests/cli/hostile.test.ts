// `ribbit speak` as a careless user and an attacker drive it (issue 15): every refusal is one sentence on
// stderr with a non-zero exit code, runaway requests are refused before they allocate, nothing is written
// where it should not be. Subprocesses of bin/ribbit.mjs; the real bundled voice where the behaviour
// depends on a real model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
const VOICE_CONFIG = new URL('../../voices/default/config.json', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ribbit-hostile-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `ribbit speak ...args` (20 s at most: a runaway request fails the test instead of the machine). */
function speak(args: string[], input?: string) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'speak', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    input,
    cwd: dir,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, ms: performance.now() - t0 };
}

/** One line on stderr, prefixed as the CLI prints errors. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0]!, /^ribbit speak: /);
  return lines[0]!;
}

test('--speed 0.0001 is refused at once (exit 2), before the model loads', () => {
  const out = join(dir, 'slow.wav');
  const r = speak(['--speed', '0.0001', '--text', 'Hello.', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneLine(r.stderr), /--speed must be in \[0\.1, 10\], got 0\.0001/);
  assert.equal(existsSync(out), false);
});

test('--length-scale 1e9 is refused with one sentence, not an allocation error', () => {
  const r = speak(['--length-scale', '1e9', '--text', 'Hello.', '--out', join(dir, 'x.wav')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneLine(r.stderr), /--length-scale must be in \[0\.05, 20\], got 1000000000/);
});

test('a sentence longer than --max-sentence-seconds is refused before decoding (bundled voice)', () => {
  const out = join(dir, 'long.wav');
  const r = speak([
    '--text',
    'Hello there. How are you today?',
    '--speed',
    '0.1',
    '--length-scale',
    '20',
    '--max-sentence-seconds',
    '5',
    '--out',
    out,
  ]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    oneLine(r.stderr),
    /sentence 1 of 2 would be \d+\.\d s of audio, over the limit of 5\.0 s per sentence; raise the speed/,
  );
  assert.equal(existsSync(out), false);
});

test('a request over --max-request-seconds stops at the sentence that would cross it', () => {
  const r = speak([
    '--text',
    'Hello there. How are you today? I am fine, thank you.',
    '--max-request-seconds',
    '2',
    '--out',
    join(dir, 'req.wav'),
  ]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneLine(r.stderr), /sentence [23] of 3 would be .* left in this request \(2 s in all\)/);
});

test('--help documents the limits with their defaults', () => {
  const r = spawnSync(process.execPath, [BIN, 'speak', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--max-sentence-seconds S +.*\(default: 40\)/);
  assert.match(r.stdout, /--max-request-seconds S +.*\(default: 600\)/);
  assert.match(r.stdout, /--max-job-seconds S +.*\(default: 300\)/);
  assert.match(r.stdout, /--speed X +Speaking rate in \[0\.1, 10\]/);
  assert.match(r.stdout, /141 the reader of --pipe-out closed the pipe early/);
});

test('Chinese or Arabic text to the English voice is refused naming the characters, not spelled out', () => {
  for (const text of ['你好世界', 'مرحبا بالعالم']) {
    const r = speak(['--text', text, '--out', join(dir, 'zh.wav')]);
    assert.equal(r.status, 2, r.stderr);
    const line = oneLine(r.stderr);
    assert.match(line, /text has no symbol this model can speak/);
    assert.match(line, /are not letters of its language \(en-us\)/);
    assert.ok(line.includes(JSON.stringify([...text][0])), line);
  }
});

test('mixed text speaks the English and warns naming the dropped letters', () => {
  const out = join(dir, 'mixed.wav');
  const r = speak(['--text', 'Hello 世界 world.', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /Warning: characters this voice cannot speak were dropped \(language en-us\): "世" x1, "界" x1/,
  );
  assert.ok(existsSync(out));
});

test('--language zh is refused by speak as the server refuses language_id=zh', () => {
  const r = speak(['--language', 'zh', '--text', 'Hello.', '--out', join(dir, 'lang.wav')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneLine(r.stderr), /unsupported language "zh"; this voice speaks en-us/);
});

test('--out into a missing folder fails first, naming the folder (no temp file named, no synthesis)', () => {
  const missing = join(dir, 'no', 'such');
  const r = speak(['--loader', 'fake', '--text', 'Hello.', '--out', join(missing, 'x.wav')]);
  assert.equal(r.status, 2, r.stderr);
  const line = oneLine(r.stderr);
  assert.equal(line, `ribbit speak: --out: the folder ${missing} does not exist`);
  assert.doesNotMatch(line, /tmp-/);
  const r2 = speak(['--loader', 'fake', '--text', 'Hello.', '--out', dir]);
  assert.equal(r2.status, 2);
  assert.match(oneLine(r2.stderr), /is a folder; give a file name/);
});

test('--pipe-out into `head -c 10` exits quietly with 141 (no unhandled EPIPE)', () => {
  const text = 'Hello there. This is a longer test of the pipe, long enough to fill it.';
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${BIN}" speak --loader fake --pipe-out --text "${text}" | head -c 10 | wc -c`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.stdout.trim(), '10');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 141);
});

test('a model file that is neither safetensors nor pth: one sentence naming it and the formats', () => {
  const bad = join(dir, 'model.bin');
  writeFileSync(bad, 'this is not a model at all\n');
  const r = speak([
    '--model-path',
    bad,
    '--config-path',
    VOICE_CONFIG,
    '--text',
    'Hi.',
    '--out',
    join(dir, 'm.wav'),
  ]);
  assert.equal(r.status, 1, r.stderr);
  const line = oneLine(r.stderr);
  assert.ok(line.includes(bad), line);
  assert.match(line, /is not a model file ribbit can read \(accepted: .*safetensors.*\.pth\)/);
  assert.doesNotMatch(line, /JSON/);
  // nothing stray was left in the working folder
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('tmp')),
    [],
  );
});
