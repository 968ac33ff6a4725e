/**
 * Normalisation layers over the channel axis of `[B, C, T]` sequences (Coqui's
 * `TTS.tts.layers.generic.normalization`).
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Module } from '../../../torch/nn/index.ts';

/**
 * Layer norm over channels of `[B, C, T]` with affine `gamma`/`beta` of shape `[1, C, 1]` (Coqui's
 * `LayerNorm`, used by Glow-TTS and VITS; gamma starts at 0.1). eps 1e-4.
 */
export class LayerNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;

  constructor(
    readonly channels: number,
    readonly eps = 1e-4,
  ) {
    super();
    this.gamma = this.registerParameter('gamma', torch.full([1, channels, 1], 0.1));
    this.beta = this.registerParameter('beta', torch.zeros([1, channels, 1]));
  }

  /** x: `[B, C, T]` -> `[B, C, T]`. */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const mean = x.mean(1, true);
      const centered = x.sub(mean);
      const variance = centered.square().mean(1, true);
      return centered.mul(variance.add(this.eps).rsqrt()).mul(this.gamma).add(this.beta);
    });
  }
}

/**
 * Layer norm over channels of `[B, C, T]` through libtorch's fused layer_norm, with `gamma`/`beta` of shape
 * `[C]` (Coqui's `LayerNorm2`). eps 1e-5.
 */
export class LayerNorm2 extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;

  constructor(
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = this.registerParameter('gamma', torch.ones([channels]));
    this.beta = this.registerParameter('beta', torch.zeros([channels]));
  }

  /** x: `[B, C, T]` -> `[B, C, T]`. */
  forward(x: Tensor): Tensor {
    return torch.tidy(() =>
      torch.F.layerNorm(x.transpose(1, -1), [this.channels], this.gamma, this.beta, this.eps).transpose(
        1,
        -1,
      ),
    );
  }
}

/** Output of an invertible flow layer: the transformed tensor and, in forward direction, log|det J| `[B]`. */
export interface FlowOutput {
  z: Tensor;
  /** Per-item log-determinant `[B]`; null in reverse direction. */
  logdet: Tensor | null;
}

/**
 * Activation normalisation (Glow, Kingma & Dhariwal 2018): a per-channel affine bijection
 * `z = (bias + exp(logs) * x) * mask` with `logs`, `bias` `[1, C, 1]`.
 *
 * Data-dependent init: while `initialized` is false, the next forward call first sets logs/bias so that the
 * batch's masked output has zero mean and unit variance per channel, then marks itself initialized.
 */
export class ActNorm extends Module {
  readonly logs: Tensor;
  readonly bias: Tensor;
  /** False: the next forward pass runs the data-dependent initialisation. */
  initialized: boolean;

  constructor(
    readonly channels: number,
    ddi = false,
  ) {
    super();
    this.initialized = !ddi;
    this.logs = this.registerParameter('logs', torch.zeros([1, channels, 1]));
    this.bias = this.registerParameter('bias', torch.zeros([1, channels, 1]));
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]` (null: all valid) -> z `[B, C, T]`, logdet `[B]` (forward only). */
  forward(x: Tensor, xMask: Tensor | null = null, reverse = false): FlowOutput {
    if (!this.initialized) {
      this.initialize(x, xMask);
      this.initialized = true;
    }
    return torch.tidy(() => {
      const mask = xMask ?? torch.ones([x.size(0), 1, x.size(2)], { dtype: x.dtype, device: x.device });
      if (reverse) {
        return { z: x.sub(this.bias).mul(this.logs.neg().exp()).mul(mask), logdet: null };
      }
      const xLen = mask.sum([1, 2]);
      const z = this.bias.add(this.logs.exp().mul(x)).mul(mask);
      return { z, logdet: this.logs.sum().mul(xLen) };
    });
  }

  /** Switches data-dependent initialisation on (the next forward pass re-initialises) or off. */
  setDdi(ddi: boolean): void {
    this.initialized = !ddi;
  }

  /** Nothing to precompute (kept for the flow-layer interface). */
  storeInverse(): void {}

  /** Sets logs/bias from the masked per-channel mean and variance of x `[B, C, T]`. */
  initialize(x: Tensor, xMask: Tensor | null): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        const mask = xMask ?? torch.ones([x.size(0), 1, x.size(2)], { dtype: x.dtype, device: x.device });
        const denom = mask.sum([0, 2]);
        const m = x.mul(mask).sum([0, 2]).div(denom);
        const mSq = x.mul(x).mul(mask).sum([0, 2]).div(denom);
        const v = mSq.sub(m.square());
        const logs = v.clampMin(1e-6).log().mul(0.5);
        this.bias.copy_(m.neg().mul(logs.neg().exp()).view(this.bias.shape).to(this.bias.dtype));
        this.logs.copy_(logs.neg().view(this.logs.shape).to(this.logs.dtype));
      }),
    );
  }
}
