/**
 * The VITS discriminator (Coqui's `TTS.tts.layers.vits.discriminator.VitsDiscriminator`): VITS's own scale
 * discriminator (`DiscriminatorS`, on the raw waveform only) followed by one HiFiGAN period discriminator per
 * period (`DiscriminatorP` from src/vocoder). Called as `disc(fake, real)`, it returns the fake results first.
 * State-dict names are Coqui's: `nets.0` the scale discriminator, `nets.1..` the period ones.
 *
 * Coqui hard-codes the channel counts (~47M parameters); they are the defaults (`VitsArgs`
 * `scaleDiscriminatorChannels` / `periodDiscriminatorChannels`) and `vitsDiscriminatorWidthsFromStateDict`
 * reads them off a checkpoint. Kernels, strides, paddings and periods are always Coqui's; a conv's groups are
 * Coqui's clamped to min(groups, C_in, C_out), which is Coqui's own value at Coqui's widths.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList, weightNorm } from '../../../torch/nn/index.ts';
import { LRELU_SLOPE } from '../../../vocoder/layers/hifigan.ts';
import { DiscriminatorP } from '../../../vocoder/models/hifigan_discriminator.ts';
import type { VitsConfig } from '../../configs/vits_config.ts';

/** Output channels of the discriminator convs. */
export interface VitsDiscriminatorWidths {
  /** The 6 convs of the scale discriminator (Coqui: 16, 64, 256, 1024, 1024, 1024). */
  scaleChannels: readonly number[];
  /** The 5 convs of each period discriminator (Coqui: 32, 128, 512, 1024, 1024). */
  periodChannels: readonly number[];
}

/** Kernel, stride and (Coqui-width) groups of the scale discriminator's convs; padding (k - 1) / 2. */
const SCALE_LAYERS = [
  { k: 15, s: 1, g: 1 },
  { k: 41, s: 4, g: 4 },
  { k: 41, s: 4, g: 16 },
  { k: 41, s: 4, g: 64 },
  { k: 41, s: 4, g: 256 },
  { k: 5, s: 1, g: 1 },
] as const;

/** VITS scale discriminator: x `[B, 1, T]` -> score `[B, T / 256]`, feats `[B, C, T']` (7 maps). */
export class VitsDiscriminatorS extends Module {
  readonly convs: ModuleList<Conv1d>;
  readonly convPost: Conv1d;

  constructor(channels: readonly number[]) {
    super();
    if (channels.length !== SCALE_LAYERS.length) {
      throw new Error(
        `VITS scale discriminator: expected ${SCALE_LAYERS.length} widths, got ${channels.length}`,
      );
    }
    const ins = [1, ...channels];
    this.convs = this.registerModule(
      'convs',
      new ModuleList(
        SCALE_LAYERS.map((l, i) => {
          const groups = Math.min(l.g, ins[i], channels[i]);
          if (ins[i] % groups !== 0 || channels[i] % groups !== 0) {
            throw new Error(`VITS scale discriminator conv ${i}: ${ins[i]} -> ${channels[i]} channels`);
          }
          return weightNorm(
            new Conv1d(ins[i], channels[i], l.k, { stride: l.s, groups, padding: (l.k - 1) / 2 }),
          );
        }),
      ),
    );
    this.convPost = this.registerModule(
      'conv_post',
      weightNorm(new Conv1d(channels[channels.length - 1], 1, 3, { padding: 1 })),
    );
  }

  forward(x: Tensor): { score: Tensor; feat: Tensor[] } {
    return torch.tidy(() => {
      const feat: Tensor[] = [];
      let o = x;
      for (const c of this.convs) {
        o = torch.F.leakyRelu(c.forward(o), LRELU_SLOPE);
        feat.push(o);
      }
      o = this.convPost.forward(o);
      feat.push(o);
      return { score: o.flatten(1, -1), feat };
    });
  }
}

/** Scores `[B, N]` and feature maps per sub-discriminator, of the generated and of the real waveform. */
export interface VitsDiscriminatorOutput {
  fakeScores: Tensor[];
  fakeFeats: Tensor[][];
  realScores: Tensor[];
  realFeats: Tensor[][];
}

/** One scale discriminator and one period discriminator per period. */
export class VitsDiscriminator extends Module {
  readonly nets: ModuleList<VitsDiscriminatorS | DiscriminatorP>;

  constructor(periods: readonly number[], widths: VitsDiscriminatorWidths) {
    super();
    this.nets = this.registerModule(
      'nets',
      new ModuleList<VitsDiscriminatorS | DiscriminatorP>([
        new VitsDiscriminatorS(widths.scaleChannels),
        ...periods.map((p) => new DiscriminatorP(p, widths.periodChannels)),
      ]),
    );
  }

  /** fake, real: waveforms `[B, 1, T]`; every sub-discriminator scores both. */
  forward(fake: Tensor, real: Tensor): VitsDiscriminatorOutput {
    return torch.tidy(() => {
      const out: VitsDiscriminatorOutput = { fakeScores: [], fakeFeats: [], realScores: [], realFeats: [] };
      for (const net of this.nets) {
        const f = net.forward(fake);
        const r = net.forward(real);
        out.fakeScores.push(f.score);
        out.fakeFeats.push(f.feat);
        out.realScores.push(r.score);
        out.realFeats.push(r.feat);
      }
      return out;
    });
  }
}

/**
 * The discriminator widths of a VITS state dict (`disc.nets.0` scale, `disc.nets.1` first period), read off
 * the conv weights `[C_out, C_in / g, K(, 1)]` in any of the weight-norm key layouts; null without `disc.` keys.
 */
export function vitsDiscriminatorWidthsFromStateDict(
  sd: ReadonlyMap<string, Tensor>,
  prefix = 'disc.',
): VitsDiscriminatorWidths | null {
  if (![...sd.keys()].some((k) => k.startsWith(prefix))) return null;
  const outChannels = (module: string): number => {
    for (const suffix of ['parametrizations.weight.original1', 'weight_v', 'weight_orig', 'weight']) {
      const t = sd.get(`${prefix}${module}.${suffix}`);
      if (t) return t.shape[0];
    }
    throw new Error(`VITS discriminator checkpoint: no weight for ${prefix}${module}`);
  };
  return {
    scaleChannels: SCALE_LAYERS.map((_, j) => outChannels(`nets.0.convs.${j}`)),
    periodChannels: [0, 1, 2, 3, 4].map((j) => outChannels(`nets.1.convs.${j}`)),
  };
}

/**
 * `config` with the discriminator widths of a checkpoint's `disc.*` weights (Coqui hard-codes its widths; a
 * narrower checkpoint, such as the parity fixture's, says its own); unchanged without `disc.*` weights.
 */
export function withDiscriminatorWidthsOf(
  config: VitsConfig,
  weights: ReadonlyMap<string, Tensor>,
): VitsConfig {
  const widths = vitsDiscriminatorWidthsFromStateDict(weights);
  if (widths === null) return config;
  return {
    ...config,
    modelArgs: {
      ...config.modelArgs,
      scaleDiscriminatorChannels: [...widths.scaleChannels],
      periodDiscriminatorChannels: [...widths.periodChannels],
    },
  };
}
