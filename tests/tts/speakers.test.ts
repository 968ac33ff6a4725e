// The speaker manager (Coqui's SpeakerManager): ids sorted as Coqui sorts them, speakers.json written byte for
// byte as Coqui writes it and read back, Coqui's speakers.json / speakers.pth / d-vector files, the lookup of
// file paths; and a multi-speaker Glow-TTS that gets its speakers from a batch's names (and fails in one
// sentence without them).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Sample } from '../../src/data/formatters.ts';
import * as torch from '../../src/torch/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';
import {
  batchSpeakerInputs,
  findSpeakerFile,
  inferenceSpeakerInputs,
  loadModelSpeakers,
  SpeakerManager,
  saveRunSpeakers,
  speakerConfigOf,
} from '../../src/tts/utils/speakers.ts';

const FIXTURES = new URL('../fixtures/speakers/', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ribbit-spk-'));
  dirs.push(d);
  return d;
}
const sample = (speakerName: string, audioFile = `/d/${speakerName}.wav`): Sample => ({
  text: 'hi',
  audioFile,
  speakerName,
  rootPath: '/d',
});

test('ids from samples: distinct names sorted by code point as Python sorts them, ids 0..N-1', () => {
  const m = new SpeakerManager({
    samples: ['p2', 'p10', 'b', 'B', 'p2', '\u00e9'].map((n) => sample(n)),
  });
  assert.deepEqual(Object.fromEntries(m.ids), { B: 0, b: 1, p10: 2, p2: 3, '\u00e9': 4 });
  assert.equal(m.numSpeakers, 5);
  assert.deepEqual(m.speakerNames, ['B', 'b', 'p10', 'p2', '\u00e9']);
});

test("Coqui's speakers.json and speakers.pth load; saving writes the bytes json.dump(indent=4) wrote", () => {
  const fromJson = new SpeakerManager({ speakersFile: join(FIXTURES, 'speakers.json') });
  assert.deepEqual(fromJson.speakerNames, ['ED\u00e9', 'VCTK_p228', 'p225', 'p226', 'p227']);
  const fromPth = new SpeakerManager({ speakersFile: join(FIXTURES, 'speakers.pth') });
  assert.deepEqual(Object.fromEntries(fromPth.ids), Object.fromEntries(fromJson.ids));
  const out = join(tmp(), 'speakers.json');
  fromJson.saveIdsToFile(out);
  assert.equal(readFileSync(out, 'utf8'), readFileSync(join(FIXTURES, 'speakers.json'), 'utf8'));
  // round trip of ids made from data
  const m = new SpeakerManager({ samples: ['x', 'a', 'm'].map((n) => sample(n)) });
  m.saveIdsToFile(out);
  assert.deepEqual(Object.fromEntries(new SpeakerManager({ speakersFile: out }).ids), { a: 0, m: 1, x: 2 });
});

test('a speakers file with ids outside 0..N-1, or a missing one, is one clear error', () => {
  const bad = join(tmp(), 'speakers.json');
  writeFileSync(bad, JSON.stringify({ a: 0, b: 5 }));
  assert.throws(() => new SpeakerManager({ speakersFile: bad }), /speaker "b" has id 5; expected 0..N-1/);
  assert.throws(
    () => new SpeakerManager({ speakersFile: join(tmp(), 'none.json') }),
    /speakers file not found/,
  );
});

