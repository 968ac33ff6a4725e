// Parity with Coqui TTS 0.22 VITS on the reference fixtures (shared parity README, section vits/), end to end:
// config import, the state dict (strict load, discriminator widths read off the weights), the spectrogram
// functions, forward (Coqui's recorded random draws replayed through a NoiseSource) up to the decoded waveform,
// the generator and discriminator losses on the recorded discriminator outputs, and inference (deterministic
// and noisy) up to the waveform. The discriminator and the train step: vits_train_parity.test.ts.
//
// tests/fixtures/parity/vits/ holds byte-identical copies of the shared set's files. RIBBIT_PARITY_DIR points
// the tests at another copy. Every shape and length is read from the fixtures.
//
// Tolerances (README "Tolerances"; Coqui's own float32-vs-float64 deviation is ~1e-6 on these tensors):
// latent tensors (z, z_p, m_p, logs_p, m_q, logs_q, logw) 1e-4 absolute; spectrogram / mel tensors 1e-4
// relative to the tensor's max; mas.logp 1e-3 relative; loss items 1e-5 relative; exact for token lengths,
// slice_ids, MAS alignments, inference durations / alignments / masks, and the real-waveform segment (a copy);
// waveforms 1e-5 absolute (Coqui's float32-vs-float64 deviation ~2e-8).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromCoquiJson, loadConfig, toCoquiJson } from '../../src/config/index.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import { VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { withDiscriminatorWidthsOf } from '../../src/tts/layers/vits/discriminator.ts';
import { klLoss, VitsDiscriminatorLoss, VitsGeneratorLoss } from '../../src/tts/layers/vits/losses.ts';
import {
  batchSpectrograms,
  specToMel,
  spectrogramParamsOf,
  wavToMel,
  wavToSpec,
} from '../../src/tts/layers/vits/spectrogram.ts';
import type { StochasticDurationPredictor } from '../../src/tts/layers/vits/stochastic_duration_predictor.ts';
import { Vits } from '../../src/tts/models/vits.ts';
import { gaussianLogLikelihood } from '../../src/tts/utils/alignment.ts';
import { sequenceMask } from '../../src/tts/utils/helpers.ts';
import { ReplayNoise } from '../../src/tts/utils/noise.ts';
import { segment } from '../../src/tts/utils/segments.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const dir = join(parityDir, 'vits');
const skip = !existsSync(join(dir, 'weights.safetensors')) && 'VITS parity fixtures not found';

const LATENT_ATOL = 1e-4;
const SPEC_RTOL = 1e-4;
/** Waveforms: Coqui's own float32-vs-float64 deviation is ~2e-8 (sanity.json); 1e-5 as the README suggests. */
const WAVE_ATOL = 1e-5;

function load(name: string): Map<string, Tensor> {
  return loadTensors(join(dir, name)).tensors;
}

function get(m: Map<string, Tensor>, k: string): Tensor {
  const t = m.get(k);
  assert.ok(t, `fixture tensor ${k} missing`);
  return t;
}

/** max |a - b| and max |b|; asserts equal shapes. */
function diff(a: Tensor, b: Tensor): { abs: number; scale: number } {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => ({
    abs: a.double().sub(b.double()).abs().max().item(),
    scale: b.double().abs().max().item(),
  }));
}

function assertAbs(name: string, a: Tensor, b: Tensor, atol = LATENT_ATOL): void {
  const { abs } = diff(a, b);
  assert.ok(abs <= atol, `${name}: max abs ${abs} > ${atol}`);
}

function assertRel(name: string, a: Tensor, b: Tensor, rtol: number): void {
  const { abs, scale } = diff(a, b);
  assert.ok(abs <= rtol * scale, `${name}: max abs ${abs} > ${rtol} * ${scale}`);
}

function assertExact(name: string, a: Tensor, b: Tensor): void {
  const { abs } = diff(a, b);
  assert.equal(abs, 0, `${name}: differs (max abs ${abs})`);
}

