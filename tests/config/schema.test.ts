import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BaseAudioConfig,
  BaseDatasetConfig,
  BaseTTSConfig,
  CharactersConfig,
  ConfigError,
  type ConfigOf,
  camelToSnake,
  defineConfig,
  describeConfig,
  f,
  formatConfigHelp,
  snakeToCamel,
  TrainerConfig,
} from '../../src/config/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

test('BaseAudioConfig defaults are Coqui 0.22 defaults', () => {
  const a = BaseAudioConfig.create();
  assert.equal(a.fftSize, 1024);
  assert.equal(a.winLength, 1024);
  assert.equal(a.hopLength, 256);
  assert.equal(a.frameShiftMs, null);
  assert.equal(a.stftPadMode, 'reflect');
  assert.equal(a.sampleRate, 22050);
  assert.equal(a.logFunc, 'np.log10');
  assert.equal(a.doTrimSilence, true);
  assert.equal(a.trimDb, 45);
  assert.equal(a.power, 1.5);
  assert.equal(a.numMels, 80);
  assert.equal(a.melFmax, null);
  assert.equal(a.specGain, 20);
  assert.equal(a.signalNorm, true);
  assert.equal(a.minLevelDb, -100);
  assert.equal(a.maxNorm, 4);
  assert.equal(a.statsPath, null);
  assert.equal(Object.keys(a).length, 32);
});

test('TrainerConfig and BaseTTSConfig defaults, field order and inheritance', () => {
  const t = TrainerConfig.create();
  assert.equal(t.outputPath, 'output');
  assert.equal(t.runName, 'run');
  assert.equal(t.epochs, 1000);
  assert.equal(t.batchSize, 32);
  assert.equal(t.evalBatchSize, 16);
  assert.equal(t.printStep, 25);
  assert.equal(t.plotStep, 100);
  assert.equal(t.saveStep, 10000);
  assert.equal(t.saveNCheckpoints, 5);
  assert.equal(t.gradClip, 0);
  assert.equal(t.lr, 0.001);
  assert.equal(t.optimizer, null);
  assert.deepEqual(t.optimizerParams, {});
  assert.equal(t.lrScheduler, null);
  assert.deepEqual(t.lrSchedulerParams, {});
  assert.equal(t.seed, 54321);
  assert.equal(t.dashboardLogger, 'tensorboard');

  const c = BaseTTSConfig.create();
  // Trainer fields are inherited; BaseTTSConfig's own defaults replace some of them in place.
  assert.equal(c.epochs, 1000);
  assert.equal(c.optimizer, 'radam');
  assert.equal(c.optimizerParams, null);
  assert.equal(c.lrScheduler, '');
  const keys = Object.keys(c);
  assert.equal(keys[0], 'outputPath');
  assert.ok(
    keys.indexOf('optimizer') < keys.indexOf('model'),
    'overridden fields keep their Trainer position',
  );
  assert.ok(keys.indexOf('model') < keys.indexOf('audio'));
  assert.equal(c.model, null);
  assert.equal(c.audio.sampleRate, 22050);
  assert.equal(c.characters, null);
  assert.equal(c.maxAudioLen, Number.POSITIVE_INFINITY);
  assert.equal(c.minTextLen, 1);
  assert.deepEqual(c.datasets, [BaseDatasetConfig.create()]);
  assert.deepEqual(c.testSentences, []);
  assert.equal(c.evalSplitSize, 0.01);
});

