// A multilingual, multi-speaker VITS through the command line: a run folder as the Trainer leaves it (random
// weights of a tiny config, speakers.json and language_ids.json written by the model's onInitStart, config.json,
// a checkpoint), `ribbit export` to a voice folder that carries both files (the run is then deleted), the voice
// loaded by name, and `ribbit serve --language fr` answering `language_id` requests with the language the
// model is conditioned on.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { toPythonJson } from '../../src/config/json.ts';
import { loadTtsSynthesizer } from '../../src/inference/tts_loader.ts';
import { createModel } from '../../src/models/index.ts';
import * as torch from '../../src/torch/index.ts';
import { saveCheckpoint } from '../../src/trainer/checkpoint.ts';
import type { Vits } from '../../src/tts/models/vits.ts';
import { LanguageManager } from '../../src/tts/utils/languages.ts';
import { SpeakerManager } from '../../src/tts/utils/speakers.ts';
import { TINY_VITS_ARGS } from '../tts/tiny_vits.ts';
import { runRibbit, startServe } from './cli_helpers.ts';

const LANGUAGES = ['en', 'fr'];
const SPEAKERS = ['alice', 'bob'];
let dir = '';
let run = '';
let voice = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-cli-vits-ml-'));
  run = join(dir, 'runs', 'ml_vits-2026-12-02_120000');
  voice = join(dir, 'voice');
  mkdirSync(run, { recursive: true });
  const speakers = new SpeakerManager();
  speakers.ids = new Map(SPEAKERS.map((n, i) => [n, i]));
  torch.manualSeed(3);
  const model = createModel(
    {
      model: 'vits',
      runName: 'ml_vits',
      outputPath: join(dir, 'runs'),
      usePhonemes: true,
      phonemeLanguage: 'en-us',
      textCleaner: 'phoneme_cleaners',
      phonemeCachePath: null,
      modelArgs: {
        useSdp: false, // deterministic durations: with noise_scale 0 the audio depends on the inputs only
        useSpeakerEmbedding: true,
        speakerEmbeddingChannels: 8,
        useLanguageEmbedding: true,
        embeddedLanguageDim: 4,
        ...TINY_VITS_ARGS,
      },
    },
    {
      speakerManager: speakers,
      languageManager: new LanguageManager(LANGUAGES.map((n, i) => [n, i])),
      log: () => {},
    },
  ) as Vits;
  // what the Trainer writes: the side files (recorded in the config by absolute path), config.json, a checkpoint
  model.onInitStart({ runPath: run });
  writeFileSync(join(run, 'config.json'), toPythonJson(model.config));
  saveCheckpoint(run, 'checkpoint_1', model.stateDict(), {
    step: 1,
    epoch: 0,
    batchInEpoch: 1,
    bestLoss: null,
    bestStep: null,
    optimizers: [],
    schedulers: [],
    rngState: null,
    config: model.config,
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

const samplesOf = (bytes: Uint8Array) => readWav(bytes).samples;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test('ribbit export: the voice folder carries language_ids.json and speakers.json, and loads without the run', async () => {
  const runIds = JSON.parse(readFileSync(join(run, 'language_ids.json'), 'utf8'));
  assert.deepEqual(runIds, { en: 0, fr: 1 });
  const r = runRibbit(dir, 'export', '--model-path', run, '--out', voice);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /speakers\.json, language_ids\.json \(2 speakers, 2 languages\)/);
  assert.deepEqual(JSON.parse(readFileSync(join(voice, 'language_ids.json'), 'utf8')), runIds);
  assert.deepEqual(JSON.parse(readFileSync(join(voice, 'speakers.json'), 'utf8')), { alice: 0, bob: 1 });
  const config = JSON.parse(
    readFileSync(join(voice, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'),
  );
  // relative names: the voice folder's own files wherever it is copied
  assert.equal(config.languageIdsFile, 'language_ids.json');
  assert.equal(config.modelArgs.languageIdsFile, 'language_ids.json');
  assert.equal(config.modelArgs.speakersFile, 'speakers.json');
  rmSync(join(dir, 'runs'), { recursive: true }); // nothing of the run is left to find

  const synth = await loadTtsSynthesizer({ modelPath: voice });
  assert.deepEqual(synth.info().languages, LANGUAGES, 'the languages of the voice folder');
  assert.equal(synth.info().language, 'en', 'phonemeLanguage en-us is not one of them: the first by id');
  assert.deepEqual(synth.info().speakers, SPEAKERS);
  const say = async (language: string) =>
    (await synth.synthesize('Hello there.', { language, speaker: 'bob', noiseScale: 0 })).samples;
  const [en, fr, enAgain] = [await say('en'), await say('fr'), await say('en')];
  assert.ok(en.length > 1000 && en.every(Number.isFinite), `${en.length} samples`);
  assert.ok(same(en, enAgain), 'deterministic with noise_scale 0');
  assert.ok(!same(en, fr), 'the language changes the audio');
  await assert.rejects(
    synth.synthesize('Hello.', { language: 'de' }),
    /unsupported language "de"; supported: en, fr/,
  );
  await assert.rejects(
    loadTtsSynthesizer({ modelPath: voice, language: 'de' }),
    /unsupported language "de"; this voice speaks en, fr \(the languages of its language_ids\.json\)/,
  );
});

test('ribbit serve --language fr: language_id reaches the model; an unknown one is a 400 naming the languages', async () => {
  assert.ok(existsSync(join(voice, 'model.safetensors')), 'the export test ran first');
  const server = await startServe(
    ['--model-path', voice, '--language', 'fr', '--port', '0', '--host', '127.0.0.1', '--workers', '1'],
    dir,
  );
  const { url } = server;
  try {
    const info = (await (await fetch(`${url}/api/speakers`)).json()) as Record<string, unknown>;
    assert.equal(info.language, 'fr', '--language sets the default');
    assert.deepEqual(info.languages, ['fr', 'en']);
    assert.deepEqual(info.speakers, SPEAKERS);
    const tts = async (query: string) => {
      const r = await fetch(`${url}/api/tts?text=Hello%20there.&speaker_id=alice&noise_scale=0${query}`);
      assert.equal(r.status, 200, await r.clone().text());
      return samplesOf(new Uint8Array(await r.arrayBuffer()));
    };
    const fr = await tts('&language_id=fr');
    const en = await tts('&language_id=en');
    const byDefault = await tts('');
    assert.ok(fr.length > 1000, `${fr.length} samples`);
    assert.ok(!same(fr, en), 'language_id changes the audio');
    assert.ok(same(byDefault, fr), 'no language_id: the --language default');
    const bad = await fetch(`${url}/api/tts?text=Hello.&language_id=de`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: 'language_id: unsupported language "de"; supported: fr, en',
      parameter: 'language_id',
    });
    const page = await (await fetch(`${url}/`)).text();
    assert.match(page, /<select id="language" name="language_id">/);
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.equal(await server.exited, 0, server.stderr());
});
