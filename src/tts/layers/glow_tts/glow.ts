/**
 * Glow building blocks of Glow-TTS (Kim et al. 2020, https://arxiv.org/abs/2005.11129, section 3.4, after
 * Glow, https://arxiv.org/abs/1807.03039): the convolutional encoder prenet, the invertible 1x1 convolution
 * over channel groups and the affine coupling block (Coqui's `TTS.tts.layers.glow_tts.glow`).
 *
 * Flow layers map `[B, C, T]` to `[B, C, T]` under a `[B, 1, T]` mask and report log|det J| per item `[B]`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList, weightNorm } from '../../../torch/nn/index.ts';
import { zeros_ } from '../../../torch/nn/init.ts';
import { type FlowOutput, LayerNorm } from '../generic/normalization.ts';
import { WN } from '../generic/wavenet.ts';

/**
 * Conv1d -> LayerNorm -> ReLU -> dropout, `numLayers` times, plus a zero-initialised 1x1 projection added
 * to the input (the residual starts as identity):
 *
 *     x |-> [conv -> norm -> relu -> dropout] x N -> proj -> + -> o
 *       |------------------------------------------------'
 */
export class ResidualConv1dLayerNormBlock extends Module {
  readonly convLayers: ModuleList<Conv1d>;
  readonly normLayers: ModuleList<LayerNorm>;
  readonly proj: Conv1d;

  constructor(
    readonly inChannels: number,
    readonly hiddenChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly numLayers: number,
    readonly dropoutP: number,
  ) {
    super();
    if (numLayers <= 1) throw new Error('ResidualConv1dLayerNormBlock: numLayers must be > 1');
    if (kernelSize % 2 !== 1) throw new Error('ResidualConv1dLayerNormBlock: kernelSize must be odd');
    const convs: Conv1d[] = [];
    const norms: LayerNorm[] = [];
    for (let i = 0; i < numLayers; i++) {
      convs.push(
        new Conv1d(i === 0 ? inChannels : hiddenChannels, hiddenChannels, kernelSize, {
          padding: Math.floor(kernelSize / 2),
        }),
      );
      norms.push(new LayerNorm(hiddenChannels));
    }
    this.convLayers = this.registerModule('conv_layers', new ModuleList(convs));
    this.normLayers = this.registerModule('norm_layers', new ModuleList(norms));
    this.proj = this.registerModule('proj', new Conv1d(hiddenChannels, outChannels, 1));
    zeros_(this.proj.weight);
    zeros_(this.proj.bias as Tensor);
  }

  /** x: `[B, C_in, T]`, xMask: `[B, 1, T]` -> `[B, C_out, T]` (masked). */
  forward(x: Tensor, xMask: Tensor): Tensor {
    return torch.tidy(() => {
      const residual = x;
      for (let i = 0; i < this.numLayers; i++) {
        x = this.convLayers.get(i).forward(x.mul(xMask));
        x = this.normLayers.get(i).forward(x.mul(xMask));
        x = torch.F.dropout(x.relu(), this.dropoutP, this.training);
      }
      return residual.add(this.proj.forward(x)).mul(xMask);
    });
  }
}

/**
 * Invertible 1x1 convolution "near" (Glow-TTS section 3.4): channels are split into groups of `numSplits`
 * (half from each channel half) and one shared `[numSplits, numSplits]` matrix `weight` mixes each group.
 * logdet = log|det W| * (C / numSplits) * valid frames.
 */
export class InvConvNear extends Module {
  readonly weight: Tensor;
  /** Precomputed W^-1 after `storeInverse()` (not a parameter). */
  weightInv: Tensor | null = null;