test('types are inferred from the single declaration', () => {
  const c = BaseTTSConfig.create({ audio: { sampleRate: 16000 }, datasets: [{ path: '/data' }] });
  assertType<Equal<typeof c.audio.sampleRate, number>>();
  assertType<Equal<typeof c.audio.melFmax, number | null>>();
  assertType<Equal<typeof c.audio.logFunc, 'np.log10' | 'np.log'>>();
  assertType<Equal<typeof c.datasets, BaseDatasetConfig[]>>();
  assertType<Equal<typeof c.characters, CharactersConfig | null>>();
  assertType<Equal<typeof c.testSentences, (string | (string | null)[])[]>>();
  assertType<Equal<typeof c.lr, number | number[]>>();
  assertType<Equal<typeof c.optimizerParams, Record<string, unknown> | Record<string, unknown>[] | null>>();
  assert.equal(c.audio.sampleRate, 16000);
  assert.equal(c.audio.numMels, 80, 'a nested partial is merged over the defaults');
  assert.equal(c.datasets[0].path, '/data');
  assert.equal(c.datasets[0].formatter, '');

  // @ts-expect-error sampleRate is an int, not a string
  assert.throws(() => BaseAudioConfig.create({ sampleRate: '16000' }), ConfigError);
  // @ts-expect-error logFunc only allows 'np.log10' | 'np.log'
  assert.throws(() => BaseAudioConfig.create({ logFunc: 'ln' }), ConfigError);
  // @ts-expect-error unknown field
  assert.throws(() => BaseAudioConfig.create({ sampleRat: 16000 }), ConfigError);
});

test('required fields, literal model and extension', () => {
  const Speaker = defineConfig('Speaker', {
    name: f.string(),
    embeddingDim: f.int(undefined, { min: 1, help: 'size' }),
    weight: f.number(1.0),
  });
  type Speaker = ConfigOf<typeof Speaker>;
  assertType<Equal<Speaker, { name: string; embeddingDim: number; weight: number }>>();
  const s = Speaker.create({ name: 'a', embeddingDim: 4 });
  assert.deepEqual(s, { name: 'a', embeddingDim: 4, weight: 1 });
  assert.throws(
    // @ts-expect-error name and embeddingDim are required
    () => Speaker.create({}),
    (err: ConfigError) => {
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['name', 'embeddingDim'],
      );
      assert.match(err.problems[0].message, /missing required field \(expected a string\)/);
      assert.match(err.problems[1].message, /missing required field \(expected an integer >= 1\)/);
      return true;
    },
  );

  const ToyConfig = BaseTTSConfig.extend('ToyConfig', {
    model: f.literal('toy'),
    hiddenChannels: f.int(192, { min: 1 }),
    audio: f.config(BaseAudioConfig, { sampleRate: 16000 }),
    lr: f.union([f.number(), f.array(f.number())], 1e-4),
  });
  type ToyConfig = ConfigOf<typeof ToyConfig>;
  const t: ToyConfig = ToyConfig.create({ audio: { numMels: 64 } });
  assertType<Equal<typeof t.model, 'toy'>>();
  assert.equal(ToyConfig.modelName, 'toy');
  assert.equal(BaseTTSConfig.modelName, undefined);
  assert.equal(t.model, 'toy');
  assert.equal(t.hiddenChannels, 192);
  assert.equal(t.lr, 1e-4);
  assert.equal(t.audio.sampleRate, 16000, "the subclass's audio default");
  assert.equal(t.audio.numMels, 64, 'merged over the subclass default');
  assert.equal(t.epochs, 1000, 'inherited');
  assert.equal(Object.keys(t).indexOf('lr'), Object.keys(BaseTTSConfig.create()).indexOf('lr'));
  assert.throws(() => ToyConfig.create({ model: 'other' as 'toy' }), /model: expected "toy", got "other"/);
  // Cross-field checks are inherited too.
  assert.throws(
    () => ToyConfig.create({ minTextLen: 10, maxTextLen: 5 }),
    /minTextLen: expected at most maxTextLen/,
  );
});

