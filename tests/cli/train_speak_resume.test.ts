// The whole path through the command line, as a user takes it: make an 8-utterance demo dataset, train a tiny
// Glow-TTS for one epoch with `ribbit train`, synthesize a WAV from its last checkpoint with `ribbit speak`, and
// resume the run with `ribbit train --continue-path`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { DEMO_DATA_FIELDS, onlyRunFolder, runRibbit, TINY_GLOW_TTS_FIELDS } from './cli_helpers.ts';

let dir = '';
let configPath = '';

const ribbit = (...args: string[]) => runRibbit(dir, ...args);

const runFolder = () => onlyRunFolder(dir, 'tiny');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-cli-train-'));
  await makeDemoDataset({ out: join(dir, 'data'), sentences: 8 });
  configPath = join(dir, 'config.json');
  const config = {
    model: 'glow_tts',
    runName: 'tiny',
    outputPath: 'runs',
    epochs: 1,
    batchSize: 3,
    evalBatchSize: 2,
    evalSplitSize: 2,
    printStep: 1,
    plotStep: 1,
    saveStep: 1000,
    ...DEMO_DATA_FIELDS,
    ...TINY_GLOW_TTS_FIELDS,
    testSentences: ['Be a voice, not an echo.'],
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ribbit train: one epoch writes config, log, TensorBoard events and a checkpoint', () => {
  const r = ribbit('train', '--config-path', configPath, '--threads', '1');
  assert.equal(r.status, 0, r.out);
  const run = runFolder();
  const files = readdirSync(run);
  for (const f of ['config.json', 'trainer_0_log.txt', 'checkpoint_2.json', 'checkpoint_2.safetensors'])
    assert.ok(files.includes(f), `${f} missing in ${files.join(', ')}`);
  assert.ok(files.some((f) => f.startsWith('events.out.tfevents.')));
  assert.ok(files.some((f) => /^best_model_\d+\.json$/.test(f)));
  // the saved config rebuilds the tokenizer: the vocabulary and numChars were filled in
  const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'));
  assert.equal(saved.model, 'glow_tts');
  assert.ok(saved.numChars > 100, `numChars ${saved.numChars}`);
  assert.equal(saved.characters.charactersClass, 'IPAPhonemes');
  assert.match(r.out, /loss/);
});

test('ribbit speak: a WAV from the last checkpoint of the run', () => {
  const out = join(dir, 'out.wav');
  const r = ribbit('speak', '--model-path', runFolder(), '--text', 'Hello there. How are you?', '--out', out);
  assert.equal(r.status, 0, r.out);
  const wav = readWav(new Uint8Array(readFileSync(out)));
  assert.equal(wav.sampleRate, 22050);
  assert.ok(wav.samples.length > 1000, `${wav.samples.length} samples`);
  assert.ok(wav.samples.every(Number.isFinite));
});

test('ribbit export --fp16: a voice folder half the size that speaks', () => {
  const voice = join(dir, 'voice');
  const r = ribbit('export', '--model-path', runFolder(), '--out', voice, '--fp16');
  assert.equal(r.status, 0, r.out);
  const run = runFolder();
  const full = statSync(join(run, 'checkpoint_2.safetensors')).size;
  const half = statSync(join(voice, 'model.safetensors')).size;
  assert.ok(half < full * 0.55, `${half} bytes vs ${full}`);
  const out = join(dir, 'voice.wav');
  const s = ribbit('speak', '--model-path', voice, '--text', 'Hello there.', '--out', out);
  assert.equal(s.status, 0, s.out);
  assert.ok(readWav(new Uint8Array(readFileSync(out))).samples.length > 500);
});

test('ribbit train --continue-path resumes the run in place for one more epoch', () => {
  const run = runFolder();
  const r = ribbit('train', '--continue-path', run, '--epochs=2', '--threads', '1');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /Resumed checkpoint_2 \(epoch 1, step 2\)/);
  assert.ok(existsSync(join(run, 'checkpoint_4.json')), readdirSync(run).join(', '));
  assert.equal(readdirSync(join(dir, 'runs')).filter((n) => n.startsWith('tiny-')).length, 1);
});
