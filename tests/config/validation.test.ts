import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BaseAudioConfig,
  BaseTTSConfig,
  ConfigError,
  type ConfigProblem,
  defineConfig,
  f,
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

function one(fn: () => unknown): ConfigProblem {
  const problems = problemsOf(fn);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  return problems[0];
}

test('wrong type: path, received value and what is allowed', () => {
  let p = one(() => BaseTTSConfig.parse({ audio: { sampleRate: '16000' } }));
  assert.equal(p.path, 'audio.sampleRate');
  assert.equal(p.message, 'expected an integer in [512, 100000], got "16000"');

  p = one(() => BaseTTSConfig.parse({ runEval: 'yes' }));
  assert.equal(p.path, 'runEval');
  assert.equal(p.message, 'expected true or false, got "yes"');

  p = one(() => BaseTTSConfig.parse({ testSentences: 'hello' }));
  // test sentences: a text or Coqui's [text, speaker, style wav, language]
  assert.equal(p.message, 'expected an array of string | (string | null)[], got "hello"');

  p = one(() => BaseTTSConfig.parse({ testSentences: ['a', 3] }));
  assert.equal(p.path, 'testSentences.1');
  assert.equal(p.message, 'expected a string or an array of string | null, got 3');

  p = one(() => BaseTTSConfig.parse({ audio: [] }));
  assert.equal(p.message, 'expected an object (BaseAudioConfig), got []');

  p = one(() => BaseTTSConfig.parse({ lrSchedulerParams: [1] }));
  assert.equal(p.message, 'expected an object (dict) or null, got [1]');

  p = one(() => BaseTTSConfig.parse({ lr: 'fast' }));
  assert.equal(p.message, 'expected a number or an array of float, got "fast"');

  p = one(() => BaseTTSConfig.parse({ audio: { logFunc: 'ln' } }));
  assert.equal(p.path, 'audio.logFunc');
  assert.equal(p.message, 'expected one of "np.log10", "np.log", got "ln"');

  p = one(() => BaseTTSConfig.parse({ audio: { numMels: 80.5 } }));
  assert.equal(p.message, 'expected an integer in [10, 2056], got 80.5');

  p = one(() => BaseTTSConfig.parse({ epochs: null }));
  assert.equal(p.message, 'expected an integer >= 0, got null');

  p = one(() => BaseTTSConfig.parse({ lossMasking: 0 }));
  assert.equal(p.message, 'expected true or false or null, got 0');
});

test('value out of range', () => {
  let p = one(() => BaseAudioConfig.parse({ sampleRate: 100 }));
  assert.equal(p.path, 'sampleRate');
  assert.equal(p.message, 'expected an integer in [512, 100000], got 100');
  p = one(() => BaseAudioConfig.parse({ melFmax: 100 }));
  assert.equal(p.message, 'expected a number >= 500 or null, got 100');
  p = one(() => BaseTTSConfig.parse({ batchSize: 0 }));
  assert.equal(p.message, 'expected an integer >= 1, got 0');
  p = one(() => BaseTTSConfig.parse({ audio: { preemphasis: 1.5 } }));
  assert.equal(p.message, 'expected a number in [0, 1], got 1.5');
  // NaN never, Infinity only where allowed.
  p = one(() => BaseTTSConfig.parse({ evalSplitSize: Number.NaN }));
  assert.equal(p.message, 'expected a number >= 0, got NaN');
  p = one(() => BaseTTSConfig.parse({ epochs: Number.POSITIVE_INFINITY }));
  assert.equal(p.message, 'expected an integer >= 0, got Infinity');
  assert.equal(
    BaseTTSConfig.parse({ maxTextLen: Number.POSITIVE_INFINITY }).maxTextLen,
    Number.POSITIVE_INFINITY,
  );
});