  constructor(
    readonly channels: number,
    readonly numSplits = 4,
    readonly noJacobian = false,
  ) {
    super();
    if (numSplits % 2 !== 0) throw new Error('InvConvNear: numSplits must be even');
    // a random rotation with det +1
    const init = torch.tidy(() => {
      const q = torch.F.qr(torch.randn([numSplits, numSplits])).q;
      const sign = torch.F.slogdet(q).sign.item();
      if (sign < 0) {
        const flip = torch.ones([numSplits]);
        flip.select(0, 0).fill_(-1);
        return q.mul(flip.unsqueeze(0));
      }
      return q;
    });
    this.weight = this.registerParameter('weight', init);
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]` -> z `[B, C, T]`, logdet `[B]` (forward only). */
  forward(x: Tensor, xMask: Tensor | null = null, reverse = false): FlowOutput {
    return torch.tidy(() => {
      const [b, c, t] = x.shape;
      const s = this.numSplits;
      if (c % s !== 0) throw new Error(`InvConvNear: ${c} channels are not divisible by ${s} splits`);
      const xLen =
        xMask === null ? torch.full([b], t, { dtype: x.dtype, device: x.device }) : xMask.sum([1, 2]);
      // [B, C, T] -> [B, s, C/s, T]: group g holds channels (k, j) with k the half and j < s/2
      const grouped = x
        .view(b, 2, c / s, s / 2, t)
        .permute(0, 1, 3, 2, 4)
        .contiguous()
        .view(b, s, c / s, t);
      let weight: Tensor;
      let logdet: Tensor | null = null;
      if (reverse) {
        weight = this.weightInv ?? torch.F.inverse(this.weight.float()).to(this.weight.dtype);
      } else {
        weight = this.weight;
        // float64: log|det W| of a near-orthogonal W is ~1e-7, mostly float32 rounding noise otherwise
        const logAbsDet = torch.F.slogdet(this.weight.double()).logabsdet.to(x.dtype);
        logdet = this.noJacobian
          ? torch.zeros([b], { dtype: x.dtype, device: x.device })
          : logAbsDet.mul(c / s).mul(xLen);
      }
      const mixed = torch.F.conv2d(grouped, weight.view(s, s, 1, 1));
      let z = mixed
        .view(b, 2, s / 2, c / s, t)
        .permute(0, 1, 3, 2, 4)
        .contiguous()
        .view(b, c, t);
      if (xMask !== null) z = z.mul(xMask);
      return { z, logdet };
    });
  }

  /** Precomputes W^-1 for faster reverse passes (inference). */
  storeInverse(): void {
    this.weightInv?.dispose();
    this.weightInv = torch.keep(
      torch.noGrad(() => torch.F.inverse(this.weight.float()).to(this.weight.dtype)),
    );
  }
}

export interface CouplingBlockOptions {
  cInChannels?: number;
  dropoutP?: number;
  /** s = log(1e-6 + sigmoid(s + 2)) instead of the raw scale. */
  sigmoidScale?: boolean;
}

/**
 * Affine coupling (Glow-TTS section 3.4): the first channel half x0 passes unchanged and parameterises an
 * affine map of the second half, z1 = t(x0) + exp(s(x0)) * x1, through start (1x1, weight norm) -> WN ->
 * end (1x1, zero-initialised so the block starts as the identity).
 */
export class CouplingBlock extends Module {
  readonly start: Conv1d;
  readonly end: Conv1d;
  readonly wn: WN;
  readonly sigmoidScale: boolean;

  constructor(
    readonly inChannels: number,
    readonly hiddenChannels: number,
    readonly kernelSize: number,
    readonly dilationRate: number,
    readonly numLayers: number,
    options: CouplingBlockOptions = {},
  ) {
    super();
    this.sigmoidScale = options.sigmoidScale ?? false;
    this.start = this.registerModule('start', weightNorm(new Conv1d(inChannels / 2, hiddenChannels, 1)));
    this.end = this.registerModule('end', new Conv1d(hiddenChannels, inChannels, 1));
    zeros_(this.end.weight);
    zeros_(this.end.bias as Tensor);
    this.wn = this.registerModule(
      'wn',
      new WN(hiddenChannels, hiddenChannels, kernelSize, dilationRate, numLayers, {
        cInChannels: options.cInChannels ?? 0,
        dropoutP: options.dropoutP ?? 0,
      }),
    );
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, C_cond, 1]` -> z `[B, C, T]`, logdet `[B]` (forward only). */
  forward(x: Tensor, xMask: Tensor | null = null, reverse = false, g: Tensor | null = null): FlowOutput {
    return torch.tidy(() => {
      const half = this.inChannels / 2;
      const x0 = x.slice(1, 0, half);
      const x1 = x.slice(1, half);
      let h = this.start.forward(x0);
      if (xMask !== null) h = h.mul(xMask);
      const out = this.end.forward(this.wn.forward(h, xMask, g));
      const t = out.slice(1, 0, half);
      let s = out.slice(1, half);
      if (this.sigmoidScale) s = s.add(2).sigmoid().add(1e-6).log();
      let z1: Tensor;
      let logdet: Tensor | null = null;
      if (reverse) {
        z1 = x1.sub(t).mul(s.neg().exp());
        if (xMask !== null) z1 = z1.mul(xMask);
      } else {
        z1 = t.add(s.exp().mul(x1));
        if (xMask !== null) z1 = z1.mul(xMask);
        logdet = (xMask === null ? s : s.mul(xMask)).sum([1, 2]);
      }
      return { z: torch.cat([x0, z1], 1), logdet };
    });
  }

  /** Folds weight norm into plain weights for inference (Coqui removes the WN parametrisations here). */
  storeInverse(): void {
    // Weight norm is recomputed per call; folding it is an optimisation left to nn's removeWeightNorm.
  }
}