test("Coqui's d-vector file: speakers get sorted ids, clips are found by unique name or file name", () => {
  const m = new SpeakerManager({ dVectorFile: join(FIXTURES, 'd_vectors.json') });
  assert.deepEqual(m.speakerNames, ['p225', 'p226']);
  assert.equal(m.embeddingDim, 4);
  assert.deepEqual(m.meanEmbedding('p225'), [0.5, 0.5, 0, 0.5]);
  assert.deepEqual(
    m.embeddingOfSample({
      audioFile: '/x/wav48/p225/p225_002.wav',
      audioUniqueName: 'vctk#wav48/p225/p225_002',
    }),
    [0, 1, 0, 0.5],
  );
  assert.deepEqual(m.embeddingOfSample({ audioFile: '/elsewhere/p226_001.wav' }), [0, 0, 1, -0.5]);
  // a batch's d-vectors [B, D], in batch order
  const batch = {
    audioFiles: ['/y/p226_001.wav', '/x/p225_001.wav'],
    audioUniqueNames: ['none#p226_001', 'vctk#wav48/p225/p225_001'],
  };
  const { speakerIds, dVectors } = batchSpeakerInputs(m, { useDVectorFile: true }, batch);
  assert.equal(speakerIds, null);
  assert.deepEqual(dVectors?.shape, [2, 4]);
  assert.deepEqual([...(dVectors?.toFloat32Array() ?? [])], [0, 0, 1, -0.5, 1, 0, 0, 0.5]);
  assert.throws(
    () => batchSpeakerInputs(m, { useDVectorFile: true }, { audioFiles: ['/z/unknown.wav'] }),
    /the d-vector file has no entry for \/z\/unknown.wav/,
  );
  // inference: the speaker's mean d-vector instead of an id
  const aux = inferenceSpeakerInputs(m, { useDVectorFile: true }, 1);
  assert.equal(aux.speakerId, null);
  assert.deepEqual([...(aux.dVectors?.toFloat32Array() ?? [])], [0, 0, 1, -0.5]);
  // written back in Coqui's layout
  const out = join(tmp(), 'd.json');
  m.saveEmbeddingsToFile(out);
  assert.deepEqual(
    JSON.parse(readFileSync(out, 'utf8')),
    JSON.parse(readFileSync(join(FIXTURES, 'd_vectors.json'), 'utf8')),
  );
});

test('batch names -> ids tensor; an unknown name names the known speakers', () => {
  const m = new SpeakerManager({ samples: ['en-us', 'en-gb', 'en-us+f3'].map((n) => sample(n)) });
  const { speakerIds } = batchSpeakerInputs(
    m,
    { useSpeakerEmbedding: true },
    {
      speakerNames: ['en-us+f3', 'en-gb', 'en-us'],
    },
  );
  assert.equal(speakerIds?.dtype, 'int64');
  assert.deepEqual([...(speakerIds?.toArray() ?? [])], [2, 0, 1]);
  assert.throws(
    () => batchSpeakerInputs(m, { useSpeakerEmbedding: true }, { speakerNames: ['de'] }),
    /speaker "de" of the batch is not among the model's speakers \(en-gb, en-us, en-us\+f3\)/,
  );
  // a single-speaker config ignores the names
  assert.deepEqual(batchSpeakerInputs(m, {}, { speakerNames: ['de'] }), { speakerIds: null, dVectors: null });
});

test('initFromConfig: speakersFile wins over the samples, which are read only when needed', () => {
  let reads = 0;
  const samples = () => {
    reads++;
    return [sample('z')];
  };
  assert.equal(SpeakerManager.initFromConfig({}, samples), null);
  const fromFile = SpeakerManager.initFromConfig(
    { useSpeakerEmbedding: true, speakersFile: join(FIXTURES, 'speakers.json') },
    samples,
  );
  assert.equal(fromFile?.numSpeakers, 5);
  assert.equal(reads, 0);
  assert.deepEqual(SpeakerManager.initFromConfig({ useSpeakerEmbedding: true }, samples)?.speakerNames, [
    'z',
  ]);
  assert.equal(reads, 1);
  assert.equal(
    SpeakerManager.initFromConfig({ useSpeakerEmbedding: true }, () => []),
    null,
  );
});

test("findSpeakerFile / loadModelSpeakers: a voice folder's relative file first, a moved run folder's by name", () => {
  const voice = tmp();
  writeFileSync(join(voice, 'speakers.json'), JSON.stringify({ a: 0, b: 1 }));
  assert.equal(findSpeakerFile('speakers.json', [voice]), join(voice, 'speakers.json'));
  // an absolute path from another machine: the file of that name in the folder
  assert.equal(findSpeakerFile('/gone/run-1/speakers.json', [voice]), join(voice, 'speakers.json'));
  assert.equal(findSpeakerFile(null, [voice]), join(voice, 'speakers.json'));
  const empty = join(voice, 'empty');
  mkdirSync(empty);
  assert.equal(findSpeakerFile('speakers.json', [empty]), null);
  const config = { useSpeakerEmbedding: true, speakersFile: '/gone/run-1/speakers.json' };
  assert.deepEqual(loadModelSpeakers(config, [voice])?.speakerNames, ['a', 'b']);
  assert.equal(loadModelSpeakers({ useSpeakerEmbedding: false }, [voice]), null);
  assert.deepEqual(
    loadModelSpeakers(config, [voice], join(FIXTURES, 'speakers.pth'))?.speakerNames.length,
    5,
  );
});

