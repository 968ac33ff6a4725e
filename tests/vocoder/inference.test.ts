// A trained GAN vocoder behind the Synthesizer: --vocoder-path with a ribbit vocoder folder (weights + config),
// the bundled acoustic voice's mels renormalised for the vocoder, and the NeuralVocoder adapter's conversions.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AudioProcessor } from '../../src/audio/processor.ts';
import { main } from '../../src/cli/main.ts';
import { configToJson } from '../../src/config/index.ts';
import { loadSynthesizer } from '../../src/inference/load.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors, saveTensors } from '../../src/torch/io.ts';
import { HifiganConfig } from '../../src/vocoder/configs/index.ts';
import { NeuralVocoder } from '../../src/vocoder/inference.ts';
import { GAN } from '../../src/vocoder/models/index.ts';

function tinyHifigan(sampleRate = 22050) {
  return HifiganConfig.create({
    audio: { sampleRate, doTrimSilence: false },
    l1SpecLossParams: {
      use_mel: true,
      sample_rate: sampleRate,
      n_fft: 1024,
      hop_length: 256,
      win_length: 1024,
      n_mels: 80,
      mel_fmin: 0,
      mel_fmax: null,
    },
    generatorModelParams: {
      upsample_factors: [8, 8, 4],
      upsample_kernel_sizes: [16, 16, 8],
      upsample_initial_channel: 16,
      resblock_kernel_sizes: [3],
      resblock_dilation_sizes: [[1, 3, 5]],
      resblock_type: '2',
    },
    discriminatorModelParams: {
      period_channels: [2, 4, 4, 4, 4],
      scale_channels: [16, 16, 16, 16, 16, 16, 16],
    },
  });
}

test('ribbit speak --vocoder-path: the bundled voice through a ribbit GAN vocoder folder', async () => {
  torch.manualSeed(21);
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-vocoder-'));
  const config = tinyHifigan();
  const gan = new GAN(config, { log: () => {} });
  // a checkpoint as training writes it: generator and discriminator, weight norm in the legacy layout
  saveTensors(join(dir, 'model.safetensors'), gan.stateDict());
  writeFileSync(join(dir, 'config.json'), configToJson(config));
  const synth = await loadSynthesizer({ vocoderPath: dir });
  assert.ok(synth.vocoder instanceof NeuralVocoder);
  assert.equal(synth.vocoder.sampleRate, 22050);
  const r = await synth.synthesize('Hello there.');
  assert.equal(r.sampleRate, 22050);
  assert.ok(r.samples.length > 22050 * 0.2, `${r.samples.length} samples`);
  assert.ok(r.samples.every(Number.isFinite));
});

test('NeuralVocoder: denormalises with the acoustic model, renormalises for the vocoder, stretches to its rate', () => {
  torch.manualSeed(22);
  const gan = new GAN(tinyHifigan(), { log: () => {} });
  gan.prepareForInference();
  const ap = new AudioProcessor({ sampleRate: 22050 });
  const mel = torch.randn([1, 12, 80]).clamp(-4, 4); // [1, frames, C] as the acoustic model emits it
  const direct = new NeuralVocoder(gan, gan.ap, null).vocode(mel);
  assert.equal(direct.length, (12 + 10) * 256);
  // the same audio config on both sides: renormalisation is the identity (up to the clipping at ±maxNorm)
  const same = new NeuralVocoder(gan, gan.ap, ap).vocode(mel);
  assert.ok(same.every((v, i) => Math.abs(v - direct[i]) < 1e-5));
  // an acoustic model at 16 kHz: the mel is stretched by 22050 / 16000 in time
  const slow = new NeuralVocoder(gan, gan.ap, new AudioProcessor({ sampleRate: 16000 })).vocode(mel);
  assert.equal(slow.length, (Math.floor(12 * (22050 / 16000)) + 10) * 256);
});

test('ribbit export of a GAN vocoder run: generator only, weight norm folded, fp16; --vocoder-path loads it', async () => {
  torch.manualSeed(23);
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-vocoder-export-'));
  const config = tinyHifigan();
  const gan = new GAN(config, { log: () => {} });
  saveTensors(join(dir, 'model.safetensors'), gan.stateDict());
  writeFileSync(join(dir, 'config.json'), configToJson(config));
  const out = join(dir, 'voice');
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await main(['export', '--model-path', dir, '--out', out, '--fp16']), 0);
  } finally {
    console.log = log;
  }
  const exported = loadTensors(join(out, 'model.safetensors')).tensors;
  assert.ok(
    [...exported.keys()].every((k) => k.startsWith('model_g.') && !k.endsWith('_g') && !k.endsWith('_v')),
  );
  assert.ok([...exported.values()].every((t) => t.dtype === 'float16'));
  // the exported generator vocodes as the original one (to fp16 rounding of the weights)
  gan.prepareForInference();
  const mel = torch.randn([1, 8, 80]).clamp(-4, 4);
  const want = new NeuralVocoder(gan, gan.ap).vocode(mel);
  const synth = await loadSynthesizer({ vocoderPath: out });
  const got = (synth.vocoder as NeuralVocoder).model
    .inference(mel.transpose(1, 2))
    .modelOutputs.reshape([-1]);
  const diff = torch.tidy(() => got.sub(torch.tensor(want)).abs().max().item());
  assert.ok(diff < 2e-2, `fp16 export differs by ${diff}`);
});
