/**
 * HiFiGAN generator (Kong et al. 2020, https://arxiv.org/abs/2010.05646), Coqui's `HifiganGenerator`:
 *
 *     mel -> conv_pre -> [lrelu -> ups_i (transposed conv) -> MRF_i (mean of the resblocks)] x N
 *         -> lrelu(0.01) -> conv_post -> tanh -> waveform
 *
 * Every conv has weight norm (`removeWeightNorm()` folds it for inference). State-dict names are Coqui's
 * (`conv_pre`, `ups.i`, `resblocks.j`, `conv_post`, optional `cond_layer`).
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import {
  Conv1d,
  ConvTranspose1d,
  Module,
  ModuleList,
  removeWeightNorm,
  weightNorm,
} from '../../torch/nn/index.ts';
import { type HifiganResBlock, LRELU_SLOPE, ResBlock1, ResBlock2 } from '../layers/hifigan.ts';

/** The generator's hyper-parameters (Coqui's `HifiganGenerator` arguments). */
export interface HifiganGeneratorArgs {
  /** Mel channels of the input. */
  inChannels: number;
  /** Waveform channels of the output (1). */
  outChannels: number;
  /** '1' (three dilated + three plain convs per block) or '2' (one dilated conv per dilation). */
  resblockType: '1' | '2';
  resblockDilationSizes: readonly (readonly number[])[];
  resblockKernelSizes: readonly number[];
  upsampleKernelSizes: readonly number[];
  /** Channels after conv_pre; halved by every upsampling layer. */
  upsampleInitialChannel: number;
  /** Stride of each transposed conv; their product is the hop length. */
  upsampleFactors: readonly number[];
  /** Frames replicated on both sides of the mel at inference (default 5). */
  inferencePadding?: number;
  /** Channels of a global conditioning input g (0: none). */
  condChannels?: number;
  /** Keep weight norm on conv_pre / conv_post (default true; VITS drops it). */
  convPreWeightNorm?: boolean;
  convPostWeightNorm?: boolean;
  /** conv_post has a bias (default true). */
  convPostBias?: boolean;
}

/** Optional observer of intermediate activations (parity tests). */
export type Tap = (name: string, t: Tensor) => void;

export class HifiganGenerator extends Module {
  readonly inferencePadding: number;
  readonly numKernels: number;
  readonly numUpsamples: number;
  readonly convPre: Conv1d;
  readonly ups: ModuleList<ConvTranspose1d>;
  readonly resblocks: ModuleList<HifiganResBlock>;
  readonly convPost: Conv1d;
  readonly condLayer: Conv1d | null;
  #weightNormed = true;

  constructor(readonly args: HifiganGeneratorArgs) {
    super();
    const a = args;
    this.inferencePadding = a.inferencePadding ?? 5;
    this.numKernels = a.resblockKernelSizes.length;
    this.numUpsamples = a.upsampleFactors.length;
    const c0 = a.upsampleInitialChannel;
    this.convPre = this.registerModule(
      'conv_pre',
      weightNorm(new Conv1d(a.inChannels, c0, 7, { padding: 3 })),
    );
    const channels = (i: number) => Math.floor(c0 / 2 ** i);
    this.ups = this.registerModule(
      'ups',
      new ModuleList(
        a.upsampleFactors.map((u, i) => {
          const k = a.upsampleKernelSizes[i];
          return weightNorm(
            new ConvTranspose1d(channels(i), channels(i + 1), k, {
              stride: u,
              padding: Math.floor((k - u) / 2),
            }),
          );
        }),
      ),
    );
    const blocks: HifiganResBlock[] = [];
    for (let i = 0; i < this.numUpsamples; i++) {
      a.resblockKernelSizes.forEach((k, j) => {
        const d = a.resblockDilationSizes[j];
        blocks.push(
          a.resblockType === '1'
            ? new ResBlock1(channels(i + 1), k, d)
            : new ResBlock2(channels(i + 1), k, d),
        );
      });
    }
    this.resblocks = this.registerModule('resblocks', new ModuleList(blocks));
    this.convPost = this.registerModule(
      'conv_post',
      weightNorm(
        new Conv1d(channels(this.numUpsamples), a.outChannels, 7, {
          padding: 3,
          bias: a.convPostBias ?? true,
        }),
      ),
    );
    const cond = a.condChannels ?? 0;
    this.condLayer = cond > 0 ? this.registerModule('cond_layer', new Conv1d(cond, c0, 1)) : null;
    if (a.convPreWeightNorm === false) removeWeightNorm(this.convPre);
    if (a.convPostWeightNorm === false) removeWeightNorm(this.convPost);
  }

  /** Product of the upsampling factors: output samples per input frame. */
  get hopLength(): number {
    return this.args.upsampleFactors.reduce((p, u) => p * u, 1);
  }

  /** x `[B, C_mel, T]` (g `[B, C_cond, 1]`) -> waveform `[B, 1, T * hop]` in (-1, 1). */
  forward(x: Tensor, g?: Tensor, tap?: Tap): Tensor {
    return torch.tidy(() => {
      let o = this.convPre.forward(x);
      tap?.('conv_pre.out', o);
      if (this.condLayer && g) o = o.add_(this.condLayer.forward(g));
      // every op below writes a fresh tensor in place where nothing else reads its input, and each stage
      // frees its input at once: the same values as Coqui's, with far fewer new (page-faulted) buffers
      for (let i = 0; i < this.numUpsamples; i++) {
        const prev = o;
        o = torch.tidy(() => this.#stage(i, torch.F.leakyRelu_(prev, LRELU_SLOPE), tap));
        prev.dispose();
      }
      o = torch.F.leakyRelu_(o); // Coqui: default slope 0.01 here
      tap?.('conv_post.in', o);
      o = this.convPost.forward(o);
      tap?.('conv_post.out', o);
      return o.tanh();
    });
  }

  /** Upsampling layer i and its multi-receptive-field fusion (mean of the resblocks): `[B, C_i, T]` -> `[B, C_i / 2, T u_i]`. */
  #stage(i: number, x: Tensor, tap?: Tap): Tensor {
    tap?.(`ups.${i}.in`, x);
    const o = this.ups.get(i).forward(x);
    tap?.(`ups.${i}.out`, o);
    let zSum: Tensor | null = null;
    for (let j = 0; j < this.numKernels; j++) {
      const z = this.resblocks.get(i * this.numKernels + j).forward(o);
      if (zSum === null) zSum = z;
      else {
        zSum.add_(z);
        z.dispose();
      }
    }
    return (zSum as Tensor).div_(this.numKernels);
  }

  /** Mel `[B, C_mel, T]` -> `[B, 1, (T + 2 * inferencePadding) * hop]`: replicate-pads the mel, no cropping. */
  inference(c: Tensor): Tensor {
    return torch.noGrad(() =>
      torch.tidy(() =>
        this.forward(torch.F.pad(c, [this.inferencePadding, this.inferencePadding], 'replicate')),
      ),
    );
  }

  /** Folds the weight norm of every conv into a plain weight (what Coqui's `load_checkpoint(eval=True)` does). */
  removeWeightNorm(): void {
    if (!this.#weightNormed) return;
    for (const u of this.ups) removeWeightNorm(u);
    for (const b of this.resblocks) b.removeWeightNorm();
    if (this.args.convPreWeightNorm !== false) removeWeightNorm(this.convPre);
    if (this.args.convPostWeightNorm !== false) removeWeightNorm(this.convPost);
    this.#weightNormed = false;
  }
}
