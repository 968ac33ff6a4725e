/**
 * MelGAN generator (Kumar et al. 2019), Coqui's `MelganGenerator`, and its two variants from Multi-band MelGAN
 * (Yang et al. 2020): `MultibandMelganGenerator` (predicts 4 PQMF sub-bands at a quarter of the rate and
 * merges them at inference) and `FullbandMelganGenerator` (the full-band waveform directly).
 *
 *     mel -> reflect pad -> conv(proj_kernel) -> [lrelu(0.2) -> transposed conv ×u_i -> ResidualStack] x N
 *         -> lrelu(0.2) -> reflect pad -> conv(proj_kernel) -> tanh
 *
 * The network is one `Sequential` named `layers` so state-dict names are Coqui's (`layers.1`, `layers.3`,
 * `layers.4.blocks.0.2`, ...; parameter-free layers keep their index). Every conv has weight norm.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import {
  Conv1d,
  ConvTranspose1d,
  LeakyReLU,
  Module,
  Sequential,
  Tanh,
  type UnaryModule,
  weightNorm,
} from '../../torch/nn/index.ts';
import { ReflectionPad1d, ResidualStack, removeAllWeightNorms } from '../layers/melgan.ts';
import { PQMF } from '../layers/pqmf.ts';

/** The generator's hyper-parameters (Coqui's `MelganGenerator` arguments). */
export interface MelganGeneratorArgs {
  /** Mel channels of the input (default 80). */
  inChannels?: number;
  /** Output channels: 1 waveform, or the number of sub-bands (default 1). */
  outChannels?: number;
  /** Kernel of the first and last conv, odd (default 7). */
  projKernel?: number;
  /** Channels after the first conv; halved by every upsampling layer (default 512). */
  baseChannels?: number;
  /** Stride of each transposed conv; their product times outChannels is the hop length (default [8, 8, 2, 2]). */
  upsampleFactors?: readonly number[];
  /** Kernel of the residual stacks (default 3). */
  resKernel?: number;
  /** Residual blocks per stack (default 3). */
  numResBlocks?: number;
}

export class MelganGenerator extends Module {
  readonly inferencePadding = 2;
  readonly layers: Sequential;
  readonly upsampleFactors: readonly number[];

  constructor(args: MelganGeneratorArgs = {}) {
    super();
    const projKernel = args.projKernel ?? 7;
    if ((projKernel - 1) % 2 !== 0)
      throw new Error(`MelganGenerator: projKernel must be odd, got ${projKernel}`);
    const base = args.baseChannels ?? 512;
    const factors = args.upsampleFactors ?? [8, 8, 2, 2];
    this.upsampleFactors = factors;
    const basePadding = (projKernel - 1) / 2;
    const layers: UnaryModule[] = [
      new ReflectionPad1d(basePadding),
      weightNorm(new Conv1d(args.inChannels ?? 80, base, projKernel)),
    ];
    let channels = base;
    factors.forEach((u, i) => {
      const cIn = Math.floor(base / 2 ** i);
      channels = Math.floor(base / 2 ** (i + 1));
      const outputPadding = u % 2;
      layers.push(
        new LeakyReLU(0.2),
        weightNorm(
          new ConvTranspose1d(cIn, channels, u * 2, {
            stride: u,
            padding: Math.floor(u / 2) + outputPadding,
            outputPadding,
          }),
        ),
        new ResidualStack(channels, args.numResBlocks ?? 3, args.resKernel ?? 3),
      );
    });
    layers.push(
      new LeakyReLU(0.2),
      new ReflectionPad1d(basePadding),
      weightNorm(new Conv1d(channels, args.outChannels ?? 1, projKernel)),
      new Tanh(),
    );
    this.layers = this.registerModule('layers', new Sequential(...layers));
  }

  /** Mel `[B, C_mel, T]` -> `[B, outChannels, T * prod(upsampleFactors)]`. */
  forward(c: Tensor): Tensor {
    return this.layers.forward(c);
  }

  /** The mel replicate-padded by `inferencePadding` frames on each side (Coqui's inference input). */
  protected padForInference(c: Tensor): Tensor {
    return torch.F.pad(c, [this.inferencePadding, this.inferencePadding], 'replicate');
  }

  /** Mel `[B, C_mel, T]` -> `[B, outChannels, (T + 4) * prod(upsampleFactors)]` (no cropping, as Coqui). */
  inference(c: Tensor): Tensor {
    return torch.noGrad(() => torch.tidy(() => this.forward(this.padForInference(c))));
  }

  /** Folds every weight norm into plain weights. */
  removeWeightNorm(): void {
    removeAllWeightNorms(this);
  }
}

/** Multi-band MelGAN: 4 sub-bands (384 base channels by default), PQMF synthesis at inference. */
export class MultibandMelganGenerator extends MelganGenerator {
  readonly pqmfLayer: PQMF;

  constructor(args: MelganGeneratorArgs = {}) {
    super({ outChannels: 4, baseChannels: 384, upsampleFactors: [2, 8, 2, 2], ...args });
    this.pqmfLayer = this.registerModule('pqmf_layer', new PQMF({ N: 4, taps: 62, cutoff: 0.15, beta: 9.0 }));
  }

  /** Waveform `[B, 1, T]` -> sub-bands `[B, 4, T / 4]`. */
  pqmfAnalysis(x: Tensor): Tensor {
    return this.pqmfLayer.analysis(x);
  }

  /** Sub-bands `[B, 4, T']` -> waveform `[B, 1, 4 T']`. */
  pqmfSynthesis(x: Tensor): Tensor {
    return this.pqmfLayer.synthesis(x);
  }

  /** Mel `[B, C_mel, T]` -> waveform `[B, 1, (T + 4) * hop]`. */
  override inference(c: Tensor): Tensor {
    return torch.noGrad(() => torch.tidy(() => this.pqmfSynthesis(this.forward(this.padForInference(c)))));
  }
}

/** Full-band MelGAN: the MelGAN generator with Multi-band MelGAN's defaults (4 residual blocks per stack). */
export class FullbandMelganGenerator extends MelganGenerator {
  constructor(args: MelganGeneratorArgs = {}) {
    super({ upsampleFactors: [2, 8, 2, 2], numResBlocks: 4, ...args });
  }
}
