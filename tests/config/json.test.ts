import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  BaseAudioConfig,
  BaseTTSConfig,
  ConfigError,
  type ConfigOf,
  configClassOf,
  configToJson,
  f,
  getConfigClass,
  loadConfig,
  parsePythonJson,
  registerConfig,
  registeredModels,
  saveConfig,
  toPythonJson,
  unregisterConfig,
} from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ribbit-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ToyConfig = registerConfig(
  BaseTTSConfig.extend('ToyConfig', {
    model: f.literal('toy'),
    hiddenChannels: f.int(192, { min: 1 }),
    encoderParams: f.record({ kernel_size: 3 }),
  }),
);
type ToyConfig = ConfigOf<typeof ToyConfig>;

const OtherConfig = registerConfig(
  BaseTTSConfig.extend('OtherConfig', { model: f.literal('other'), depth: f.int(2) }),
);

test('save/load round trip is exact, including Infinity and nested values', () => {
  const cfg: ToyConfig = ToyConfig.create({
    runName: 'round-trip',
    audio: { sampleRate: 16000, melFmax: 7600.5 },
    datasets: [
      { formatter: 'ljspeech', path: '/data/LJ' },
      { formatter: 'vctk', ignoredSpeakers: ['p225'] },
    ],
    testSentences: ['Hello "world".', 'Infinity and NaN in a string'],
    optimizerParams: { betas: [0.9, 0.998], weight_decay: 1e-6 },
    characters: { characters: 'abc', pad: '<PAD>' },
  });
  const path = join(dir, 'config.json');
  saveConfig(cfg, path);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.startsWith('{\n  "outputPath": "output",\n'), 'pretty, in field order');
  assert.ok(text.endsWith('}\n'));
  assert.match(text, /"maxAudioLen": Infinity,/, 'non-finite numbers are written as Python does');
  assert.deepEqual(
    readdirSync(dir).filter((n) => n !== 'config.json'),
    [],
    'no temporary file is left behind',
  );
  const loaded = loadConfig(path);
  assert.deepEqual(loaded, cfg);
  assert.equal(configClassOf(loaded), ToyConfig);
  const typed = loadConfig(path, { configClass: ToyConfig });
  assert.equal(typed.hiddenChannels, 192);
  assert.equal(typed.maxTextLen, Number.POSITIVE_INFINITY);
  // Loading from an object works the same.
  assert.deepEqual(loadConfig(parsePythonJson(toPythonJson(cfg)) as object), cfg);
  // Plain JSON.stringify turns Infinity into null, which validation rejects rather than guessing.
  assert.throws(
    () => loadConfig(JSON.parse(JSON.stringify(cfg))),
    /maxAudioLen: expected an integer >= 0, got null/,
  );
});

test('saving replaces the file atomically and validates first', () => {
  const path = join(dir, 'atomic.json');
  writeFileSync(path, 'old');
  const cfg = ToyConfig.create();
  cfg.audio.sampleRate = 3; // invalid: nothing is written
  assert.throws(
    () => saveConfig(cfg, path),
    /audio\.sampleRate: expected an integer in \[512, 100000\], got 3/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'old');
  cfg.audio.sampleRate = 24000;
  saveConfig(cfg, path);
  assert.equal(loadConfig(path, { configClass: ToyConfig }).audio.sampleRate, 24000);
  assert.equal(configToJson(cfg), readFileSync(path, 'utf8'));
});

test('Python-dialect JSON: bare Infinity/NaN outside strings only', () => {
  const v = parsePythonJson(
    '{"a": Infinity, "b": -Infinity, "c": [NaN, 1], "d": "Infinity, NaN \\" Infinity"}',
  ) as {
    a: number;
    b: number;
    c: number[];
    d: string;
  };
  assert.equal(v.a, Number.POSITIVE_INFINITY);
  assert.equal(v.b, Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(v.c[0]));
  assert.equal(v.d, 'Infinity, NaN " Infinity');
  const text = toPythonJson({ x: Number.POSITIVE_INFINITY, y: [Number.NEGATIVE_INFINITY], s: 'Infinity' });
  assert.equal(text, '{\n  "x": Infinity,\n  "y": [\n    -Infinity\n  ],\n  "s": "Infinity"\n}\n');
  assert.deepEqual(parsePythonJson(text), {
    x: Number.POSITIVE_INFINITY,
    y: [Number.NEGATIVE_INFINITY],
    s: 'Infinity',
  });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"a": }');
  assert.throws(() => loadConfig(bad), /bad\.json: not valid JSON/);
});

test('registry dispatches on the model field', () => {
  assert.deepEqual(registeredModels(), ['other', 'toy']);
  assert.equal(getConfigClass('toy'), ToyConfig);
  const other = loadConfig({ model: 'other', depth: 5 });
  assert.equal(configClassOf(other), OtherConfig);
  assert.equal(other.depth, 5);
  const toy = loadConfig({ model: 'toy', hiddenChannels: 8 });
  assert.equal(toy.hiddenChannels, 8);
  assert.equal(toy.depth, undefined);
  // Validation still applies after dispatch.
  assert.throws(() => loadConfig({ model: 'toy', depth: 5 }), /depth: unknown field of ToyConfig/);
  // Re-registering the same class is fine; another class under the same name is not.
  assert.equal(registerConfig(ToyConfig), ToyConfig);
  assert.throws(
    () => registerConfig(BaseTTSConfig.extend('Toy2', { model: f.literal('toy') })),
    /model "toy" is already registered by ToyConfig/,
  );
  assert.throws(() => registerConfig(BaseAudioConfig), /needs a literal model field/);
});

test('unknown or missing model: a ConfigError listing the registered models', () => {
  assert.throws(
    () => loadConfig({ model: 'tacotron2' }),
    (err: ConfigError) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        { path: 'model', message: 'unknown model "tacotron2" (registered models: other, toy)' },
      ]);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ epochs: 3 }),
    /model: expected a model name, got undefined \(registered models: other, toy\)/,
  );
  unregisterConfig('other');
  assert.throws(() => loadConfig({ model: 'other' }), /unknown model "other" \(registered models: toy\)/);
  registerConfig(OtherConfig);
});