/** The whole model (discriminator at the fixture's widths, read off the weights), strict load, eval mode. */
function loadModel(): Vits {
  const weights = load('weights.safetensors');
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const model = new Vits(withDiscriminatorWidthsOf(config, weights));
  model.loadStateDict(weights, { strict: true });
  model.eval();
  return model;
}

/** The recorded draws `noise.0, noise.1, ...` of a fixture file, in call order. */
function recordedNoise(m: Map<string, Tensor>): ReplayNoise {
  const draws: Tensor[] = [];
  for (let j = 0; m.has(`noise.${j}`); j++) draws.push(get(m, `noise.${j}`));
  return new ReplayNoise(draws);
}

test('VitsConfig imports the Coqui config.json: every field known, values and key order kept', {
  skip,
}, () => {
  const raw = readFileSync(join(dir, 'config.json'), 'utf8').replace(/\bInfinity\b/g, '1e999');
  const coqui = JSON.parse(raw) as Record<string, unknown>;
  const { config, ignored } = fromCoquiJson(coqui, { configClass: VitsConfig, onIgnored: () => {} });
  assert.deepEqual(ignored, []);
  const args = coqui.model_args as Record<string, unknown>;
  assert.equal(config.modelArgs.hiddenChannels, args.hidden_channels);
  assert.equal(config.modelArgs.numChars, args.num_chars);
  assert.equal(config.modelArgs.freezeDp, args.freeze_DP);
  assert.deepEqual(config.modelArgs.resblockDilationSizesDecoder, args.resblock_dilation_sizes_decoder);
  assert.deepEqual(config.testSentences, coqui.test_sentences);
  assert.deepEqual(config.optimizerParams, coqui.optimizer_params);
  // back to Coqui's names: Coqui's keys in Coqui's order (plus ribbit's own fields), the same values
  const back = toCoquiJson(config, VitsConfig);
  assert.deepEqual(
    Object.keys(back).filter((k) => Object.hasOwn(coqui, k)),
    Object.keys(coqui),
  );
  // ribbit's own model_args (the discriminator widths Coqui hard-codes) come on top, with Coqui's values
  const backArgs = { ...(back.model_args as Record<string, unknown>) };
  assert.deepEqual(backArgs.scale_discriminator_channels, [16, 64, 256, 1024, 1024, 1024]);
  assert.deepEqual(backArgs.period_discriminator_channels, [32, 128, 512, 1024, 1024]);
  delete backArgs.scale_discriminator_channels;
  delete backArgs.period_discriminator_channels;
  assert.deepEqual(Object.keys(backArgs), Object.keys(args));
  assert.deepEqual(backArgs, args);
  for (const k of ['lr_gen', 'lr_scheduler_disc_params', 'mel_loss_alpha', 'grad_clip', 'test_sentences']) {
    assert.deepEqual(back[k], coqui[k], k);
  }
  // the audio section: Coqui's seven VitsAudioConfig fields, equal
  const audio = back.audio as Record<string, unknown>;
  for (const [k, v] of Object.entries(coqui.audio as object)) assert.deepEqual(audio[k], v, `audio.${k}`);
});

test("state dict: every key and shape is Coqui's (discriminator widths from the weights)", { skip }, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const ref = load('weights.safetensors');
  const own = new Vits(withDiscriminatorWidthsOf(config, ref)).stateDict({
    weightNormKeys: 'parametrizations',
  });
  assert.deepEqual([...own.keys()].sort(), [...ref.keys()].sort());
  for (const [k, t] of own) assert.deepEqual(t.shape, get(ref, k).shape, k);
  // without a discriminator (inference) the disc.* entries of a checkpoint are skipped
  const inference = new Vits(config, { inferenceOnly: true });
  assert.equal(inference.disc, null);
  assert.doesNotThrow(() => inference.loadStateDict(ref, { strict: true }));
});

