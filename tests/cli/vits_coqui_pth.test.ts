// A Coqui VITS checkpoint as a user has one: `.pth` files written by python3-torch from the parity fixture's
// weights (scripts/make_coqui_vits_pth.py) in both weight-norm namings, one with and one without the
// discriminator. They load into the Synthesizer's model and reproduce Coqui's inference waveform; `ribbit
// speak` plays the waveform VITS returns (no vocoder) with the config given or the one inside the `.pth`;
// `ribbit export --fp16` writes a voice folder without the discriminator that speaks.
//
// Tolerance: the waveform 1e-5 absolute (README "Tolerances"; Coqui's float32-vs-float64 deviation ~2e-8).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildModel, readModelWeights } from '../../src/inference/tts_loader.ts';
import type * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ribbit.mjs');
const FIXTURE = join(ROOT, 'tests/fixtures/parity/vits');
const CONFIG = join(FIXTURE, 'config.json');
const PYTHON = '/usr/bin/python3';
const hasTorch =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = (!hasTorch && 'python3-torch is not installed') || (!existsSync(CONFIG) && 'no VITS fixture');

let dir = '';
const pth = { legacyNoDisc: '', parametrizedWithDisc: '' };

function ribbit(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function makePth(name: string, ...flags: string[]): string {
  const out = join(dir, name);
  const r = spawnSync(PYTHON, [join(ROOT, 'scripts/make_coqui_vits_pth.py'), out, ...flags], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'ribbit-vits-pth-'));
  pth.legacyNoDisc = makePth('legacy.pth', '--legacy-names', '--no-disc');
  pth.parametrizedWithDisc = makePth('full.pth');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a Coqui VITS .pth (both weight-norm namings, with or without disc.*) reproduces Coqui inference', {
  skip,
}, () => {
  const ref = loadTensors(join(FIXTURE, 'inference_deterministic.safetensors')).tensors;
  const x = ref.get('x') as torch.Tensor;
  const want = ref.get('model_outputs') as torch.Tensor;
  for (const path of [pth.legacyNoDisc, pth.parametrizedWithDisc]) {
    const { weights, config: embedded } = readModelWeights(path);
    assert.ok(embedded, 'the .pth carries its config');
    const config = loadConfig(CONFIG, { onIgnored: () => {} });
    const model = buildModel(config, weights);
    assert.equal(model.outputKind, 'waveform');
    assert.equal((model as unknown as { disc: unknown }).disc, null, 'no discriminator at inference');
    // the fixture config's inference noise scales are 0: deterministic
    const out = model.inference(x).modelOutputs;
    assert.deepEqual(out.shape, want.shape);
    const diff = out.sub(want).abs().max().item();
    assert.ok(diff <= 1e-5, `${path}: max abs ${diff}`);
  }
});

test('ribbit speak plays the VITS waveform: --config-path or the config inside the .pth', { skip }, () => {
  const a = join(dir, 'a.wav');
  const b = join(dir, 'b.wav');
  const ra = ribbit(
    'speak',
    '--model-path',
    pth.legacyNoDisc,
    '--config-path',
    CONFIG,
    '--text',
    'Hello.',
    '--out',
    a,
  );
  assert.equal(ra.status, 0, ra.out);
  const rb = ribbit('speak', '--model-path', pth.parametrizedWithDisc, '--text', 'Hello.', '--out', b);
  assert.equal(rb.status, 0, rb.out);
  const wa = readWav(new Uint8Array(readFileSync(a)));
  assert.equal(wa.sampleRate, 22050);
  assert.ok(wa.samples.length > 2000, `${wa.samples.length} samples`);
  assert.ok(
    wa.samples.some((v) => Math.abs(v) > 1e-3),
    'not silence',
  );
  assert.deepEqual(readFileSync(a), readFileSync(b), 'the same voice either way');
});

test('ribbit export --fp16: a voice folder without the discriminator that speaks', { skip }, () => {
  const voice = join(dir, 'voice');
  const r = ribbit('export', '--model-path', pth.parametrizedWithDisc, '--out', voice, '--fp16');
  assert.equal(r.status, 0, r.out);
  const size = statSync(join(voice, 'model.safetensors')).size;
  assert.ok(size < statSync(pth.legacyNoDisc).size * 0.55, `${size} bytes`);
  const header = loadTensors(join(voice, 'model.safetensors')).tensors;
  assert.ok(![...header.keys()].some((k) => k.startsWith('disc.')));
  const out = join(dir, 'voice.wav');
  const s = ribbit('speak', '--model-path', voice, '--text', 'Hello.', '--out', out);
  assert.equal(s.status, 0, s.out);
  assert.ok(readWav(new Uint8Array(readFileSync(out))).samples.length > 2000);
});