/** A tiny multi-speaker Glow-TTS (speaker count from the manager). */
function tinyModel(manager: SpeakerManager | null, extra: Record<string, unknown> = {}): GlowTTS {
  const config = GlowTTSConfig.create({
    numChars: 20,
    audio: { numMels: 10 },
    outChannels: 10,
    hiddenChannelsEnc: 16,
    hiddenChannelsDec: 16,
    hiddenChannelsDp: 16,
    numFlowBlocksDec: 2,
    numBlockLayers: 2,
    encoderParams: { numLayers: 1, hiddenChannelsFfn: 32 },
    dataDepInitSteps: 0,
    useSpeakerEmbedding: true,
    ...extra,
  });
  return new GlowTTS(config, { speakerManager: manager, log: () => {} });
}

const loaderBatch = (speakerNames?: string[]) => ({
  tokenIds: torch.randint(1, 20, [3, 6]),
  tokenIdsLengths: torch.tensor([6, 5, 4], { dtype: 'int64' }),
  mel: torch.randn([3, 14, 10]),
  melLengths: torch.tensor([14, 12, 10], { dtype: 'int64' }),
  ...(speakerNames ? { speakerNames } : {}),
});

test('multi-speaker Glow-TTS: numSpeakers from the manager; a batch of names trains the rows it names', () => {
  torch.manualSeed(0);
  const m = new SpeakerManager({ samples: ['c', 'a', 'b', 'd'].map((n) => sample(n)) });
  const model = tinyModel(m);
  assert.equal(model.config.numSpeakers, 4);
  assert.deepEqual(model.embG?.weight.shape, [4, 16]);
  model.train();
  torch.tidy(() => {
    const { lossDict } = model.trainStep(loaderBatch(['c', 'a', 'c']), model.getCriterion());
    assert.ok(Number.isFinite(lossDict.loss.item()));
    lossDict.loss.backward();
  });
  const grad = model.embG?.weight.grad;
  assert.ok(grad);
  const rowNorm = (i: number) => torch.tidy(() => grad.select(0, i).abs().sum().item());
  assert.ok(rowNorm(0) > 0 && rowNorm(2) > 0, 'speakers a (0) and c (2) get gradients');
  assert.equal(rowNorm(1), 0, 'speaker b is not in the batch');
  assert.equal(rowNorm(3), 0, 'speaker d is not in the batch');
});

test('multi-speaker Glow-TTS: different speakers give different mels; no speaker is one clear error', () => {
  torch.manualSeed(1);
  const model = tinyModel(new SpeakerManager({ samples: ['a', 'b'].map((n) => sample(n)) }));
  // the coupling layers start as identities (zero `end`): give them weights so the speaker reaches the mel
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) if (name.includes('.end.')) p.normal_(0, 0.1);
  });
  model.eval();
  const x = torch.randint(1, 20, [1, 7]);
  const mel = (speakerId: number) =>
    torch.tidy(() => model.inference(x, { speakerId }).modelOutputs.contiguous().toFloat32Array());
  const [a, b] = [mel(0), mel(1)];
  assert.ok(a.length > 0 && a.some((v, i) => Math.abs(v - (b[i] ?? 0)) > 1e-4), 'speaker 0 vs 1 differ');
  assert.deepEqual(mel(0), a, 'deterministic per speaker');
  const oneSentence = /^this Glow-TTS is multi-speaker and needs speaker ids .*, but none were given$/;
  const isOneSentence = (e: unknown) => oneSentence.test((e as Error).message);
  assert.throws(() => model.inference(x), isOneSentence);
  model.train();
  assert.throws(() => model.trainStep(loaderBatch(), model.getCriterion()), isOneSentence);
});

test('multi-speaker Glow-TTS without a manager: numSpeakers from the config, or one clear error', () => {
  assert.equal(tinyModel(null, { numSpeakers: 3 }).embG?.weight.shape[0], 3);
  assert.throws(
    () => tinyModel(null),
    /useSpeakerEmbedding needs speakers: give numSpeakers, a speakersFile/,
  );
});

