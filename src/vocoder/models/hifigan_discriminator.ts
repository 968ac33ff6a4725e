/**
 * HiFiGAN discriminator (Kong et al. 2020), Coqui's `HifiganDiscriminator`: a multi-period discriminator (MPD:
 * the waveform folded into `[T / p, p]` for p = 2, 3, 5, 7, 11, then 2-d convs along time) and a multi-scale
 * discriminator (MSD: grouped 1-d convs on the waveform and on two average-pooled copies; scale 0 uses spectral
 * norm, the others weight norm). State-dict names are Coqui's (`mpd.discriminators.i.convs.j`, `conv_post`,
 * `msd.discriminators.i...`).
 *
 * Coqui hard-codes the channel counts (~70M parameters); they are the defaults here and `widths` (config
 * `discriminator_model_params`, or `hifiganWidthsFromStateDict` for a checkpoint) overrides them. Kernel sizes,
 * strides, paddings, groups and periods are always Coqui's.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Conv1d, Conv2d, Module, ModuleList, weightNorm } from '../../torch/nn/index.ts';
import { spectralNorm } from '../../torch/nn/spectral_norm.ts';
import { LRELU_SLOPE } from '../layers/hifigan.ts';

/** Scores and feature maps of a (multi-)discriminator, one entry per sub-discriminator. */
export interface DiscriminatorOutput {
  /** Each sub-discriminator's last feature map flattened: `[B, N]`. */
  scores: Tensor[];
  /** Each sub-discriminator's feature maps (after each conv's activation, the last one before any). */
  feats: Tensor[][];
}

/** A discriminator of waveforms `[B, 1, T]`. */
export interface WaveformDiscriminator extends Module {
  forward(x: Tensor): DiscriminatorOutput;
}

/** Channel counts of the HiFiGAN discriminator's convs (Coqui's by default). */
export interface HifiganDiscriminatorWidths {
  /** Output channels of the 5 convs of each period discriminator. */
  periodChannels: readonly number[];
  /** Output channels of the 7 convs of each scale discriminator. */
  scaleChannels: readonly number[];
}

export const HIFIGAN_PERIODS = [2, 3, 5, 7, 11] as const;
export const COQUI_HIFIGAN_WIDTHS: HifiganDiscriminatorWidths = {
  periodChannels: [32, 128, 512, 1024, 1024],
  scaleChannels: [128, 128, 256, 512, 1024, 1024, 1024],
};
/** Kernel, stride and groups of the scale discriminator's convs (Coqui's, fixed). */
const SCALE_LAYERS = [
  { k: 15, s: 1, g: 1 },
  { k: 41, s: 2, g: 4 },
  { k: 41, s: 2, g: 16 },
  { k: 41, s: 4, g: 16 },
  { k: 41, s: 4, g: 16 },
  { k: 41, s: 1, g: 16 },
  { k: 5, s: 1, g: 1 },
] as const;

type Norm = <M extends Module>(m: M) => M;
const wn: Norm = (m) => weightNorm(m);
const sn: Norm = (m) => spectralNorm(m);

/** Runs convs with leaky ReLU, then conv_post; returns the score and every feature map. */
function runStack(
  x: Tensor,
  convs: Iterable<{ forward(x: Tensor): Tensor }>,
  post: { forward(x: Tensor): Tensor },
) {
  const feat: Tensor[] = [];
  let o = x;
  for (const c of convs) {
    o = torch.F.leakyRelu(c.forward(o), LRELU_SLOPE);
    feat.push(o);
  }
  o = post.forward(o);
  feat.push(o);
  return { score: o.flatten(1, -1), feat };
}

/** Period discriminator: x `[B, 1, T]` -> score `[B, N]`, feats `[B, C, T / p, p]`. */
export class DiscriminatorP extends Module {
  readonly convs: ModuleList<Conv2d>;
  readonly convPost: Conv2d;

  constructor(
    readonly period: number,
    channels: readonly number[] = COQUI_HIFIGAN_WIDTHS.periodChannels,
    kernelSize = 5,
    stride = 3,
  ) {
    super();
    const ins = [1, ...channels];
    this.convs = this.registerModule(
      'convs',
      new ModuleList(
        channels.map((c, i) =>
          wn(
            new Conv2d(ins[i], c, [kernelSize, 1], {
              stride: [i < channels.length - 1 ? stride : 1, 1],
              padding: [2, 0],
            }),
          ),
        ),
      ),
    );
    this.convPost = this.registerModule(
      'conv_post',
      wn(new Conv2d(channels[channels.length - 1], 1, [3, 1], { padding: [1, 0] })),
    );
  }

  forward(x: Tensor): { score: Tensor; feat: Tensor[] } {
    return torch.tidy(() => {
      const [b, c, t] = x.shape;
      let o = x;
      let len = t;
      if (t % this.period !== 0) {
        const nPad = this.period - (t % this.period);
        o = torch.F.pad(o, [0, nPad], 'reflect');
        len += nPad;
      }
      o = o.view([b, c, len / this.period, this.period]);
      return runStack(o, this.convs, this.convPost);
    });
  }
}

/** Scale discriminator: x `[B, 1, T]` -> score `[B, N]`, feats `[B, C, T']`. */
export class DiscriminatorS extends Module {
  readonly convs: ModuleList<Conv1d>;
  readonly convPost: Conv1d;

