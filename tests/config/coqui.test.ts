import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  BaseAudioConfig,
  BaseTTSConfig,
  type ConfigError,
  type ConfigOf,
  f,
  fromCoquiJson,
  loadConfig,
  parsePythonJson,
  readJsonFile,
  registerConfig,
  toCoquiJson,
} from '../../src/config/index.ts';

const fixtures = new URL('../fixtures/config/', import.meta.url).pathname;
const glowPath = `${fixtures}coqui_glow_tts_config.json`;

/** A test-only Glow-TTS config with a few of Coqui's GlowTTSConfig fields (the real one lives in src/tts). */
const TestGlowConfig = registerConfig(
  BaseTTSConfig.extend('TestGlowConfig', {
    model: f.literal('glow_tts'),
    numChars: f.int(0, { min: 0 }),
    encoderType: f.enum(
      ['rel_pos_transformer', 'gated_conv', 'residual_conv_bn', 'time_depth_separable'],
      'rel_pos_transformer',
    ),
    encoderParams: f.record({ kernel_size: 3, dropout_p: 0.1, num_layers: 6 }),
    hiddenChannelsEnc: f.int(192, { min: 1 }),
    dropoutPDp: f.number(0.1, { min: 0, max: 1 }),
    meanOnly: f.bool(true),
    useSpeakerEmbedding: f.bool(false),
    dVectorFile: f.union([f.string(), f.bool()], false, { nullable: true }),
  }),
);
type TestGlowConfig = ConfigOf<typeof TestGlowConfig>;

const expectedAudio: BaseAudioConfig = {
  fftSize: 1024,
  winLength: 1024,
  hopLength: 256,
  frameShiftMs: null,
  frameLengthMs: null,
  stftPadMode: 'reflect',
  sampleRate: 22050,
  resample: false,
  preemphasis: 0,
  refLevelDb: 20,
  doSoundNorm: false,
  logFunc: 'np.log10',
  doTrimSilence: false,
  trimDb: 45,
  doRmsNorm: false,
  dbLevel: null,
  power: 1.5,
  griffinLimIters: 60,
  numMels: 80,
  melFmin: 0,
  melFmax: null,
  specGain: 20,
  doAmpToDbLinear: true,
  doAmpToDbMel: true,
  pitchFmax: 640,
  pitchFmin: 1,
  signalNorm: true,
  minLevelDb: -100,
  symmetricNorm: true,
  maxNorm: 4,
  clipNorm: true,
  statsPath: null,
};

test('Coqui audio configs load with exactly equal values', () => {
  const glow = readJsonFile(`${fixtures}coqui_audio_glowtts.json`) as { base_audio_config: unknown };
  const ignored: string[][] = [];
  const a = fromCoquiJson(glow.base_audio_config, {
    configClass: BaseAudioConfig,
    onIgnored: (p) => ignored.push(p),
  });
  assert.deepEqual(a.config, expectedAudio);
  assert.deepEqual(a.ignored, []);
  assert.deepEqual(ignored, [], 'the callback only fires when something was ignored');

  const vits = readJsonFile(`${fixtures}coqui_audio_vits.json`) as { base_audio_config: unknown };
  const v = fromCoquiJson(vits.base_audio_config, { configClass: BaseAudioConfig }).config;
  assert.deepEqual(v, {
    ...expectedAudio,
    logFunc: 'np.log',
    specGain: 1,
    signalNorm: false,
    doAmpToDbLinear: false,
  });
});

