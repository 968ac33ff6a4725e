// Parity with Coqui TTS 0.22's HiFiGAN (generator, discriminator, losses) on the reference fixtures (section
// hifigan/ of the shared parity README). Every shape is read from the fixtures. Tolerances (README, from the
// fixtures' float32-vs-float64 deviations): waveforms 1e-5 absolute, discriminator scores and feature maps 1e-4
// absolute, loss items 1e-5 relative.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import {
  DiscriminatorLoss,
  type GANLossConfig,
  GeneratorLoss,
  type TorchSTFT,
} from '../../src/vocoder/layers/losses.ts';
import {
  HifiganDiscriminator,
  hifiganWidthsFromStateDict,
} from '../../src/vocoder/models/hifigan_discriminator.ts';
import { HifiganGenerator } from '../../src/vocoder/models/hifigan_generator.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const dir = join(parityDir, 'hifigan');
const skip = !existsSync(join(dir, 'weights.safetensors')) && 'HiFiGAN parity fixtures not found';

/** The entries of `sd` under `prefix`, with the prefix removed. */
export function subDict(sd: Map<string, Tensor>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of sd) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => a.sub(b).abs().max().item());
}

function assertAbs(name: string, a: Tensor, b: Tensor, atol: number): void {
  const d = maxAbsDiff(a, b);
  assert.ok(d <= atol, `${name}: max abs diff ${d} > ${atol}`);
}