test('defaults are fresh copies: no shared arrays or objects between instances', () => {
  const a = BaseTTSConfig.create();
  const b = BaseTTSConfig.create();
  assert.notEqual(a.datasets, b.datasets);
  assert.notEqual(a.datasets[0], b.datasets[0]);
  assert.notEqual(a.audio, b.audio);
  assert.notEqual(a.testSentences, b.testSentences);
  assert.notEqual(a.lrSchedulerParams, b.lrSchedulerParams);
  a.datasets.push(BaseDatasetConfig.create({ path: '/x' }));
  a.datasets[0].path = '/changed';
  a.testSentences.push('hello');
  a.audio.sampleRate = 8000;
  (a.lrSchedulerParams as Record<string, unknown>).warmup_steps = 1;
  const c = BaseTTSConfig.create();
  assert.equal(c.datasets.length, 1);
  assert.equal(c.datasets[0].path, '');
  assert.deepEqual(c.testSentences, []);
  assert.equal(c.audio.sampleRate, 22050);
  assert.deepEqual(c.lrSchedulerParams, {});

  // Inputs are copied too: mutating what was passed in does not change the config.
  const sentences = ['x'];
  const d = BaseTTSConfig.create({ testSentences: sentences, optimizerParams: { betas: [0.9, 0.99] } });
  sentences.push('y');
  assert.deepEqual(d.testSentences, ['x']);
  const e = BaseTTSConfig.create({ optimizerParams: d.optimizerParams });
  assert.notEqual(e.optimizerParams, d.optimizerParams);
});

test('a bad default fails at definition time', () => {
  assert.throws(
    () =>
      defineConfig('Bad', {
        n: f.int(1.5),
        s: f.string(null),
        e: f.enum(['a', 'b'], 'a'),
        r: f.int(5, { max: 3 }),
      }),
    (err: ConfigError) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.path),
        ['n', 's', 'r'],
      );
      assert.match(err.message, /defaults of Bad/);
      return true;
    },
  );
});

test('camelCase <-> snake_case names', () => {
  const pairs: [string, string][] = [
    ['sampleRate', 'sample_rate'],
    ['fftSize', 'fft_size'],
    ['dropoutPDp', 'dropout_p_dp'],
    ['useDVectorFile', 'use_d_vector_file'],
    ['saveNCheckpoints', 'save_n_checkpoints'],
    ['computeF0', 'compute_f0'],
    ['doAmpToDbLinear', 'do_amp_to_db_linear'],
    ['allowTf32', 'allow_tf32'],
    ['lr', 'lr'],
  ];
  for (const [camel, snake] of pairs) {
    assert.equal(camelToSnake(camel), snake);
    assert.equal(snakeToCamel(snake), camel);
  }
});

test('describeConfig lists every overridable field with type, default and help', () => {
  const rows = describeConfig(BaseTTSConfig);
  const byPath = new Map(rows.map((r) => [r.path, r]));
  const sr = byPath.get('audio.sampleRate')!;
  assert.equal(sr.type, 'int');
  assert.equal(sr.default, 22050);
  assert.equal(sr.coquiPath, 'audio.sample_rate');
  assert.match(sr.help, /Hz/);
  assert.equal(byPath.get('audio.melFmax')!.type, 'float | null');
  assert.equal(byPath.get('audio.logFunc')!.type, '"np.log10" | "np.log"');
  assert.equal(byPath.get('datasets')!.type, 'BaseDatasetConfig[]');
  assert.equal(byPath.get('datasets.<i>.path')!.type, 'string');
  assert.equal(byPath.get('characters')!.type, 'CharactersConfig | null');
  assert.equal(byPath.get('characters.pad')!.default, null);
  assert.equal(byPath.get('seed')!.coquiPath, 'training_seed');
  assert.equal(byPath.get('lr')!.type, 'float | float[]');
  assert.equal(byPath.get('maxAudioLen')!.default, Number.POSITIVE_INFINITY);
  // Every field of every level is there.
  const total =
    Object.keys(BaseTTSConfig.fields).length +
    Object.keys(BaseAudioConfig.fields).length +
    Object.keys(CharactersConfig.fields).length +
    Object.keys(BaseDatasetConfig.fields).length;
  assert.equal(rows.length, total);
  const help = formatConfigHelp(BaseAudioConfig);
  assert.match(help, /--sampleRate <int> +sampling rate in Hz \(default: 22050\)/);
  assert.match(formatConfigHelp(BaseTTSConfig, { coqui: true }), /--coqpit\.audio\.sample_rate <int>/);
});
