/**
 * HiFiGAN's multi-receptive-field residual blocks (Kong et al. 2020), Coqui's `ResBlock1` / `ResBlock2`
 * (TTS.vocoder.models.hifigan_generator): dilated 1-d convolutions with weight norm and leaky ReLU (slope 0.1)
 * around a residual path. State-dict names are Coqui's (`convs1.0`, `convs2.0` / `convs.0`).
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Conv1d, Module, ModuleList, removeWeightNorm, weightNorm } from '../../torch/nn/index.ts';

/** Slope of HiFiGAN's leaky ReLUs. */
export const LRELU_SLOPE = 0.1;

/** 'same' padding of a dilated kernel: (k·d − d) / 2. */
export function getPadding(kernelSize: number, dilation = 1): number {
  return Math.floor((kernelSize * dilation - dilation) / 2);
}

/** A weight-normed 'same' Conv1d `[B, C, T]` -> `[B, C, T]`. */
function dilatedConv(channels: number, kernelSize: number, dilation: number): Conv1d {
  return weightNorm(
    new Conv1d(channels, channels, kernelSize, { dilation, padding: getPadding(kernelSize, dilation) }),
  );
}

/** The common interface of the two residual blocks. */
export interface HifiganResBlock extends Module {
  /** `[B, C, T]` -> `[B, C, T]`. */
  forward(x: Tensor): Tensor;
  /** Folds every conv's weight norm into a plain weight (inference). */
  removeWeightNorm(): void;
}

/**
 * Type 1: for each dilation d, x += conv2(lrelu(conv1_d(lrelu(x)))), conv2 undilated.
 * `[B, C, T]` -> `[B, C, T]`.
 */
export class ResBlock1 extends Module implements HifiganResBlock {
  readonly convs1: ModuleList<Conv1d>;
  readonly convs2: ModuleList<Conv1d>;

  constructor(channels: number, kernelSize = 3, dilation: readonly number[] = [1, 3, 5]) {
    super();
    this.convs1 = this.registerModule(
      'convs1',
      new ModuleList(dilation.map((d) => dilatedConv(channels, kernelSize, d))),
    );
    this.convs2 = this.registerModule(
      'convs2',
      new ModuleList(dilation.map(() => dilatedConv(channels, kernelSize, 1))),
    );
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let o = x;
      this.convs1.forEach((c1, i) => {
        // in place on fresh tensors, each step's temporaries freed at once (as Python's refcounting does)
        const next = torch.tidy(() => {
          const h = torch.F.leakyRelu_(c1.forward(torch.F.leakyRelu(o, LRELU_SLOPE)), LRELU_SLOPE);
          return this.convs2.get(i).forward(h).add_(o);
        });
        if (o !== x) o.dispose();
        o = next;
      });
      return o;
    });
  }

  removeWeightNorm(): void {
    for (const c of [...this.convs1, ...this.convs2]) removeWeightNorm(c);
  }
}

/** Type 2: for each dilation d, x += conv_d(lrelu(x)). `[B, C, T]` -> `[B, C, T]`. */
export class ResBlock2 extends Module implements HifiganResBlock {
  readonly convs: ModuleList<Conv1d>;

  constructor(channels: number, kernelSize = 3, dilation: readonly number[] = [1, 3]) {
    super();
    this.convs = this.registerModule(
      'convs',
      new ModuleList(dilation.map((d) => dilatedConv(channels, kernelSize, d))),
    );
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let o = x;
      for (const c of this.convs) {
        const next = torch.tidy(() => c.forward(torch.F.leakyRelu(o, LRELU_SLOPE)).add_(o));
        if (o !== x) o.dispose();
        o = next;
      }
      return o;
    });
  }

  removeWeightNorm(): void {
    for (const c of this.convs) removeWeightNorm(c);
  }
}
