// `ribbit train` stopped by SIGTERM or SIGHUP (issue 15 item 4): like Ctrl-C, it finishes the step, saves a
// checkpoint and exits with 128 + the signal's number; --continue-path then resumes the run. A subprocess
// training a tiny Glow-TTS on an 8-utterance demo dataset.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { listCheckpoints } from '../../src/trainer/checkpoint.ts';
import { DEMO_DATA_FIELDS, TINY_GLOW_TTS_FIELDS } from './cli_helpers.ts';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
let dir = '';
let configPath = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-train-signals-'));
  await makeDemoDataset({ out: join(dir, 'data'), sentences: 8 });
  configPath = join(dir, 'config.json');
  const config = {
    model: 'glow_tts',
    runName: 'sig',
    outputPath: 'runs',
    epochs: 1000,
    batchSize: 2,
    evalBatchSize: 2,
    evalSplitSize: 2,
    runEval: false,
    printStep: 1,
    saveStep: 100000,
    ...DEMO_DATA_FIELDS,
    ...TINY_GLOW_TTS_FIELDS,
    testSentences: [],
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Starts `ribbit train`, sends `signal` once a training step has been logged; resolves with the exit.
 * `group`: to the whole process group, as a terminal's Ctrl-C does (the launcher, which forwards it, and the
 * training process itself both receive it).
 */
function trainUntilSignal(signal: NodeJS.Signals, runName: string, group = false) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'train', '--config-path', configPath, '--threads', '1', `--runName=${runName}`],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: group },
    );
    let out = '';
    let sent = false;
    const onData = (c: Buffer) => {
      out += c.toString();
      if (!sent && /GLOBAL_STEP: [1-9]/.test(out)) {
        sent = true;
        if (group) process.kill(-(child.pid as number), signal);
        else child.kill(signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 120 s:\n${out}`));
    }, 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function runFolder(runName: string): string {
  const runs = readdirSync(join(dir, 'runs')).filter((n) => n.startsWith(`${runName}-`));
  assert.equal(runs.length, 1, runs.join(', '));
  return join(dir, 'runs', runs[0]!);
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal}: the step finishes, a checkpoint is saved, exit ${code}; --continue-path resumes`, async () => {
    const runName = signal.toLowerCase();
    const r = await trainUntilSignal(signal, runName);
    assert.equal(r.code, code, r.out);
    const run = runFolder(runName);
    // after a hang-up the terminal is gone: the trainer writes on to its log file only
    const said = signal === 'SIGHUP' ? readFileSync(join(run, 'trainer_0_log.txt'), 'utf8') : r.out;
    assert.match(said, new RegExp(`Received ${signal}: finishing this step, saving a checkpoint`));
    assert.match(said, /Checkpoint saved: /);
    const saved = listCheckpoints(run);
    assert.equal(saved.length, 1, r.out);
    assert.ok(saved[0]!.step >= 1);
    assert.match(r.out, new RegExp(`Stopped by ${signal}; resume with --continue-path`));
    const resumed = spawnSync(
      process.execPath,
      [BIN, 'train', '--continue-path', run, '--threads', '1', '--max-steps', String(saved[0]!.step + 1)],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(resumed.status, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(
      resumed.stdout,
      new RegExp(`Resumed ${saved[0]!.name} \\(epoch \\d+, step ${saved[0]!.step}\\)`),
    );
    assert.deepEqual(
      listCheckpoints(run).map((c) => c.step),
      [saved[0]!.step, saved[0]!.step + 1],
    );
  });
}

test('Ctrl-C in a terminal (SIGINT to the process group, so twice to the trainer): still one clean stop', async () => {
  const r = await trainUntilSignal('SIGINT', 'ctrlc', true);
  assert.equal(r.code, 130, r.out);
  assert.match(r.out, /Interrupted: finishing this step, saving a checkpoint/);
  assert.match(r.out, /Checkpoint saved: /);
  assert.equal(listCheckpoints(runFolder('ctrlc')).length, 1, r.out);
});