test("wav_to_spec, spec_to_mel, wav_to_mel match Coqui's module functions", { skip }, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const a = config.audio;
  const stftP = { nFft: a.fftSize, hopLength: a.hopLength, winLength: a.winLength };
  const melP = {
    nFft: a.fftSize,
    numMels: a.numMels,
    sampleRate: a.sampleRate,
    fmin: a.melFmin,
    fmax: a.melFmax,
  };
  const ref = load('spectrogram.safetensors');
  const spec = wavToSpec(get(ref, 'wav'), stftP);
  assertRel('wav_to_spec', spec, get(ref, 'wav_to_spec'), SPEC_RTOL);
  // the log-mel's max |value| is ~11 (ln(1e-5)); relative to it
  assertRel('spec_to_mel', specToMel(get(ref, 'wav_to_spec'), melP), get(ref, 'spec_to_mel'), SPEC_RTOL);
  assertRel(
    'wav_to_mel',
    wavToMel(get(ref, 'wav'), { ...stftP, ...melP }),
    get(ref, 'wav_to_mel'),
    SPEC_RTOL,
  );
});

test('the training batch: spec / mel of the padded waveforms and the truncated spec_lens', { skip }, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const a = config.audio;
  const inputs = load('inputs.safetensors');
  const out = batchSpectrograms(
    get(inputs, 'waveform'),
    get(inputs, 'waveform_rel_lens'),
    spectrogramParamsOf(a),
  );
  // Coqui's quirk: spec_lens = (T_spec * waveform_rel_lens).int() (float32 product, truncated)
  assertExact('spec_lens', out.specLens, get(inputs, 'spec_lens'));
  assertExact('mel_lens', out.specLens, get(inputs, 'mel_lens'));
  assertRel('spec', out.spec, get(inputs, 'spec'), SPEC_RTOL);
  assertRel('mel', out.mel, get(inputs, 'mel'), SPEC_RTOL);
});

test('forward (recorded noise) matches Coqui: latents, MAS, duration loss, segments', { skip }, () => {
  const model = loadModel();
  const inputs = load('inputs.safetensors');
  const ref = load('forward.safetensors');
  const draws = JSON.parse(readFileSync(join(dir, 'forward_noise.json'), 'utf8')).draws as { name: string }[];
  const noise = recordedNoise(ref);
  assert.equal(noise.remaining, draws.length);
  const out = torch.noGrad(() =>
    model.forward(
      get(inputs, 'tokens'),
      get(inputs, 'token_lens'),
      get(inputs, 'spec'),
      get(inputs, 'spec_lens'),
      get(inputs, 'waveform'),
      { noise },
    ),
  );
  assert.equal(noise.remaining, 0, 'every recorded draw is consumed');
  assertAbs('model_outputs', out.modelOutputs, get(ref, 'model_outputs'), WAVE_ATOL);
  for (const [name, mine] of [
    ['z', out.z],
    ['z_p', out.zP],
    ['m_p', out.mP],
    ['logs_p', out.logsP],
    ['m_q', out.mQ],
    ['logs_q', out.logsQ],
  ] as const) {
    assertAbs(name, mine, get(ref, name));
  }
  assertExact('alignments', out.alignments, get(ref, 'alignments'));
  assertExact('slice_ids', out.sliceIds, get(ref, 'slice_ids'));
  assertExact('waveform_seg', out.waveformSeg, get(ref, 'waveform_seg'));
  assertRel('loss_duration', out.lossDuration, get(ref, 'loss_duration'), 1e-5);
  // the MAS input: log N(z_p; m_p, exp(logs_p)) per token and frame, from the per-token prior
  const text = torch.noGrad(() =>
    model.textEncoder.forward(get(inputs, 'tokens'), get(inputs, 'token_lens')),
  );
  const logp = gaussianLogLikelihood(out.zP, text.mP, text.logsP);
  assertRel('mas.logp', logp, get(ref, 'mas.logp'), 1e-3);
  // the generator-loss terms that need no discriminator (losses.json, VitsGeneratorLoss; 1e-5 relative)
  const losses = JSON.parse(readFileSync(join(dir, 'losses.json'), 'utf8'));
  const want = losses.VitsGeneratorLoss as Record<string, number>;
  const alphas = losses.alphas as Record<string, number>;
  const close = (name: string, v: number) =>
    assert.ok(Math.abs(v - want[name]) <= 1e-5 * Math.abs(want[name]), `${name}: ${v} vs ${want[name]}`);
  const zMask = sequenceMask(get(inputs, 'spec_lens'), out.zP.size(2)).unsqueeze(1).float();
  close('loss_kl', klLoss(out.zP, out.logsQ, out.mP, out.logsP, zMask).mul(alphas.kl_loss_alpha).item());
  close('loss_duration', out.lossDuration.sum().mul(alphas.dur_loss_alpha).item());
});