test('a real Coqui Glow-TTS config.json loads into BaseTTSConfig; GlowTTS fields are reported', () => {
  const raw = readJsonFile(glowPath) as Record<string, unknown>;
  const reported: string[] = [];
  const { config, ignored } = fromCoquiJson(raw, {
    configClass: BaseTTSConfig,
    onIgnored: (paths) => reported.push(...paths),
  });
  assert.deepEqual(config.audio, expectedAudio);
  assert.equal(config.model, 'glow_tts');
  assert.equal(config.runName, 'run');
  assert.equal(config.epochs, 1000);
  assert.equal(config.batchSize, 32);
  assert.equal(config.evalBatchSize, 16);
  assert.equal(config.gradClip, 5);
  assert.equal(config.lr, 0.001);
  assert.equal(config.optimizer, 'RAdam');
  assert.deepEqual(config.optimizerParams, { betas: [0.9, 0.998], weight_decay: 1e-6 }, 'dict keys are kept');
  assert.equal(config.lrScheduler, 'NoamLR');
  assert.deepEqual(config.lrSchedulerParams, { warmup_steps: 4000 });
  assert.equal(config.seed, 54321, 'training_seed -> seed');
  assert.equal(config.textCleaner, 'english_cleaners');
  assert.equal(config.characters?.charactersClass, 'TTS.tts.utils.text.characters.Graphemes');
  assert.equal(config.characters?.characters, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
  assert.equal(config.characters?.punctuations, "!'(),-.:;? ");
  assert.equal(config.characters?.isSorted, true);
  assert.equal(config.maxAudioLen, Number.POSITIVE_INFINITY);
  assert.equal(config.maxTextLen, Number.POSITIVE_INFINITY);
  assert.equal(config.datasets.length, 1);
  assert.equal(config.datasets[0].metaFileTrain, '');
  assert.equal(config.testSentences.length, 5);
  assert.equal(config.testSentences[1], 'Be a voice, not an echo.');
  // The Glow-TTS model fields are not BaseTTSConfig fields: reported, not dropped silently, not an error.
  assert.deepEqual(reported, ignored);
  for (const k of ['num_chars', 'encoder_type', 'encoder_params', 'hidden_channels_enc', 'mean_only', 'r']) {
    assert.ok(ignored.includes(k), k);
  }
  assert.equal(ignored.length, 32);
  // Every other Coqui key was used.
  const used = Object.keys(raw).filter((k) => !ignored.includes(k));
  assert.equal(
    used.length,
    Object.keys(BaseTTSConfig.fields).length - 2,
    'all but gradAccumSteps and skipBadSamples (ribbit-only)',
  );
});

test('the Glow-TTS config dispatches to the registered model config; its own fields load', () => {
  const reported: string[] = [];
  const config = loadConfig(glowPath, { onIgnored: (p) => reported.push(...p) }) as TestGlowConfig;
  assert.equal(config.model, 'glow_tts');
  assert.equal(config.numChars, 67);
  assert.equal(config.encoderType, 'rel_pos_transformer');
  assert.deepEqual(config.encoderParams, {
    kernel_size: 3,
    dropout_p: 0.1,
    num_layers: 2,
    num_heads: 2,
    hidden_channels_ffn: 128,
    input_length: null,
  });
  assert.equal(config.hiddenChannelsEnc, 64);
  assert.equal(config.dropoutPDp, 0.1);
  assert.equal(config.dVectorFile, false);
  assert.deepEqual(config.audio, expectedAudio);
  assert.ok(reported.includes('num_flow_blocks_dec'));
  assert.ok(!reported.includes('num_chars'));
  assert.ok(!reported.includes('encoder_params'));
});

test('ignored fields are reported with nested paths; the default callback warns', () => {
  const raw = parsePythonJson(readFileSync(glowPath, 'utf8')) as Record<string, unknown>;
  const audio = { ...(raw.audio as object), win_function: 'hann' };
  const datasets = [{ formatter: 'ljspeech', path: '/lj', name: 'old-style' }];
  const characters = { ...(raw.characters as object), unique: true };
  const input = { ...raw, audio, datasets, characters };
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (msg: string) => warnings.push(msg);
  try {
    const { config, ignored } = fromCoquiJson(input);
    assert.equal((config as TestGlowConfig).datasets[0].formatter, 'ljspeech');
    assert.ok(ignored.includes('audio.win_function'));
    assert.ok(ignored.includes('datasets.0.name'));
    assert.ok(ignored.includes('characters.unique'));
  } finally {
    console.warn = original;
  }
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /TestGlowConfig: ignored Coqui fields that ribbit does not have: .*audio\.win_function/,
  );
});

test('bad values in a Coqui config are ConfigErrors with camelCase paths', () => {
  const raw = readJsonFile(glowPath) as Record<string, unknown>;
  const input = { ...raw, audio: { ...(raw.audio as object), sample_rate: 'x' }, batch_size: -1 };
  assert.throws(
    () => fromCoquiJson(input, { onIgnored: () => {} }),
    (err: ConfigError) => {
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['batchSize', 'audio.sampleRate'],
      );
      return true;
    },
  );
  assert.throws(
    () => fromCoquiJson({ ...raw, model: 'tacotron' }),
    /unknown model "tacotron" \(registered models: .*glow_tts/,
  );
});

test('toCoquiJson writes the snake_case names back', () => {
  const raw = readJsonFile(glowPath) as Record<string, unknown>;
  const config = loadConfig(raw, { onIgnored: () => {} });
  const back = toCoquiJson(config);
  for (const [k, v] of Object.entries(back)) {
    if (k === 'grad_accum_steps' || k === 'skip_bad_samples') continue; // ribbit-only fields
    assert.deepEqual(v, raw[k], k);
  }
  assert.equal(back.training_seed, 54321);
  assert.equal((back.audio as Record<string, unknown>).sample_rate, 22050);
  // And it loads again to the same config.
  assert.deepEqual(fromCoquiJson(back).config, config);
});
