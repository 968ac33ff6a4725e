// A voice folder that pairs an acoustic model with its vocoder: `ribbit export --vocoder-path` writes the
// vocoder into the voice's vocoder/, the loader speaks through it without flags, `--vocoder griffin-lim`
// bypasses it, and `ribbit eval` measures the pair and the vocoder alone on the references' mels. The vocoder is
// the demo recipe's multi-band MelGAN, narrowed and trained for 2 steps on espeak-ng audio of 2 sentences.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { loadSynthesizer } from '../../src/inference/load.ts';
import { loadCopySynthesizer, voiceVocoderPath } from '../../src/inference/tts_loader.ts';
import { GriffinLimVocoder } from '../../src/inference/vocoder.ts';
import { loadTensors } from '../../src/torch/io.ts';
import { NeuralVocoder } from '../../src/vocoder/inference.ts';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
const RECIPE = new URL('../../recipes/demo/vocoder.json', import.meta.url).pathname;
const VOICE = new URL('../../voices/default/', import.meta.url).pathname;

let dir = '';
let data = '';
let voice = '';
let plain = '';

function ribbit(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ribbit-voice-vocoder-'));
  data = join(dir, 'data');
  await makeDemoDataset({ out: data, sentences: 2, offset: 400 });
  // the recipe as it is, narrowed and shortened so 2 steps take a second
  const train = ribbit([
    'train',
    '--config-path',
    RECIPE,
    '--max-steps',
    '2',
    `--dataPath=${join(data, 'wavs')}`,
    `--outputPath=${join(dir, 'runs')}`,
    '--generatorModelParams.base_channels=16',
    '--discriminatorModelParams.max_channels=32',
    '--batchSize=2',
    '--evalBatchSize=1',
    '--evalSplitSize=1',
    '--seqLen=2048',
    '--dashboardLogger=none',
    '--runEval=false',
  ]);
  assert.equal(train.status, 0, train.err + train.out);
  const run = join(dir, 'runs', readdirSync(join(dir, 'runs'))[0]);
  voice = join(dir, 'voice');
  const exported = ribbit(['export', '--model-path', VOICE, '--vocoder-path', run, '--out', voice, '--fp16']);
  assert.equal(exported.status, 0, exported.err + exported.out);
  plain = join(dir, 'plain');
  assert.equal(ribbit(['export', '--model-path', VOICE, '--out', plain]).status, 0);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('ribbit export --vocoder-path: the voice folder holds the model and its vocoder (generator only, fp16)', () => {
  assert.ok(existsSync(join(voice, 'model.safetensors')) && existsSync(join(voice, 'config.json')));
  assert.equal(voiceVocoderPath(voice), join(voice, 'vocoder'));
  assert.equal(voiceVocoderPath(join(voice, 'model.safetensors')), join(voice, 'vocoder'));
  const vocoder = loadTensors(join(voice, 'vocoder', 'model.safetensors')).tensors;
  assert.ok(vocoder.size > 0);
  assert.ok([...vocoder.keys()].every((k) => k.startsWith('model_g.')));
  assert.ok([...vocoder.values()].every((t) => t.dtype === 'float16'));
  const config = JSON.parse(readFileSync(join(voice, 'vocoder', 'config.json'), 'utf8'));
  assert.equal(config.model, 'multiband_melgan');
});

test('a voice folder with a vocoder speaks through it; vocoder griffin-lim bypasses it', async () => {
  const neural = await loadSynthesizer({ modelPath: voice });
  assert.ok(neural.vocoder instanceof NeuralVocoder);
  const r = await neural.synthesize('Hello there.');
  assert.equal(r.sampleRate, 22050);
  assert.ok(r.samples.length > 22050 * 0.3, `${r.samples.length} samples`);
  assert.ok(r.samples.every(Number.isFinite));
  const gl = await loadSynthesizer({ modelPath: voice, vocoder: 'griffin-lim' });
  assert.ok(gl.vocoder instanceof GriffinLimVocoder);
  // the same mel through both vocoders: Griffin-Lim gives (frames - 1) * hop samples (centred iSTFT), the
  // multi-band MelGAN (frames + 4) * hop (its 2 + 2 replicate-padded frames)
  const g = await gl.synthesize('Hello there.');
  assert.equal(r.samples.length - g.samples.length, 5 * 256);
  // 'neural' insists on a vocoder: a voice folder without vocoder/ is refused
  await assert.rejects(loadSynthesizer({ modelPath: plain, vocoder: 'neural' }), /has no vocoder\//);
  assert.ok((await loadSynthesizer({ modelPath: plain })).vocoder instanceof GriffinLimVocoder);
  await assert.rejects(
    loadSynthesizer({ modelPath: voice, vocoder: 'griffin-lim', vocoderPath: join(voice, 'vocoder') }),
    /exclude each other/,
  );
});

test('ribbit speak: the voice folder vocoder by default, --vocoder griffin-lim, bad --vocoder values refused', () => {
  const a = join(dir, 'neural.wav');
  const b = join(dir, 'gl.wav');
  const text = 'Be a voice, not an echo.';
  assert.equal(ribbit(['speak', '--model-path', voice, '--text', text, '--out', a]).status, 0);
  const s = ribbit(['speak', '--model-path', voice, '--vocoder', 'griffin-lim', '--text', text, '--out', b]);
  assert.equal(s.status, 0, s.err);
  const na = readWav(new Uint8Array(readFileSync(a))).samples.length;
  const nb = readWav(new Uint8Array(readFileSync(b))).samples.length;
  assert.equal(na - nb, 5 * 256);
  const bad = ribbit(['speak', '--model-path', voice, '--vocoder', 'wavenet', '--text', text, '--out', b]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.err, /--vocoder must be one of auto, neural, griffin-lim/);
});

test('ribbit eval with the voice vocoder, and --copy-synthesis (the vocoder on the references own mels)', () => {
  type Out = { rows: { id: string; mcd: number }[]; mean: { mcd: number } };
  const evalJson = (args: string[]): Out => {
    const r = ribbit(['eval', '--dataset', data, '--sentences', '2', '--json', ...args]);
    assert.equal(r.status, 0, r.err);
    return JSON.parse(r.out) as Out;
  };
  const pair = evalJson(['--model-path', voice]);
  const copy = evalJson(['--model-path', voice, '--copy-synthesis']);
  const glCopy = evalJson(['--model-path', voice, '--copy-synthesis', '--vocoder', 'griffin-lim']);
  for (const o of [pair, copy, glCopy]) {
    assert.equal(o.rows.length, 2);
    assert.ok(Number.isFinite(o.mean.mcd) && o.mean.mcd > 0, `MCD ${o.mean.mcd}`);
  }
  // an untrained vocoder is far from the references; Griffin-Lim on their mels is close
  assert.ok(
    glCopy.mean.mcd < copy.mean.mcd,
    `Griffin-Lim ${glCopy.mean.mcd} vs 2-step vocoder ${copy.mean.mcd}`,
  );
});

test('copy synthesis returns the reference length (to the vocoder padding) at the vocoder rate', () => {
  const copy = loadCopySynthesizer({ modelPath: voice });
  assert.ok(copy.vocoder instanceof NeuralVocoder);
  const ref = readWav(new Uint8Array(readFileSync(join(data, 'wavs', readdirSync(join(data, 'wavs'))[0]))));
  const out = copy.resynthesize(ref.samples, ref.sampleRate);
  const frames = Math.floor(ref.samples.length / 256) + 1;
  assert.equal(out.length, (frames + 4) * 256);
  assert.equal(copy.sampleRate, 22050);
});

test('the bundled voice ships its vocoder (fp16, under 3 MB) and speaks through it with no flags', async () => {
  const path = join(VOICE, 'vocoder', 'model.safetensors');
  assert.ok(statSync(path).size < 3 * 1024 * 1024, `${statSync(path).size} bytes`);
  assert.ok([...loadTensors(path).tensors.values()].every((t) => t.dtype === 'float16'));
  const synth = await loadSynthesizer({});
  assert.ok(synth.vocoder instanceof NeuralVocoder);
  const r = await synth.synthesize('Be a voice, not an echo.');
  const peak = r.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(peak > 0.05 && peak < 1, `peak ${peak}`);
  assert.ok((await loadSynthesizer({ vocoder: 'griffin-lim' })).vocoder instanceof GriffinLimVocoder);
});
