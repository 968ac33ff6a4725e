// The VITS recipes build valid configs: recipes/ljspeech/vits.ts (Coqui's LJSpeech VITS recipe settings and
// architecture defaults) and recipes/demo/vits.json (a small VITS for the espeak-ng demo data on 2 CPU cores),
// whose model builds with two optimizers in Coqui's order. Nothing is trained.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { DEMO_CONFIG, makeConfig } from '../../recipes/ljspeech/vits.ts';
import { applyOverrides, loadConfig } from '../../src/config/index.ts';
import { VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { Vits } from '../../src/tts/models/vits.ts';

test("LJSpeech VITS config: Coqui's recipe settings, VitsArgs / VitsAudioConfig defaults", () => {
  const c = makeConfig('/data/LJSpeech-1.1', { outputPath: 'out' });
  assert.deepEqual(VitsConfig.parse(c), c); // valid as it is
  assert.equal(c.model, 'vits');
  assert.equal(c.runName, 'vits_ljspeech');
  assert.equal(c.batchSize, 32);
  assert.equal(c.evalBatchSize, 16);
  assert.equal(c.batchGroupSize, 5);
  assert.equal(c.epochs, 1000);
  assert.equal(c.textCleaner, 'english_cleaners');
  assert.equal(c.usePhonemes, true);
  assert.equal(c.phonemeLanguage, 'en-us');
  assert.equal(c.phonemeCachePath, 'out/phoneme_cache');
  assert.equal(c.printStep, 25);
  assert.equal(c.printEval, true);
  assert.deepEqual(
    c.datasets.map((d) => [d.formatter, d.path, d.metaFileTrain]),
    [['ljspeech', '/data/LJSpeech-1.1', 'metadata.csv']],
  );
  const a = c.audio;
  assert.deepEqual(
    [a.sampleRate, a.fftSize, a.winLength, a.hopLength, a.numMels, a.melFmin, a.melFmax],
    [22050, 1024, 1024, 256, 80, 0, null],
  );
  assert.equal(c.modelArgs.hiddenChannels, 192);
  assert.equal(c.modelArgs.upsampleInitialChannelDecoder, 512);
  assert.deepEqual(c.modelArgs.scaleDiscriminatorChannels, [16, 64, 256, 1024, 1024, 1024]);
  assert.deepEqual(c.modelArgs.periodDiscriminatorChannels, [32, 128, 512, 1024, 1024]);
  assert.deepEqual([c.optimizer, c.lrGen, c.lrDisc, c.gradClip], ['AdamW', 2e-4, 2e-4, [1000, 1000]]);
  // overrides reach the nested architecture
  const { config } = applyOverrides(c, ['--modelArgs.hiddenChannels=96', '--batchSize=8']);
  assert.equal(config.modelArgs.hiddenChannels, 96);
  assert.equal(config.batchSize, 8);
});

test('the demo VITS: a small model with two optimizers (discriminator first) for 2 cores', () => {
  const demo = loadConfig(DEMO_CONFIG, { configClass: VitsConfig });
  const c = makeConfig('data/demo', { demo: true });
  assert.deepEqual(VitsConfig.parse(c), c);
  assert.deepEqual(c.modelArgs, demo.modelArgs);
  assert.equal(c.datasets[0].path, resolve('data/demo'));
  assert.equal(c.usePhonemes, true);
  const model = new Vits(c);
  const groups = model.optimizerGroups();
  const count = (ps: { numel: number }[]) => ps.reduce((n, p) => n + p.numel, 0);
  const gen = count(groups.generator);
  const disc = count(groups.discriminator);
  // Coqui's LJSpeech VITS has ~36M generator and ~47M discriminator parameters; the demo is far smaller
  assert.ok(gen > 1e6 && gen < 8e6, `generator ${gen}`);
  assert.ok(disc > 1e5 && disc < 3e6, `discriminator ${disc}`);
  const optimizers = model.getOptimizer() as { parameters(): Iterable<unknown> }[];
  assert.equal(optimizers.length, 2);
  assert.deepEqual(
    optimizers.map((o) => [...o.parameters()].length),
    [groups.discriminator.length, groups.generator.length],
  );
  const hop = c.modelArgs.upsampleRatesDecoder.reduce((p, r) => p * r, 1);
  assert.equal(hop, c.audio.hopLength);
});
