// `ribbit train` options: --model-module (a model defined outside ribbit: tests/trainer/toy_gan.ts registers
// "toy_gan"), --max-steps (stops with a checkpoint that --continue-path resumes), --device (checked).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { cudaDeviceCount } from '../../src/torch/index.ts';

const BIN = resolve(import.meta.dirname, '../../bin/ribbit.mjs');
const MODULE = resolve(import.meta.dirname, '../trainer/toy_gan.ts');
let dir = '';

function ribbit(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, RIBBIT_NUM_THREADS: '1' },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-train-options-'));
  // a Coqui-style config file of the toy GAN (snake_case), 4 steps per epoch
  const config = {
    model: 'toy_gan',
    run_name: 'gan',
    output_path: join(dir, 'runs'),
    epochs: 3,
    batch_size: 8,
    eval_batch_size: 8,
    print_step: 1,
    save_step: 1000,
    optimizer: 'Adam',
    lr_gen: 0.01,
    lr_disc: 0.02,
    dashboard_logger: 'none',
  };
  writeFileSync(join(dir, 'gan.json'), JSON.stringify(config));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--model-module trains a model defined outside ribbit; --max-steps stops there and resumes', () => {
  const r = ribbit(
    'train',
    '--model-module',
    MODULE,
    '--config-path',
    'gan.json',
    '--max-steps',
    '3',
    '--quiet',
  );
  assert.equal(r.code, 0, r.out);
  const runs = readdirSync(join(dir, 'runs'));
  assert.equal(runs.length, 1);
  const run = join(dir, 'runs', runs[0]);
  assert.ok(existsSync(join(run, 'checkpoint_3.safetensors')), readdirSync(run).join(' '));
  assert.match(readFileSync(join(run, 'trainer_0_log.txt'), 'utf8'), /Stopped at step 3 \(maxSteps\)/);
  assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).model, 'toy_gan');
  const c = ribbit('train', '--model-module', MODULE, '--continue-path', run, '--max-steps', '6', '--quiet');
  assert.equal(c.code, 0, c.out);
  assert.ok(existsSync(join(run, 'checkpoint_6.safetensors')), readdirSync(run).join(' '));
  // without the module, the model is unknown
  const u = ribbit('train', '--config-path', 'gan.json', '--max-steps', '1');
  assert.notEqual(u.code, 0);
  assert.match(u.out, /no model is registered as "toy_gan"|toy_gan/);
});

test('bad --max-steps, --model-module and --device values fail with one clear message', () => {
  const m = ribbit('train', '--config-path', 'gan.json', '--max-steps', '0');
  assert.equal(m.code, 2, m.out);
  assert.match(m.out, /--max-steps must be a positive integer/);
  const mm = ribbit('train', '--model-module', './nope.ts', '--config-path', 'gan.json');
  assert.equal(mm.code, 2, mm.out);
  assert.match(mm.out, /--model-module \.\/nope\.ts: /);
  const d = ribbit('train', '--model-module', MODULE, '--config-path', 'gan.json', '--device', 'gpu');
  assert.equal(d.code, 2, d.out);
  assert.match(d.out, /--device: device must be 'cpu', 'cuda' or 'cuda:N'/);
  if (cudaDeviceCount() === 0) {
    const c = ribbit('train', '--model-module', MODULE, '--config-path', 'gan.json', '--device', 'cuda');
    assert.equal(c.code, 2, c.out);
    assert.match(c.out, /needs CUDA, but this libtorch has no CUDA support/);
  }
});

test('--device cpu trains', () => {
  const r = ribbit(
    'train',
    '--model-module',
    MODULE,
    '--config-path',
    'gan.json',
    '--device',
    'cpu',
    '--max-steps',
    '2',
    '--quiet',
    '--runName=cpu',
  );
  assert.equal(r.code, 0, r.out);
  assert.ok(readdirSync(join(dir, 'runs')).some((n) => n.startsWith('cpu-')));
});
