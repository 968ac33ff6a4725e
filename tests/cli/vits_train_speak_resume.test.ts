// VITS through the command line, as a user takes it: make an 8-utterance demo dataset, train a tiny VITS
// (both optimizers) for one epoch with `ribbit train`, speak from the run with `ribbit speak` (the waveform
// VITS returns, no vocoder), and resume the run with `ribbit train --continue-path`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { DEMO_DATA_FIELDS, onlyRunFolder, runRibbit } from './cli_helpers.ts';

let dir = '';
let configPath = '';

const ribbit = (...args: string[]) => runRibbit(dir, ...args);

const runFolder = () => onlyRunFolder(dir, 'tiny_vits');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-cli-vits-'));
  await makeDemoDataset({ out: join(dir, 'data'), sentences: 8 });
  configPath = join(dir, 'config.json');
  const config = {
    model: 'vits',
    runName: 'tiny_vits',
    outputPath: 'runs',
    epochs: 1,
    batchSize: 3,
    evalBatchSize: 2,
    evalSplitSize: 2,
    printStep: 1,
    plotStep: 1,
    saveStep: 1000,
    ...DEMO_DATA_FIELDS,
    modelArgs: {
      hiddenChannels: 16,
      hiddenChannelsFfnTextEncoder: 32,
      numLayersTextEncoder: 1,
      numLayersPosteriorEncoder: 2,
      numLayersFlow: 1,
      specSegmentSize: 8,
      upsampleInitialChannelDecoder: 32,
      resblockKernelSizesDecoder: [3],
      resblockDilationSizesDecoder: [[1, 3]],
      periodsMultiPeriodDiscriminator: [2, 3],
      scaleDiscriminatorChannels: [4, 8, 16, 16, 16, 16],
      periodDiscriminatorChannels: [4, 8, 16, 16, 16],
    },
    testSentences: [['Be a voice, not an echo.', null, null, null]],
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ribbit train: one epoch of both optimizers writes a checkpoint, both losses and audio', () => {
  const r = ribbit('train', '--config-path', configPath, '--threads', '1');
  assert.equal(r.status, 0, r.out);
  const run = runFolder();
  const files = readdirSync(run);
  for (const f of ['config.json', 'checkpoint_2.json', 'checkpoint_2.safetensors'])
    assert.ok(files.includes(f), `${f} missing in ${files.join(', ')}`);
  // Coqui's optimizer order: 0 the discriminator, 1 the generator
  for (const key of ['loss_0', 'loss_1', 'grad_norm_0', 'grad_norm_1', 'lossDisc', 'lossMel', 'lossKl'])
    assert.match(r.out, new RegExp(`\\| > ${key}: `), key);
  const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'));
  assert.equal(saved.model, 'vits');
  assert.ok(saved.modelArgs.numChars > 100, `numChars ${saved.modelArgs.numChars} from the tokenizer`);
  const events = readdirSync(run).find((f) => f.startsWith('events.out.tfevents.')) as string;
  const text = readFileSync(join(run, events)).toString('latin1');
  for (const tag of ['train/alignment', 'train/audio', 'TestAudios/0-audio', 'EvalStats/loss_1'])
    assert.ok(text.includes(tag), `${tag} logged`);
});

test('ribbit speak: the VITS waveform from the run (no vocoder)', () => {
  const out = join(dir, 'out.wav');
  const r = ribbit('speak', '--model-path', runFolder(), '--text', 'Hello there. How are you?', '--out', out);
  assert.equal(r.status, 0, r.out);
  const wav = readWav(new Uint8Array(readFileSync(out)));
  assert.equal(wav.sampleRate, 22050);
  assert.ok(wav.samples.length > 2000, `${wav.samples.length} samples`);
  assert.ok(wav.samples.every(Number.isFinite));
});

test('ribbit train --continue-path resumes the VITS run for one more epoch', () => {
  const run = runFolder();
  const r = ribbit('train', '--continue-path', run, '--epochs=2', '--threads', '1');
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /Resumed checkpoint_2 \(epoch 1, step 2\)/);
  assert.ok(existsSync(join(run, 'checkpoint_4.json')), readdirSync(run).join(', '));
});