test('mel loss inputs: the mel segment and wav_to_mel of the decoded segment match Coqui', { skip }, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const a = config.audio;
  const inputs = load('inputs.safetensors');
  const fwd = load('forward.safetensors');
  const ref = load('losses.safetensors');
  const want = JSON.parse(readFileSync(join(dir, 'losses.json'), 'utf8'));
  const melSlice = segment(get(inputs, 'mel'), get(fwd, 'slice_ids'), config.modelArgs.specSegmentSize, true);
  assertExact('mel_slice', melSlice, get(ref, 'mel_slice'));
  const melSliceHat = wavToMel(get(fwd, 'model_outputs'), spectrogramParamsOf(a));
  assertRel('mel_slice_hat', melSliceHat, get(ref, 'mel_slice_hat'), SPEC_RTOL);
  const lossMel = melSlice.sub(melSliceHat).abs().mean().mul(want.alphas.mel_loss_alpha).item();
  const lossMelRef = want.VitsGeneratorLoss.loss_mel as number;
  assert.ok(Math.abs(lossMel - lossMelRef) <= 1e-5 * lossMelRef, `loss_mel: ${lossMel} vs ${lossMelRef}`);
});

test('forward with the global generator seeded as Coqui was draws what Coqui drew', { skip }, () => {
  const model = loadModel();
  const inputs = load('inputs.safetensors');
  const ref = load('forward.safetensors');
  const seed = JSON.parse(
    readFileSync(join(dir, 'forward_noise.json'), 'utf8'),
  ).torch_manual_seed_before_forward;
  torch.manualSeed(seed);
  const out = torch.noGrad(() =>
    model.forward(
      get(inputs, 'tokens'),
      get(inputs, 'token_lens'),
      get(inputs, 'spec'),
      get(inputs, 'spec_lens'),
      get(inputs, 'waveform'),
    ),
  );
  assertExact('slice_ids', out.sliceIds, get(ref, 'slice_ids'));
  assertAbs('z', out.z, get(ref, 'z'));
  assertRel('loss_duration', out.lossDuration, get(ref, 'loss_duration'), 1e-5);
});

for (const kind of ['deterministic', 'noisy'] as const) {
  test(`inference (${kind}) matches Coqui: durations, latents, waveform`, { skip }, () => {
    const model = loadModel();
    const ref = load(`inference_${kind}.safetensors`);
    const noise = recordedNoise(ref);
    // the noisy fixture set model.inference_noise_scale 0.667 and inference_noise_scale_dp 1.0
    const scales: { noiseScale?: number; noiseScaleDp?: number } =
      kind === 'noisy' ? { noiseScale: 0.667, noiseScaleDp: 1.0 } : {};
    const out = model.inference(get(ref, 'x'), { noise, ...scales });
    assert.equal(noise.remaining, 0, 'every recorded draw is consumed');
    assertExact('durations', out.durations, get(ref, 'durations'));
    assertExact('alignments', out.alignments, get(ref, 'alignments'));
    assertExact('y_mask', out.yMask, get(ref, 'y_mask'));
    for (const [name, mine] of [
      ['z', out.z],
      ['z_p', out.zP],
      ['m_p', out.mP],
      ['logs_p', out.logsP],
    ] as const) {
      assertAbs(name, mine, get(ref, name));
    }
    // the SDP's reverse pass on its own: log-durations
    const text = torch.noGrad(() =>
      model.textEncoder.forward(get(ref, 'x'), torch.tensor([get(ref, 'x').size(1)], { dtype: 'int64' })),
    );
    const sdp = model.durationPredictor as StochasticDurationPredictor;
    const logw = torch.noGrad(() =>
      sdp.reverse(text.x, text.xMask, scales.noiseScaleDp ?? 0, {
        noise: new ReplayNoise([get(ref, 'noise.0')]),
      }),
    );
    assertAbs('logw', logw, get(ref, 'logw'));
    assertAbs('model_outputs', out.modelOutputs, get(ref, 'model_outputs'), WAVE_ATOL);
  });
}

