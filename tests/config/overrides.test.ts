import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyOverrides,
  BaseAudioConfig,
  BaseTTSConfig,
  ConfigError,
  type ConfigProblem,
  f,
  registerConfig,
} from '../../src/config/index.ts';

function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('ribbit syntax: --a.b=v and --a.b v, typed by the schema', () => {
  const cfg = BaseTTSConfig.create();
  const { config, rest } = applyOverrides(cfg, [
    '--audio.sampleRate=16000',
    '--audio.melFmax',
    '7600',
    '--lr',
    '2e-4',
    '--runName',
    'my run',
    '--audio.logFunc=np.log',
    '--phonemeLanguage=en-us',
  ]);
  assert.equal(config.audio.sampleRate, 16000);
  assert.equal(config.audio.melFmax, 7600);
  assert.equal(config.lr, 2e-4);
  assert.equal(config.runName, 'my run');
  assert.equal(config.audio.logFunc, 'np.log');
  assert.equal(config.phonemeLanguage, 'en-us');
  assert.deepEqual(rest, []);
  // The input is untouched.
  assert.equal(cfg.audio.sampleRate, 22050);
  // The other fields are unchanged.
  assert.deepEqual(
    { ...config, audio: cfg.audio, lr: cfg.lr, runName: cfg.runName, phonemeLanguage: null },
    cfg,
  );
});

test("Coqui syntax: --coqpit.snake.path value, including Coqui's nargs lists", () => {
  const cfg = BaseTTSConfig.create();
  const { config } = applyOverrides(cfg, [
    '--coqpit.audio.sample_rate',
    '16000',
    '--coqpit.run_eval=false',
    '--coqpit.datasets.0.meta_file_train',
    'metadata.csv',
    '--coqpit.test_sentences',
    'one',
    'two',
    '--coqpit.training_seed',
    '7',
    '--coqpit.batch_size=4',
  ]);
  assert.equal(config.audio.sampleRate, 16000);
  assert.equal(config.runEval, false);
  assert.equal(config.datasets[0].metaFileTrain, 'metadata.csv');
  assert.deepEqual(config.testSentences, ['one', 'two']);
  assert.equal(config.seed, 7);
  assert.equal(config.batchSize, 4);
});

test('booleans: --flag, --flag false, --flag=0', () => {
  const cfg = BaseTTSConfig.create();
  let r = applyOverrides(cfg, [
    '--runEval',
    'false',
    '--mixedPrecision',
    '--addBlank=yes',
    '--usePhonemes',
    'train.txt',
  ]);
  assert.equal(r.config.runEval, false);
  assert.equal(r.config.mixedPrecision, true);
  assert.equal(r.config.addBlank, true);
  assert.equal(r.config.usePhonemes, true);
  assert.deepEqual(r.rest, ['train.txt'], 'a bare flag does not swallow a following positional');
  r = applyOverrides(cfg, ['--runEval=0', '--lossMasking', 'null', '--audio.signalNorm', 'False']);
  assert.equal(r.config.runEval, false);
  assert.equal(r.config.lossMasking, null);
  assert.equal(r.config.audio.signalNorm, false);
});

test('nested and indexed paths; appending a list item; filling a null nested config', () => {
  const cfg = BaseTTSConfig.create({ datasets: [{ formatter: 'ljspeech', path: '/a' }] });
  const { config } = applyOverrides(cfg, [
    '--datasets.0.path=/x',
    '--datasets.1.formatter',
    'vctk',
    '--datasets.1.path=/y',
    '--characters.pad',
    '<PAD>',
    '--optimizerParams.weight_decay',
    '0.01',
    '--lrSchedulerParams',
    '{"warmup_steps": 4000}',
  ]);
  assert.equal(config.datasets.length, 2);
  assert.equal(config.datasets[0].path, '/x');
  assert.equal(config.datasets[0].formatter, 'ljspeech');
  assert.equal(config.datasets[1].formatter, 'vctk');
  assert.equal(config.datasets[1].path, '/y');
  assert.equal(config.datasets[1].metaFileTrain, '', 'a new item starts from the defaults');
  assert.equal(config.characters?.pad, '<PAD>');
  assert.equal(config.characters?.isUnique, true);
  assert.deepEqual(config.optimizerParams, { weight_decay: 0.01 });
  assert.deepEqual(config.lrSchedulerParams, { warmup_steps: 4000 });
});

