// Parity with Coqui TTS 0.22's own MelGAN-family modules, HiFiGAN resblock type 2 and the STFT / sub-band /
// hinge losses, run by python3-torch on small sizes (tests/fixtures/vocoder/make_coqui_fixtures.py; legacy
// weight_g / weight_v keys). Tolerances: waveforms and feature maps 1e-5 absolute (float32 convolutions in a
// different order), loss items 1e-5 relative.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import type { Module } from '../../src/torch/nn/index.ts';
import { DiscriminatorLoss, GeneratorLoss } from '../../src/vocoder/layers/losses.ts';
import { HifiganGenerator } from '../../src/vocoder/models/hifigan_generator.ts';
import { MelganMultiscaleDiscriminator } from '../../src/vocoder/models/melgan_discriminator.ts';
import {
  FullbandMelganGenerator,
  MelganGenerator,
  MultibandMelganGenerator,
} from '../../src/vocoder/models/melgan_generator.ts';

const dir = 'tests/fixtures/vocoder';
const ref = loadTensors(`${dir}/coqui_melgan.safetensors`).tensors;
const losses = JSON.parse(readFileSync(`${dir}/coqui_losses.json`, 'utf8'));
const r = (k: string) => {
  const t = ref.get(k);
  assert.ok(t, `fixture lacks ${k}`);
  return t;
};

function load<M extends Module>(prefix: string, m: M): M {
  const sd = new Map<string, Tensor>();
  for (const [k, t] of ref) if (k.startsWith(`${prefix}.sd.`)) sd.set(k.slice(prefix.length + 4), t);
  m.loadStateDict(sd, { strict: true });
  m.eval();
  return m;
}

function assertAbs(name: string, a: Tensor, b: Tensor, atol = 1e-5): void {
  assert.deepEqual(a.shape, b.shape, `${name}: shape`);
  const d = torch.tidy(() => a.sub(b).abs().max().item());
  assert.ok(d <= atol, `${name}: max abs diff ${d} > ${atol}`);
}

const generators: [string, () => Module & { forward(x: Tensor): Tensor; inference(x: Tensor): Tensor }][] = [
  [
    'melgan',
    () => new MelganGenerator({ inChannels: 8, baseChannels: 32, upsampleFactors: [4, 2], numResBlocks: 2 }),
  ],
  [
    'multiband',
    () =>
      new MultibandMelganGenerator({
        inChannels: 8,
        baseChannels: 32,
        upsampleFactors: [4, 2],
        numResBlocks: 2,
      }),
  ],
  [
    'fullband',
    () =>
      new FullbandMelganGenerator({
        inChannels: 8,
        baseChannels: 16,
        upsampleFactors: [2, 2, 2],
        numResBlocks: 3,
      }),
  ],
  [
    'hifigan2',
    () =>
      new HifiganGenerator({
        inChannels: 8,
        outChannels: 1,
        resblockType: '2',
        resblockDilationSizes: [
          [1, 3],
          [1, 3],
        ],
        resblockKernelSizes: [3, 5],
        upsampleKernelSizes: [8, 4],
        upsampleInitialChannel: 16,
        upsampleFactors: [4, 2],
      }),
  ],
];

for (const [name, make] of generators) {
  test(`Coqui ${name} generator: state dict (legacy weight-norm keys), forward and inference match`, () => {
    const g = load(name, make());
    const x = r('mel');
    assertAbs(
      `${name}.forward`,
      torch.noGrad(() => g.forward(x)),
      r(`${name}.forward`),
    );
    assertAbs(`${name}.inference`, g.inference(x), r(`${name}.inference`));
    if (g instanceof MultibandMelganGenerator) {
      assertAbs('pqmf_analysis', g.pqmfAnalysis(r('wav')), r('multiband.pqmf_analysis'));
    }
  });
}

test('Coqui MelganMultiscaleDiscriminator: scores and every feature map match', () => {
  const d = load(
    'melgan_disc',
    new MelganMultiscaleDiscriminator({ baseChannels: 4, maxChannels: 16, downsampleFactors: [4, 4] }),
  );
  const out = torch.noGrad(() => d.forward(r('wav')));
  out.scores.forEach((s, i) => {
    assertAbs(`score ${i}`, s, r(`melgan_disc.${i}.score`));
    out.feats[i].forEach((f, j) => {
      assertAbs(`feat ${i}.${j}`, f, r(`melgan_disc.${i}.feat.${j}`));
    });
    assert.equal(ref.has(`melgan_disc.${i}.feat.${out.feats[i].length}`), false);
  });
  assert.equal(ref.has(`melgan_disc.${out.scores.length}.score`), false);
});

function disc(which: string): { scores: Tensor[]; feats: Tensor[][] } {
  const scores: Tensor[] = [];
  const feats: Tensor[][] = [];
  for (let i = 0; ref.has(`${which}.${i}.score`); i++) {
    scores.push(r(`${which}.${i}.score`));
    const f: Tensor[] = [];
    for (let j = 0; ref.has(`${which}.${i}.feat.${j}`); j++) f.push(r(`${which}.${i}.feat.${j}`));
    feats.push(f);
  }
  return { scores, feats };
}

function assertItems(name: string, got: Record<string, Tensor>, want: Record<string, number>): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${name}: item names`);
  for (const [k, v] of Object.entries(want)) {
    const g = got[k].item();
    assert.ok(Math.abs(g - v) <= 1e-5 * Math.abs(v), `${name}.${k}: ${g} vs ${v}`);
  }
}

test('Coqui GeneratorLoss (STFT + sub-band STFT + MSE + feature matching) and MSE / hinge DiscriminatorLoss', () => {
  const c = losses.generator_config;
  const real = disc('melgan_disc');
  const fake = disc('melgan_disc_fake');
  const g = new GeneratorLoss({
    useStftLoss: c.use_stft_loss,
    useSubbandStftLoss: c.use_subband_stft_loss,
    useMseGanLoss: c.use_mse_gan_loss,
    useHingeGanLoss: c.use_hinge_gan_loss,
    useFeatMatchLoss: c.use_feat_match_loss,
    useL1SpecLoss: c.use_l1_spec_loss,
    stftLossWeight: c.stft_loss_weight,
    subbandStftLossWeight: c.subband_stft_loss_weight,
    mseGLossWeight: c.mse_G_loss_weight,
    featMatchLossWeight: c.feat_match_loss_weight,
    l1SpecLossWeight: c.l1_spec_loss_weight,
    stftLossParams: c.stft_loss_params,
    subbandStftLossParams: c.subband_stft_loss_params,
    l1SpecLossParams: {},
    audio: { sampleRate: 22050 },
  }).forward({
    yHat: r('loss.y_hat'),
    y: r('wav'),
    scoresFake: fake.scores,
    featsFake: fake.feats,
    featsReal: real.feats,
    yHatSub: r('loss.y_hat_sub'),
    ySub: r('loss.y_sub'),
  });
  assertItems('GeneratorLoss', g, losses.GeneratorLoss);
  const mse = new DiscriminatorLoss({ useMseGanLoss: true, useHingeGanLoss: false }).forward(
    fake.scores,
    real.scores,
  );
  assertItems('DiscriminatorLoss (MSE)', mse, losses.DiscriminatorLoss_mse);
  const hinge = new DiscriminatorLoss({ useMseGanLoss: false, useHingeGanLoss: true }).forward(
    fake.scores,
    real.scores,
  );
  assertItems('DiscriminatorLoss (hinge)', hinge, losses.DiscriminatorLoss_hinge);
});
