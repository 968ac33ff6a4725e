// A multi-speaker VITS through the command line: a two-voice espeak-ng demo dataset (coqui formatter), one epoch
// of `ribbit train` with a speaker-embedding table sized by the data's speakers (speakers.json kept in the run),
// then `ribbit speak --speaker NAME` for each voice.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { loadCheckpointWeights } from '../../src/trainer/checkpoint.ts';
import { runRibbit } from './cli_helpers.ts';

const VOICES = ['en-us', 'en-gb'];
let dir = '';

const ribbit = (...args: string[]) => runRibbit(dir, ...args);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-cli-vits-ms-'));
  await makeDemoDataset({ out: join(dir, 'data'), sentences: 4, speakers: VOICES });
  const config = {
    model: 'vits',
    runName: 'ms_vits',
    outputPath: 'runs',
    epochs: 1,
    batchSize: 3,
    evalBatchSize: 2,
    evalSplitSize: 2,
    printStep: 1,
    saveStep: 1000,
    testDelayEpochs: 10,
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    textCleaner: 'phoneme_cleaners',
    phonemeCachePath: 'runs/phonemes',
    datasets: [{ formatter: 'coqui', path: 'data', metaFileTrain: 'metadata.csv' }],
    modelArgs: {
      useSpeakerEmbedding: true,
      speakerEmbeddingChannels: 8,
      hiddenChannels: 16,
      hiddenChannelsFfnTextEncoder: 32,
      numLayersTextEncoder: 1,
      numLayersPosteriorEncoder: 2,
      numLayersFlow: 1,
      specSegmentSize: 8,
      upsampleInitialChannelDecoder: 32,
      resblockKernelSizesDecoder: [3],
      resblockDilationSizesDecoder: [[1, 3]],
      periodsMultiPeriodDiscriminator: [2],
      scaleDiscriminatorChannels: [4, 8, 16, 16, 16, 16],
      periodDiscriminatorChannels: [4, 8, 16, 16, 16],
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ribbit train + speak --speaker: a two-speaker VITS', () => {
  const r = ribbit('train', '--config-path', 'config.json', '--threads', '1');
  assert.equal(r.status, 0, r.out);
  const runs = readdirSync(join(dir, 'runs')).filter((n) => n.startsWith('ms_vits-'));
  const run = join(dir, 'runs', runs[0]);
  const ids = JSON.parse(readFileSync(join(run, 'speakers.json'), 'utf8'));
  assert.deepEqual(Object.keys(ids).sort(), [...VOICES].sort());
  const { weights } = loadCheckpointWeights(run);
  assert.deepEqual(weights.get('emb_g.weight')?.shape, [2, 8], 'one embedding row per speaker of the data');
  const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'));
  assert.equal(saved.modelArgs.numSpeakers, 2);
  const wavs = VOICES.map((voice) => {
    const out = join(dir, `${voice}.wav`);
    const s = ribbit('speak', '--model-path', run, '--text', 'Hello.', '--speaker', voice, '--out', out);
    assert.equal(s.status, 0, s.out);
    return readWav(new Uint8Array(readFileSync(out))).samples;
  });
  assert.ok(wavs.every((w) => w.length > 1000));
  assert.ok(
    wavs[0].length !== wavs[1].length || wavs[0].some((v, i) => v !== wavs[1][i]),
    'the speaker changes the audio',
  );
});