  constructor(useSpectralNorm = false, channels: readonly number[] = COQUI_HIFIGAN_WIDTHS.scaleChannels) {
    super();
    const norm = useSpectralNorm ? sn : wn;
    const ins = [1, ...channels];
    this.convs = this.registerModule(
      'convs',
      new ModuleList(
        SCALE_LAYERS.map((l, i) =>
          norm(
            new Conv1d(ins[i], channels[i], l.k, {
              stride: l.s,
              groups: l.g,
              padding: Math.floor((l.k - 1) / 2),
            }),
          ),
        ),
      ),
    );
    this.convPost = this.registerModule('conv_post', norm(new Conv1d(channels[6], 1, 3, { padding: 1 })));
  }

  forward(x: Tensor): { score: Tensor; feat: Tensor[] } {
    return torch.tidy(() => runStack(x, this.convs, this.convPost));
  }
}

/** MPD: one period discriminator per period, all on the same waveform. */
export class MultiPeriodDiscriminator extends Module {
  readonly discriminators: ModuleList<DiscriminatorP>;

  constructor(channels?: readonly number[]) {
    super();
    this.discriminators = this.registerModule(
      'discriminators',
      new ModuleList(HIFIGAN_PERIODS.map((p) => new DiscriminatorP(p, channels))),
    );
  }

  forward(x: Tensor): DiscriminatorOutput {
    return torch.tidy(() => collectOutputs(this.discriminators.map((d) => d.forward(x))));
  }
}

/** MSD: scale discriminators on x, avgpool(x), avgpool(avgpool(x)) (AvgPool1d(4, 2, padding 2), pads counted). */
export class MultiScaleDiscriminator extends Module {
  readonly discriminators: ModuleList<DiscriminatorS>;

  constructor(channels?: readonly number[]) {
    super();
    this.discriminators = this.registerModule(
      'discriminators',
      new ModuleList([
        new DiscriminatorS(true, channels),
        new DiscriminatorS(false, channels),
        new DiscriminatorS(false, channels),
      ]),
    );
  }

  /** The input of scale `i`: x average-pooled i times. */
  static pool(x: Tensor): Tensor {
    return torch.F.avgPool1d(x, 4, 2, 2);
  }

  forward(x: Tensor): DiscriminatorOutput {
    return torch.tidy(() => {
      let o = x;
      const outs = this.discriminators.map((d, i) => {
        if (i > 0) o = MultiScaleDiscriminator.pool(o);
        return d.forward(o);
      });
      return collectOutputs(outs);
    });
  }
}

function collectOutputs(outs: { score: Tensor; feat: Tensor[] }[]): DiscriminatorOutput {
  return { scores: outs.map((o) => o.score), feats: outs.map((o) => o.feat) };
}

/** MPD + MSD: 8 sub-discriminators (periods 2, 3, 5, 7, 11, then scales 0, 1, 2). x `[B, 1, T]`. */
export class HifiganDiscriminator extends Module implements WaveformDiscriminator {
  readonly mpd: MultiPeriodDiscriminator;
  readonly msd: MultiScaleDiscriminator;

  constructor(readonly widths: HifiganDiscriminatorWidths = COQUI_HIFIGAN_WIDTHS) {
    super();
    this.mpd = this.registerModule('mpd', new MultiPeriodDiscriminator(widths.periodChannels));
    this.msd = this.registerModule('msd', new MultiScaleDiscriminator(widths.scaleChannels));
  }

  forward(x: Tensor): DiscriminatorOutput {
    return torch.tidy(() => {
      const p = this.mpd.forward(x);
      const s = this.msd.forward(x);
      return { scores: [...p.scores, ...s.scores], feats: [...p.feats, ...s.feats] };
    });
  }
}

/**
 * The widths of a HiFiGAN discriminator checkpoint, read off its weight shapes (`[C_out, C_in / g, K(, 1)]`;
 * any of Coqui's key layouts: `weight`, `weight_v`, `parametrizations.weight.original1`, `weight_orig`).
 * `prefix` is the discriminator's key prefix (`model_d.` in a GAN state dict).
 */
export function hifiganWidthsFromStateDict(
  sd: Map<string, Tensor>,
  prefix = 'model_d.',
): HifiganDiscriminatorWidths {
  const outChannels = (module: string): number => {
    const key = (suffix: string) => `${prefix}${module}.${suffix}`;
    // weight_v is a weight-norm direction only beside weight_g (with spectral norm it is the power-iteration v)
    const suffixes = ['weight_orig', 'parametrizations.weight.original1', 'weight'];
    if (sd.has(key('weight_g'))) suffixes.push('weight_v');
    for (const suffix of suffixes) {
      const t = sd.get(key(suffix));
      if (t) return t.shape[0];
    }
    throw new Error(`HiFiGAN discriminator checkpoint: no weight for ${prefix}${module}`);
  };
  return {
    periodChannels: [0, 1, 2, 3, 4].map((j) => outChannels(`mpd.discriminators.0.convs.${j}`)),
    scaleChannels: [0, 1, 2, 3, 4, 5, 6].map((j) => outChannels(`msd.discriminators.0.convs.${j}`)),
  };
}
