// Speakers end to end through the command line: a 3-speaker espeak-ng demo dataset (`make-demo-dataset
// --speakers`), a tiny multi-speaker Glow-TTS trained for a few steps with `ribbit train`, `list-speakers`, and
// every speaker speaking by name and by id from the run folder and from the exported voice (moved elsewhere).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { loadSynthesizer } from '../../src/inference/load.ts';
import { createSynthesisPool } from '../../src/server/pool.ts';
import { startTtsServer } from '../../src/server/server.ts';
import * as torch from '../../src/torch/index.ts';
import { onlyRunFolder, runRibbit, TINY_GLOW_TTS_FIELDS } from './cli_helpers.ts';

const VOICES = ['en-us', 'en-gb', 'en-us+f3'];
/** Coqui's ids: the names sorted. */
const SPEAKERS = [...VOICES].sort();
let dir = '';

const ribbit = (...args: string[]) => runRibbit(dir, ...args);

const runFolder = () => onlyRunFolder(dir, 'ms');

/** `ribbit speak --speaker SPEAKER` from `model` writes a WAV of plausible audio. */
function speakCli(model: string, speaker: string): void {
  const out = join(dir, 'cli.wav');
  const r = ribbit(
    'speak',
    '--model-path',
    model,
    '--speaker',
    speaker,
    '--text',
    'Hello there.',
    '--out',
    out,
  );
  assert.equal(r.status, 0, r.out);
  const wav = readWav(new Uint8Array(readFileSync(out)));
  assert.ok(wav.samples.length > 1000 && wav.samples.every(Number.isFinite), `${wav.samples.length} samples`);
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Each speaker of `model` (loaded in this process as `speak` loads it) by name and by id: the same audio, and a
 * different one for each speaker. Griffin-Lim starts from random phases, so the RNG is seeded per call.
 */
async function checkSpeakers(model: string): Promise<Float32Array[]> {
  const synth = await loadSynthesizer({ modelPath: model });
  assert.deepEqual(synth.info().speakers, SPEAKERS);
  await assert.rejects(
    synth.synthesize('Hi.', { speaker: 3 }),
    /unknown speaker 3; this model has 3 speakers/,
  );
  const say = async (speaker: string | number) => {
    torch.manualSeed(0);
    return (await synth.synthesize('Hello there.', { speaker })).samples;
  };
  const audio: Float32Array[] = [];
  for (const [id, name] of SPEAKERS.entries()) {
    const byName = await say(name);
    assert.ok(same(byName, await say(id)), `${name} by name = by id ${id}`);
    audio.push(byName);
  }
  for (let i = 0; i < audio.length; i++)
    for (let j = i + 1; j < audio.length; j++)
      assert.ok(!same(audio[i], audio[j]), `${SPEAKERS[i]} and ${SPEAKERS[j]} differ`);
  return audio;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-cli-ms-'));
  const made = ribbit(
    'make-demo-dataset',
    '--out',
    'data',
    '--sentences',
    '4',
    '--speakers',
    VOICES.join(','),
  );
  assert.equal(made.status, 0, made.out);
  const config = {
    model: 'glow_tts',
    runName: 'ms',
    outputPath: 'runs',
    epochs: 1,
    batchSize: 3,
    evalBatchSize: 3,
    evalSplitSize: 3,
    printStep: 1,
    plotStep: 1,
    saveStep: 1000,
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    textCleaner: 'phoneme_cleaners',
    phonemeCachePath: 'runs/phonemes',
    datasets: [{ formatter: 'coqui', path: 'data', metaFileTrain: 'metadata.csv' }],
    useSpeakerEmbedding: true,
    // no warm-up: three steps are enough for the speakers to reach the mel
    lr: 0.01,
    lrScheduler: '',
    ...TINY_GLOW_TTS_FIELDS,
    testSentences: ['Be a voice, not an echo.'],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('make-demo-dataset --speakers: one folder of wavs per voice and a coqui-format metadata', () => {
  const lines = readFileSync(join(dir, 'data', 'metadata.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines[0], 'audio_file|text|speaker_name');
  assert.equal(lines.length, 1 + 4 * VOICES.length);
  assert.deepEqual(new Set(lines.slice(1).map((l) => l.split('|')[2])), new Set(VOICES));
  assert.ok(existsSync(join(dir, 'data', 'wavs', 'en-us_f3', 'DEMO-0004.wav')));
});

test('ribbit train: a multi-speaker Glow-TTS counts its speakers, writes speakers.json and records it', () => {
  const r = ribbit('train', '--config-path', 'config.json', '--threads', '1');
  assert.equal(r.status, 0, r.out);
  const run = runFolder();
  const ids = JSON.parse(readFileSync(join(run, 'speakers.json'), 'utf8'));
  assert.deepEqual(ids, Object.fromEntries(SPEAKERS.map((n, i) => [n, i])));
  const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'));
  assert.equal(saved.numSpeakers, 3);
  assert.equal(saved.speakersFile, join(run, 'speakers.json'));
  assert.match(r.out, /3 speakers saved to/);
  assert.match(r.out, /loss/);
  assert.ok(existsSync(join(run, 'checkpoint_3.safetensors')), readdirSync(run).join(', '));
});

let fromRun: Float32Array[] = [];

test('list-speakers and speak from the run folder: every speaker by name and id, distinct voices', async () => {
  const run = runFolder();
  const list = ribbit('list-speakers', '--model-path', run);
  assert.equal(list.status, 0, list.out);
  assert.equal(list.stdout.trim(), SPEAKERS.map((n, i) => `${i}\t${n}`).join('\n'));
  speakCli(run, 'en-us+f3');
  fromRun = await checkSpeakers(run);
});

test('the server lists the speakers and takes speaker_id / speaker by name or id', async () => {
  const pool = await createSynthesisPool({ workers: 0, loadOptions: { modelPath: runFolder() } });
  const server = await startTtsServer({ pool, host: '127.0.0.1', port: 0 });
  try {
    const info = (await (await fetch(`${server.url}/api/speakers`)).json()) as { speakers: string[] };
    assert.deepEqual(info.speakers, SPEAKERS);
    for (const q of ['speaker_id=en-us%2Bf3', 'speaker_id=1', 'speaker_id=&speaker=en-gb']) {
      const r = await fetch(`${server.url}/api/tts?text=Hello.&${q}`);
      assert.equal(r.status, 200, `${q}: ${r.status}`);
      assert.ok((await r.arrayBuffer()).byteLength > 1000, q);
    }
    const bad = await fetch(`${server.url}/api/tts?text=Hello.&speaker_id=fr-fr`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /speaker_id: unknown speaker \\?"fr-fr\\?"; this model has 3 speakers/);
  } finally {
    await server.close();
  }
});

test('an unknown speaker is one error naming the known ones', () => {
  const r = ribbit(
    'speak',
    '--model-path',
    runFolder(),
    '--speaker',
    'fr-fr',
    '--text',
    'Hi.',
    '--out',
    'x.wav',
  );
  assert.notEqual(r.status, 0);
  assert.match(
    r.out,
    /unknown speaker "fr-fr"; this model has 3 speakers \(name or index\): 0: en-gb, 1: en-us, 2: en-us\+f3/,
  );
});

test('export: the voice folder carries speakers.json and speaks as the run did, even moved elsewhere', async () => {
  const run = runFolder();
  const voice = join(dir, 'voice');
  const r = ribbit('export', '--model-path', run, '--out', voice);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /speakers\.json \(3 speakers\)/);
  const config = JSON.parse(
    readFileSync(join(voice, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999'),
  );
  assert.equal(config.speakersFile, 'speakers.json');
  // moved, and the run's speakers.json gone: nothing may point back into the run folder
  const moved = join(dir, 'elsewhere', 'voice');
  cpSync(voice, moved, { recursive: true });
  rmSync(voice, { recursive: true });
  rmSync(join(run, 'speakers.json'));
  speakCli(moved, '2');
  const fromVoice = await checkSpeakers(moved);
  for (const id of SPEAKERS.keys()) assert.ok(same(fromVoice[id], fromRun[id]), `speaker ${id}: voice = run`);
});
