// The TTS model loader: a Coqui Glow-TTS `.pth` (written by python3-torch in the layout Coqui's Trainer saves,
// with released-checkpoint weight-norm names) plus its Coqui `config.json` loads with one call and one CLI flag
// pair, and then computes what the reference computed (tests/fixtures/parity/glow_tts/inference.safetensors).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { loadSynthesizer } from '../../src/inference/load.ts';
import { readModelWeights } from '../../src/inference/tts_loader.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const pth = join(fixtures, 'coqui_glow_tts/model.pth');
const coquiConfig = join(fixtures, 'coqui_glow_tts/config.json');
const parity = join(fixtures, 'parity/glow_tts');
const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;

/** max |a - b| / max |b|. */
function relDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => a.sub(b).abs().max().item() / b.abs().max().item());
}

test('a Coqui .pth + config.json loads in one call and infers as the reference did (rel 1e-4)', async () => {
  const synth = await loadSynthesizer({ modelPath: pth, configPath: coquiConfig });
  const inputs = loadTensors(join(parity, 'inputs.safetensors')).tensors;
  const ref = loadTensors(join(parity, 'inference.safetensors')).tensors;
  const out = torch.noGrad(() =>
    synth.model.inference(inputs.get('x') as Tensor, {
      xLengths: inputs.get('x_lengths') as Tensor,
      noiseScale: 0,
    }),
  );
  // same tolerance as the parity test: float32 flows through 4 blocks, reference computed by PyTorch
  assert.ok(relDiff(out.modelOutputs, ref.get('model_outputs') as Tensor) <= 1e-4);
  assert.equal(synth.info().sampleRate, 22050);
});

test('the config embedded in the .pth is used when --config-path is absent', () => {
  const { weights, config } = readModelWeights(pth);
  assert.equal(weights.size, 139);
  assert.ok(weights.has('decoder.flows.2.wn.in_layers.0.weight_g'), 'released checkpoint names kept');
  const c = config as Record<string, unknown>;
  assert.equal(c.model, 'glow_tts');
  assert.equal(c.num_chars, 67);
  assert.equal(c.max_audio_len, Number.POSITIVE_INFINITY);
  for (const w of weights.values()) w.dispose();
});

test('ribbit speak --model-path x.pth --config-path config.json writes a WAV', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-loader-'));
  try {
    const out = join(dir, 'out.wav');
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'speak',
        '--model-path',
        pth,
        '--config-path',
        coquiConfig,
        '--text',
        'Hello there.',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const wav = readWav(new Uint8Array(readFileSync(out)));
    assert.equal(wav.sampleRate, 22050);
    assert.ok(wav.samples.length > 2000, `only ${wav.samples.length} samples`);
    assert.match(r.stdout + r.stderr, /real-time factor/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model path that does not exist, or weights without any config, is one clear error', async () => {
  await assert.rejects(loadSynthesizer({ modelPath: '/nonexistent/model.pth' }), /model not found/);
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-loader-'));
  try {
    const weights = join(dir, 'weights.safetensors');
    copyFileSync(join(parity, 'weights.safetensors'), weights);
    await assert.rejects(loadSynthesizer({ modelPath: weights }), /carries no config: give --config-path/);
    // with the Coqui config beside it (as in the fixture folder) it loads
    copyFileSync(coquiConfig, join(dir, 'config.json'));
    const synth = await loadSynthesizer({ modelPath: weights });
    assert.equal(synth.info().sampleRate, 22050);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