test('onInitStart writes speakers.json into the run folder and records it in the config', () => {
  const run = tmp();
  const model = tinyModel(new SpeakerManager({ samples: ['y', 'x'].map((n) => sample(n)) }));
  // the Trainer's config (what it saves as config.json) may be another object than the model's
  const trainerConfig = { ...model.config };
  const lines: string[] = [];
  model.onInitStart({ runPath: run, config: trainerConfig, line: (t) => lines.push(t) });
  const path = join(run, 'speakers.json');
  assert.equal(readFileSync(path, 'utf8'), '{\n    "x": 0,\n    "y": 1\n}');
  assert.equal(model.config.speakersFile, path);
  assert.equal(trainerConfig.speakersFile, path);
  assert.deepEqual(lines, [` > 2 speakers saved to ${path}`]);
});

test('d-vector Glow-TTS: conditioning width from the file, d-vectors per clip in training, mean per speaker', () => {
  torch.manualSeed(2);
  const m = new SpeakerManager({ dVectorFile: join(FIXTURES, 'd_vectors.json') });
  const model = tinyModel(m, { useSpeakerEmbedding: false, useDVectorFile: true });
  assert.equal(model.cInChannels, 4);
  assert.equal(model.config.dVectorDim, 4);
  assert.equal(model.embG, null);
  model.train();
  const batch = {
    ...loaderBatch(),
    audioFiles: ['/a/p226_001.wav', '/b/p225_001.wav', '/c/p225_002.wav'],
    audioUniqueNames: ['x#p226_001', 'vctk#wav48/p225/p225_001', 'vctk#wav48/p225/p225_002'],
  };
  torch.tidy(() => {
    const { lossDict } = model.trainStep(batch, model.getCriterion());
    assert.ok(Number.isFinite(lossDict.loss.item()));
  });
  model.eval();
  const x = torch.randint(1, 20, [1, 5]);
  const aux = inferenceSpeakerInputs(m, { useDVectorFile: true }, 0);
  const out = torch.tidy(() => model.inference(x, aux).modelOutputs.shape);
  assert.equal(out[2], 10);
  assert.throws(
    () => tinyModel(m, { useSpeakerEmbedding: false, useDVectorFile: true, dVectorDim: 8 }),
    /dVectorDim is 8 but the d-vector file's vectors have 4 values/,
  );
});

test("speakerConfigOf reads a field from the config, else from modelArgs (Coqui's VITS layout)", () => {
  assert.deepEqual(
    speakerConfigOf({
      modelArgs: { useSpeakerEmbedding: true, speakersFile: 'a.json', dVectorFile: ['x', 'y'] },
    }),
    { useSpeakerEmbedding: true, speakersFile: 'a.json', useDVectorFile: false, dVectorFile: ['x', 'y'] },
  );
  // the config's own copy wins, as in Coqui; Glow-TTS's `dVectorFile: false` is no file
  assert.deepEqual(
    speakerConfigOf({
      useSpeakerEmbedding: false,
      dVectorFile: false,
      modelArgs: { useSpeakerEmbedding: true },
    }),
    {
      useSpeakerEmbedding: false,
      speakersFile: null,
      useDVectorFile: false,
      dVectorFile: null,
    },
  );
  // saving records the run's file in modelArgs too
  const config = { speakersFile: null, modelArgs: { speakersFile: null } };
  const path = saveRunSpeakers(new SpeakerManager({ samples: [sample('a')] }), tmp(), [config]);
  assert.equal(config.speakersFile, path);
  assert.equal(config.modelArgs.speakersFile, path);
});

test('several d-vector files merge; a clip in two files is an error', () => {
  const other = join(tmp(), 'more.json');
  writeFileSync(other, JSON.stringify({ 'p300_001.wav': { name: 'p300', embedding: [0, 0, 0, 2] } }));
  const m = new SpeakerManager({ dVectorFile: [join(FIXTURES, 'd_vectors.json'), other] });
  assert.deepEqual(m.speakerNames, ['p225', 'p226', 'p300']);
  assert.equal(m.embeddings.size, 4);
  assert.throws(
    () => new SpeakerManager({ dVectorFile: [other, other] }),
    /clip "p300_001.wav" is in another d-vector file too/,
  );
});