test('unknown keys are errors, with a suggestion', () => {
  let p = one(() => BaseTTSConfig.parse({ audio: { sample_rate: 16000 } }));
  assert.equal(p.path, 'audio.sample_rate');
  assert.equal(p.message, 'unknown field of BaseAudioConfig (got 16000); did you mean "sampleRate"?');
  p = one(() => BaseTTSConfig.parse({ datasets: [{ pth: '/x' }] }));
  assert.equal(p.path, 'datasets.0.pth');
  assert.match(p.message, /unknown field of BaseDatasetConfig \(got "\/x"\); did you mean "path"\?/);
  p = one(() => BaseTTSConfig.parse({ totallyUnrelatedThing: 1 }));
  assert.equal(p.message, 'unknown field of BaseTTSConfig (got 1)');
});

test('missing required field', () => {
  const Cfg = defineConfig('Cfg', {
    dataPath: f.string(),
    inner: f.config(BaseAudioConfig, undefined, { required: true }),
  });
  const problems = problemsOf(() => Cfg.parse({}));
  assert.deepEqual(problems, [
    { path: 'dataPath', message: 'missing required field (expected a string)' },
    { path: 'inner', message: 'missing required field (expected an object (BaseAudioConfig))' },
  ]);
  assert.equal(Cfg.parse({ dataPath: '/d', inner: {} }).inner.sampleRate, 22050);
});

test('every problem is reported at once, one per line, in one ConfigError', () => {
  let error: ConfigError | undefined;
  try {
    BaseTTSConfig.parse({
      epochs: -1,
      audio: { sampleRate: 'x', numMels: 5, fooBar: true },
      datasets: [{ path: '/ok' }, { path: 7, formatter: null }],
      testSentences: [1],
      nope: 1,
    });
  } catch (err) {
    error = err as ConfigError;
  }
  assert.ok(error instanceof ConfigError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'ConfigError');
  const paths = error.problems.map((p) => p.path);
  assert.deepEqual(paths.sort(), [
    'audio.fooBar',
    'audio.numMels',
    'audio.sampleRate',
    'datasets.1.formatter',
    'datasets.1.path',
    'epochs',
    'nope',
    'testSentences.0',
  ]);
  const lines = error.message.split('\n');
  assert.equal(lines[0], 'invalid BaseTTSConfig (8 problems):');
  assert.equal(lines.length, 9);
  for (const p of error.problems) assert.ok(lines.includes(`  ${p.path}: ${p.message}`));
  assert.ok(lines.includes('  datasets.1.path: expected a string, got 7'));
  assert.ok(lines.includes('  audio.numMels: expected an integer in [10, 2056], got 5'));
});

test('cross-field checks run once the fields are valid', () => {
  let p = one(() => BaseAudioConfig.parse({ winLength: 2048 }));
  assert.equal(p.path, 'winLength');
  assert.equal(p.message, 'expected at most fftSize (1024), got 2048');
  p = one(() => BaseTTSConfig.parse({ audio: { melFmax: 12000 } }));
  assert.equal(p.path, 'audio.melFmax');
  assert.equal(p.message, 'expected at most sampleRate / 2 (11025), got 12000');
  assert.equal(BaseTTSConfig.parse({ audio: { sampleRate: 44100, melFmax: 12000 } }).audio.melFmax, 12000);
});

test('check() returns problems without throwing; validation of a hand-edited config', () => {
  const cfg = BaseTTSConfig.create();
  assert.deepEqual(BaseTTSConfig.check(cfg), []);
  cfg.audio.hopLength = -3;
  assert.deepEqual(BaseTTSConfig.check(cfg), [
    { path: 'audio.hopLength', message: 'expected an integer >= 1, got -3' },
  ]);
  assert.throws(() => BaseTTSConfig.parse(cfg), /audio\.hopLength: expected an integer >= 1, got -3/);
  assert.deepEqual(BaseTTSConfig.check('nope'), [
    { path: '', message: 'expected an object (BaseTTSConfig), got "nope"' },
  ]);
});