/** Scores and per-layer features of one side (`d_fake` or `d_real`) of discriminator.safetensors. */
function discriminatorSide(m: Map<string, Tensor>, side: string): { scores: Tensor[]; feats: Tensor[][] } {
  const scores: Tensor[] = [];
  const feats: Tensor[][] = [];
  for (let i = 0; m.has(`${side}.${i}.score`); i++) {
    scores.push(get(m, `${side}.${i}.score`));
    const layers: Tensor[] = [];
    for (let j = 0; m.has(`${side}.${i}.feat.${j}`); j++) layers.push(get(m, `${side}.${i}.feat.${j}`));
    feats.push(layers);
  }
  return { scores, feats };
}

test('VitsGeneratorLoss and VitsDiscriminatorLoss match losses.json on the recorded tensors', {
  skip,
}, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const inputs = load('inputs.safetensors');
  const fwd = load('forward.safetensors');
  const mels = load('losses.safetensors');
  const disc = load('discriminator.safetensors');
  const want = JSON.parse(readFileSync(join(dir, 'losses.json'), 'utf8'));
  const fake = discriminatorSide(disc, 'd_fake');
  const real = discriminatorSide(disc, 'd_real');
  assert.ok(fake.scores.length > 0 && fake.scores.length === real.scores.length);
  const close = (name: string, v: number, ref: number) =>
    assert.ok(Math.abs(v - ref) <= 1e-5 * Math.abs(ref), `${name}: ${v} vs ${ref}`);
  const gen = new VitsGeneratorLoss(config).forward({
    melSlice: get(mels, 'mel_slice'),
    melSliceHat: get(mels, 'mel_slice_hat'),
    zP: get(fwd, 'z_p'),
    logsQ: get(fwd, 'logs_q'),
    mP: get(fwd, 'm_p'),
    logsP: get(fwd, 'logs_p'),
    zLengths: get(inputs, 'spec_lens'),
    scoresDiscFake: fake.scores,
    featsDiscFake: fake.feats,
    featsDiscReal: real.feats,
    lossDuration: get(fwd, 'loss_duration'),
  });
  const g = want.VitsGeneratorLoss as Record<string, number>;
  close('loss_gen', gen.lossGen.item(), g.loss_gen);
  close('loss_kl', gen.lossKl.item(), g.loss_kl);
  close('loss_feat', gen.lossFeat.item(), g.loss_feat);
  close('loss_mel', gen.lossMel.item(), g.loss_mel);
  close('loss_duration', gen.lossDuration.item(), g.loss_duration);
  close('loss', gen.loss.item(), g.loss);
  const d = new VitsDiscriminatorLoss(config).forward(real.scores, fake.scores);
  const dw = want.VitsDiscriminatorLoss as Record<string, number>;
  close('loss_disc', d.lossDisc.item(), dw.loss_disc);
  close('loss', d.loss.item(), dw.loss);
  for (let i = 0; i < real.scores.length; i++) {
    const v = d[`lossDiscReal${i}`];
    assert.equal(v.requiresGrad, false, "logged only, as Coqui's Python floats");
    close(`loss_disc_real_${i}`, v.item(), dw[`loss_disc_real_${i}`]);
  }
});