function config(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

function buildGenerator(weights: Map<string, Tensor>): HifiganGenerator {
  const c = config();
  const p = c.generator_model_params as Record<string, unknown>;
  const g = new HifiganGenerator({
    inChannels: (c.audio as { num_mels: number }).num_mels,
    outChannels: 1,
    resblockType: p.resblock_type as '1' | '2',
    resblockDilationSizes: p.resblock_dilation_sizes as number[][],
    resblockKernelSizes: p.resblock_kernel_sizes as number[],
    upsampleKernelSizes: p.upsample_kernel_sizes as number[],
    upsampleInitialChannel: p.upsample_initial_channel as number,
    upsampleFactors: p.upsample_factors as number[],
  });
  g.loadStateDict(subDict(weights, 'model_g.'), { strict: true });
  return g;
}

test('HiFiGAN generator: forward, intermediates and inference match Coqui (1e-5 abs)', { skip }, () => {
  const weights = loadTensors(join(dir, 'weights.safetensors')).tensors;
  const ref = loadTensors(join(dir, 'generator.safetensors')).tensors;
  const g = buildGenerator(weights);
  g.eval();
  const x = ref.get('x') as Tensor;
  const taps = new Map<string, Tensor>();
  const out = torch.noGrad(() =>
    g.forward(x, undefined, (name, t) => {
      taps.set(name, torch.keep(t.narrow(0, 0, 1).clone()));
    }),
  );
  assertAbs('forward', out, ref.get('forward') as Tensor, 1e-5);
  for (const [k, t] of ref) {
    if (!k.startsWith('intermediate.g.')) continue;
    const mine = taps.get(k.slice('intermediate.g.'.length));
    assert.ok(mine, `no tap for ${k}`);
    assertAbs(k, mine, t, 1e-5);
  }
  const inf = g.inference(x);
  assertAbs('inference', inf, ref.get('inference') as Tensor, 1e-5);
  // weight norm folded: the same numbers (Coqui: bit-identical)
  g.removeWeightNorm();
  assert.ok(![...g.stateDict().keys()].some((k) => k.endsWith('_g')));
  assertAbs('inference after removeWeightNorm', g.inference(x), ref.get('inference') as Tensor, 1e-5);
});

test('HiFiGAN discriminator: widths from the checkpoint, scores, features and MSD pools match Coqui', {
  skip,
}, () => {
  const weights = loadTensors(join(dir, 'weights.safetensors')).tensors;
  const ref = loadTensors(join(dir, 'discriminator.safetensors')).tensors;
  const layers = JSON.parse(readFileSync(join(dir, 'discriminator_layers.json'), 'utf8')).layers as {
    module: string;
    out_channels: number;
  }[];
  const widths = hifiganWidthsFromStateDict(weights);
  const d = new HifiganDiscriminator(widths);
  for (const l of layers) {
    const m = d.getSubmodule(l.module.slice('model_d.'.length)) as unknown as { outChannels: number };
    assert.equal(m.outChannels, l.out_channels, l.module);
  }
  d.loadStateDict(subDict(weights, 'model_d.'), { strict: true });
  d.eval();
  for (const which of ['real', 'fake'] as const) {
    const y = ref.get(`y_${which}`) as Tensor;
    const out = torch.noGrad(() => d.forward(y));
    out.scores.forEach((s, i) => {
      assertAbs(`d_${which}.${i}.score`, s, ref.get(`d_${which}.${i}.score`) as Tensor, 1e-4);
      out.feats[i].forEach((f, j) => {
        assertAbs(`d_${which}.${i}.feat.${j}`, f, ref.get(`d_${which}.${i}.feat.${j}`) as Tensor, 1e-4);
      });
      assert.equal(ref.has(`d_${which}.${i}.feat.${out.feats[i].length}`), false);
    });
    assert.equal(ref.has(`d_${which}.${out.scores.length}.score`), false);
  }
  let pooled = ref.get('y_real') as Tensor;
  for (let i = 1; ref.has(`msd_pool.${i}.real`); i++) {
    pooled = torch.F.avgPool1d(pooled, 4, 2, 2);
    assertAbs(`msd_pool.${i}`, pooled, ref.get(`msd_pool.${i}.real`) as Tensor, 1e-6);
  }
});

/** The loss fields of the fixture's config.json (snake_case) as the loss wrappers read them. */
function lossConfig(): GANLossConfig {
  const c = config();
  return {
    useStftLoss: c.use_stft_loss as boolean,
    useSubbandStftLoss: c.use_subband_stft_loss as boolean,
    useMseGanLoss: c.use_mse_gan_loss as boolean,
    useHingeGanLoss: c.use_hinge_gan_loss as boolean,
    useFeatMatchLoss: c.use_feat_match_loss as boolean,
    useL1SpecLoss: c.use_l1_spec_loss as boolean,
    stftLossWeight: c.stft_loss_weight as number,
    subbandStftLossWeight: c.subband_stft_loss_weight as number,
    mseGLossWeight: c.mse_G_loss_weight as number,
    featMatchLossWeight: c.feat_match_loss_weight as number,
    l1SpecLossWeight: c.l1_spec_loss_weight as number,
    stftLossParams: c.stft_loss_params as Record<string, unknown>,
    l1SpecLossParams: c.l1_spec_loss_params as Record<string, unknown>,
    audio: { sampleRate: (c.audio as { sample_rate: number }).sample_rate },
  };
}

function assertItems(
  name: string,
  got: Record<string, Tensor>,
  want: Record<string, number>,
  rtol: number,
): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${name}: item names`);
  for (const [k, v] of Object.entries(want)) {
    const g = got[k].item();
    assert.ok(Math.abs(g - v) <= rtol * Math.abs(v), `${name}.${k}: ${g} vs ${v}`);
  }
}

test('GeneratorLoss / DiscriminatorLoss items and the L1 mel intermediates match Coqui (1e-5 rel)', {
  skip,
}, () => {
  const ref = loadTensors(join(dir, 'discriminator.safetensors')).tensors;
  const inter = loadTensors(join(dir, 'losses.safetensors')).tensors;
  const want = JSON.parse(readFileSync(join(dir, 'losses.json'), 'utf8'));
  const r = (k: string) => ref.get(k) as Tensor;
  const outputs = (which: string) => {
    const scores: Tensor[] = [];
    const feats: Tensor[][] = [];
    for (let i = 0; ref.has(`d_${which}.${i}.score`); i++) {
      scores.push(r(`d_${which}.${i}.score`));
      const f: Tensor[] = [];
      for (let j = 0; ref.has(`d_${which}.${i}.feat.${j}`); j++) f.push(r(`d_${which}.${i}.feat.${j}`));
      feats.push(f);
    }
    return { scores, feats };
  };
  const real = outputs('real');
  const fake = outputs('fake');
  const cfg = lossConfig();
  const d = new DiscriminatorLoss(cfg).forward(fake.scores, real.scores);
  assertItems('DiscriminatorLoss', d, want.DiscriminatorLoss, 1e-5);
  const gl = new GeneratorLoss(cfg);
  const g = gl.forward({
    yHat: r('y_fake'),
    y: r('y_real'),
    scoresFake: fake.scores,
    featsFake: fake.feats,
    featsReal: real.feats,
  });
  assertItems('GeneratorLoss', g, want.GeneratorLoss, 1e-5);
  // the mel magnitudes behind G_l1_spec_loss (1e-4 relative to the tensor's max)
  const stft = gl.l1SpecLoss?.stft as TorchSTFT;
  for (const [k, y] of [
    ['l1_spec.mel_real', r('y_real')],
    ['l1_spec.mel_fake', r('y_fake')],
  ] as const) {
    const want = inter.get(k) as Tensor;
    const scale = want.abs().max().item();
    assertAbs(k, stft.forward(y), want, 1e-4 * scale);
  }
});
