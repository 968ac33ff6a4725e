/**
 * MelGAN discriminators (Kumar et al. 2019), Coqui's `MelganDiscriminator` (strided grouped convs on the
 * waveform) and `MelganMultiscaleDiscriminator` (the same on the waveform and on average-pooled copies).
 * State-dict names are Coqui's (`discriminators.i.layers.j.1`, ...). Every conv has weight norm.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Conv1d, LeakyReLU, Module, ModuleList, Sequential, weightNorm } from '../../torch/nn/index.ts';
import { ReflectionPad1d } from '../layers/melgan.ts';
import type { DiscriminatorOutput, WaveformDiscriminator } from './hifigan_discriminator.ts';

/** Coqui's `MelganDiscriminator` / `MelganMultiscaleDiscriminator` arguments. */
export interface MelganDiscriminatorArgs {
  inChannels?: number;
  outChannels?: number;
  /** Kernels of the last two convs; their product is the first conv's kernel (default [5, 3]). */
  kernelSizes?: readonly [number, number];
  /** Channels of the first conv (default 16). */
  baseChannels?: number;
  /** Channel cap of the downsampling convs (default 1024). */
  maxChannels?: number;
  /** Stride of each downsampling conv (default [4, 4, 4, 4]). */
  downsampleFactors?: readonly number[];
  /** A downsampling conv has C_in / groupsDenominator groups (default 4). */
  groupsDenominator?: number;
}

/** x `[B, 1, T]` -> score `[B, 1, T']` and the output of every layer (its last entry is the score). */
export class MelganDiscriminator extends Module {
  readonly layers: ModuleList;

  constructor(args: MelganDiscriminatorArgs = {}) {
    super();
    const [k0, k1] = args.kernelSizes ?? [5, 3];
    const base = args.baseChannels ?? 16;
    const maxC = args.maxChannels ?? 1024;
    const lrelu = () => new LeakyReLU(0.2);
    const first = k0 * k1;
    const layers: Module[] = [
      new Sequential(
        new ReflectionPad1d((first - 1) / 2),
        weightNorm(new Conv1d(args.inChannels ?? 1, base, first)),
        lrelu(),
      ),
    ];
    let cIn = base;
    let cOut = base;
    for (const d of args.downsampleFactors ?? [4, 4, 4, 4]) {
      cOut = Math.min(cIn * d, maxC);
      const k = d * 10 + 1;
      layers.push(
        new Sequential(
          weightNorm(
            new Conv1d(cIn, cOut, k, {
              stride: d,
              padding: (k - 1) / 2,
              groups: Math.floor(cIn / (args.groupsDenominator ?? 4)),
            }),
          ),
          lrelu(),
        ),
      );
      cIn = cOut;
    }
    layers.push(
      new Sequential(weightNorm(new Conv1d(cOut, cOut, k0, { padding: (k0 - 1) / 2 })), lrelu()),
      weightNorm(new Conv1d(cOut, args.outChannels ?? 1, k1, { padding: (k1 - 1) / 2 })),
    );
    this.layers = this.registerModule('layers', new ModuleList(layers));
  }

  forward(x: Tensor): { score: Tensor; feat: Tensor[] } {
    return torch.tidy(() => {
      const feat: Tensor[] = [];
      let o = x;
      for (const l of this.layers) {
        o = (l as Sequential).forward(o);
        feat.push(o);
      }
      return { score: o, feat };
    });
  }
}

/** `MelganMultiscaleDiscriminator` arguments (Coqui's; downsampleFactors default [4, 4, 4]). */
export interface MelganMultiscaleDiscriminatorArgs extends MelganDiscriminatorArgs {
  numScales?: number;
  poolingKernelSize?: number;
  poolingStride?: number;
  poolingPadding?: number;
}

/**
 * `numScales` MelGAN discriminators on x, pool(x), pool(pool(x)), ... with AvgPool1d(4, 2, padding 2) that does
 * not count the padding. Scores are `[B, 1, T_i]` (not flattened, as Coqui).
 */
export class MelganMultiscaleDiscriminator extends Module implements WaveformDiscriminator {
  readonly discriminators: ModuleList<MelganDiscriminator>;

  readonly pooling: { kernel: number; stride: number; padding: number };

  constructor(args: MelganMultiscaleDiscriminatorArgs = {}) {
    super();
    this.pooling = {
      kernel: args.poolingKernelSize ?? 4,
      stride: args.poolingStride ?? 2,
      padding: args.poolingPadding ?? 2,
    };
    const d = { downsampleFactors: [4, 4, 4], ...args };
    this.discriminators = this.registerModule(
      'discriminators',
      new ModuleList(Array.from({ length: args.numScales ?? 3 }, () => new MelganDiscriminator(d))),
    );
  }

  forward(x: Tensor): DiscriminatorOutput {
    return torch.tidy(() => {
      const scores: Tensor[] = [];
      const feats: Tensor[][] = [];
      let o = x;
      for (const disc of this.discriminators) {
        const r = disc.forward(o);
        scores.push(r.score);
        feats.push(r.feat);
        o = torch.aten.avg_pool1d(
          o,
          this.pooling.kernel,
          this.pooling.stride,
          this.pooling.padding,
          false,
          false,
        );
      }
      return { scores, feats };
    });
  }
}
