// The LJSpeech Glow-TTS recipe builds valid configs (Coqui's recipe settings; --demo: recipes/demo/glow_tts.json
// on the given data) and splits its own options from config overrides. Nothing is trained.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { DEMO_CONFIG, makeConfig, parseArgs } from '../../recipes/ljspeech/glow_tts.ts';
import { applyOverrides, loadConfig } from '../../src/config/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';

test('LJSpeech config: Coqui recipe settings and architecture defaults', () => {
  const c = makeConfig('/data/LJSpeech-1.1', { outputPath: 'out' });
  assert.deepEqual(GlowTTSConfig.parse(c), c); // valid as it is
  assert.equal(c.model, 'glow_tts');
  assert.equal(c.batchSize, 32);
  assert.equal(c.evalBatchSize, 16);
  assert.equal(c.epochs, 1000);
  assert.equal(c.runEval, true);
  assert.equal(c.usePhonemes, true);
  assert.equal(c.phonemeLanguage, 'en-us');
  assert.equal(c.textCleaner, 'phoneme_cleaners');
  assert.equal(c.phonemeCachePath, 'out/phoneme_cache');
  assert.equal(c.outputPath, 'out');
  assert.equal(c.printStep, 25);
  assert.deepEqual(
    c.datasets.map((d) => [d.formatter, d.path, d.metaFileTrain]),
    [['ljspeech', '/data/LJSpeech-1.1', 'metadata.csv']],
  );
  assert.equal(c.hiddenChannelsEnc, 192);
  assert.equal(c.hiddenChannelsDec, 192);
  assert.equal(c.numFlowBlocksDec, 12);
  assert.equal(c.encoderParams.numLayers, 6);
  assert.equal(c.optimizer, 'RAdam');
  assert.equal(c.lrScheduler, 'NoamLR');
});

test('--demo: the bundled voice config pointed at the given data', () => {
  const demo = loadConfig(DEMO_CONFIG, { configClass: GlowTTSConfig });
  const c = makeConfig('data/demo', { demo: true });
  assert.deepEqual(GlowTTSConfig.parse(c), c);
  for (const k of [
    'hiddenChannelsEnc',
    'hiddenChannelsDec',
    'numFlowBlocksDec',
    'numBlockLayers',
    'batchSize',
    'lr',
  ] as const) {
    assert.deepEqual(c[k], demo[k], k);
  }
  assert.deepEqual(c.encoderParams, demo.encoderParams);
  assert.equal(c.usePhonemes, demo.usePhonemes);
  assert.equal(c.datasets[0].path, resolve('data/demo'));
  assert.equal(c.phonemeCachePath, 'runs/phoneme_cache');
  // Noam's warm_up counts scheduler steps: stepped per epoch, warmup_steps 500 would mean 500 epochs
  assert.equal(demo.schedulerAfterEpoch, false);
  assert.equal(c.schedulerAfterEpoch, false);
});

test('recipe options are split from config overrides, which apply', () => {
  const a = parseArgs(['--data', '/d', '--output=o', '--batchSize=8', '--epochs', '3', '--demo']);
  assert.deepEqual(a, { data: '/d', output: 'o', demo: true, overrides: ['--batchSize=8', '--epochs', '3'] });
  const { config, rest } = applyOverrides(makeConfig('/d'), a.overrides);
  assert.deepEqual(rest, []);
  assert.equal(config.batchSize, 8);
  assert.equal(config.epochs, 3);
  assert.throws(() => parseArgs(['--data']), /--data: needs a value/);
  assert.throws(() => applyOverrides(makeConfig('/d'), ['--batchSize=-1']));
});