test('arrays and objects as JSON', () => {
  const cfg = BaseTTSConfig.create();
  const { config } = applyOverrides(cfg, [
    '--testSentences',
    '["a","b"]',
    '--lr=[0.001, 0.0002]',
    '--datasets',
    '[{"formatter": "ljspeech", "path": "/lj"}, {"path": "/other"}]',
    '--audio',
    '{"numMels": 64}',
    '--optimizer',
    'adamw',
    '--maxAudioLen',
    '220500',
    '--maxTextLen=inf',
  ]);
  assert.deepEqual(config.testSentences, ['a', 'b']);
  assert.deepEqual(config.lr, [0.001, 0.0002]);
  assert.equal(config.datasets.length, 2);
  assert.equal(config.datasets[0].formatter, 'ljspeech');
  assert.equal(config.datasets[1].path, '/other');
  assert.equal(config.datasets[1].formatter, '');
  assert.equal(config.audio.numMels, 64);
  assert.equal(config.audio.sampleRate, 22050, 'a JSON object is merged into the nested config');
  assert.equal(config.optimizer, 'adamw');
  assert.equal(config.maxAudioLen, 220500);
  assert.equal(config.maxTextLen, Number.POSITIVE_INFINITY);
  // A single value for a list of strings is a one-item list.
  assert.deepEqual(applyOverrides(cfg, ['--testSentences=hello']).config.testSentences, ['hello']);
});

test('unconsumed arguments are returned in rest', () => {
  const cfg = BaseTTSConfig.create();
  const { config, rest } = applyOverrides(cfg, ['train', '--epochs', '3', 'extra', '--', '--epochs', '9']);
  assert.equal(config.epochs, 3);
  assert.deepEqual(rest, ['train', 'extra', '--', '--epochs', '9']);
  const r = applyOverrides(cfg, ['--gpu', '1', '--epochs=2', '--restorePath=/ckpt'], { allowUnknown: true });
  assert.equal(r.config.epochs, 2);
  assert.deepEqual(r.rest, ['--gpu', '1', '--restorePath=/ckpt']);
});

test('unknown fields and bad values: one ConfigError naming each', () => {
  const cfg = BaseTTSConfig.create();
  const problems = problemsOf(() =>
    applyOverrides(cfg, [
      '--audio.sampleRat=16000',
      '--coqpit.audio.num_mel',
      '80',
      '--nope',
      '1',
      '--audio.sampleRate',
      'fast',
      '--batchSize=0',
      '--runEval=maybe',
      '--testSentences',
      '[1,',
      '--datasets.3.path=/z',
      '--epochs',
    ]),
  );
  assert.deepEqual(problems, [
    { path: 'audio.sampleRat', message: 'unknown field of BaseAudioConfig; did you mean "sampleRate"?' },
    { path: 'audio.num_mel', message: 'unknown field of BaseAudioConfig; did you mean "numMels"?' },
    { path: 'nope', message: 'unknown field of BaseTTSConfig' },
    { path: 'audio.sampleRate', message: 'expected an integer in [512, 100000], got "fast"' },
    { path: 'runEval', message: 'expected true or false, got "maybe"' },
    {
      path: 'testSentences',
      message: problems[5].message,
    },
    { path: 'datasets.3', message: 'index 3 is past the end (the array has 1 items)' },
    { path: 'epochs', message: 'missing value (expected an integer >= 0)' },
    { path: 'batchSize', message: 'expected an integer >= 1, got 0' },
  ]);
  assert.match(
    problems[5].message,
    /^expected an array of string \| \(string \| null\)\[\], got "\[1," \(not a JSON array: /,
  );
  // Values are validated against ranges after typing.
  assert.throws(
    () => applyOverrides(cfg, ['--audio.sampleRate=100']),
    /audio\.sampleRate: expected an integer in \[512, 100000\], got 100/,
  );
  // --coqpit. options are never passed through.
  assert.throws(() => applyOverrides(cfg, ['--coqpit.gpu=1'], { allowUnknown: true }), /gpu: unknown field/);
  // No prototype pollution through free-form dict paths.
  assert.throws(() => applyOverrides(cfg, ['--lrSchedulerParams.__proto__.polluted=1']), /reserved key/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Cannot descend into a leaf.
  assert.throws(
    () => applyOverrides(cfg, ['--epochs.x=1']),
    /epochs\.x: epochs is an integer >= 0, not a nested config/,
  );
});

test('the class is found from the instance, the registry, or given', () => {
  const Toy = registerConfig(
    BaseTTSConfig.extend('ToyOverrides', { model: f.literal('toy_overrides'), depth: f.int(2) }),
  );
  const plain = JSON.parse(JSON.stringify(Toy.create())) as Record<string, unknown>;
  plain.maxAudioLen = Number.POSITIVE_INFINITY;
  plain.maxTextLen = Number.POSITIVE_INFINITY;
  const r = applyOverrides(plain, ['--depth=5']);
  assert.equal(r.config.depth, 5);
  const audio = { ...BaseAudioConfig.create() }; // a copy: not known to have come from a class
  assert.equal(applyOverrides(audio, ['--numMels=40'], { configClass: BaseAudioConfig }).config.numMels, 40);
  assert.throws(() => applyOverrides(audio, ['--numMels=40']), /model: expected a model name/);
});
