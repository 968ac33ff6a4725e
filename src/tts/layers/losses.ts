/**
 * TTS losses (Coqui's `TTS.tts.layers.losses`): masked L1/MSE/BCE for spectrogram and stop-token targets, and
 * the Glow-TTS maximum-likelihood + duration loss.
 *
 * Every loss returns a 0-d float tensor; `lengths` are int64 `[B]`.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { sequenceMask } from '../utils/helpers.ts';

/** `[B, T, 1]` float mask from `lengths` `[B]` and `maxLength` T. */
function frameMask(lengths: Tensor, maxLength: number): Tensor {
  return torch.tidy(() => sequenceMask(lengths, maxLength).unsqueeze(2).float());
}

/**
 * Shared body of the masked L1/MSE losses. x, target: `[B, T, D]`.
 * seqLenNorm false: masked sum / number of valid elements; true: each sequence weighted by 1 / (its length
 * * B * D), so short and long sequences count equally.
 */
function maskedReconstruction(
  kind: 'l1' | 'mse',
  seqLenNorm: boolean,
  x: Tensor,
  target: Tensor,
  lengths: Tensor,
): Tensor {
  return torch.tidy(() => {
    const t = target.detach();
    const mask1 = frameMask(lengths, t.size(1));
    const mask = mask1.expandAs(x);
    const reduction = seqLenNorm ? 'none' : 'sum';
    const raw =
      kind === 'l1'
        ? torch.F.l1Loss(x.mul(mask), t.mul(mask), reduction)
        : torch.F.mseLoss(x.mul(mask), t.mul(mask), reduction);
    if (!seqLenNorm) return raw.div(mask.sum());
    const weights = mask1.div(mask1.sum(1, true)).div(t.size(0) * t.size(2));
    return raw.mul(weights).sum();
  });
}

/** Masked L1 loss over `[B, T, D]` frames (Coqui's `L1LossMasked`). */
export class L1LossMasked {
  constructor(readonly seqLenNorm: boolean) {}
  /** x, target: `[B, T, D]`; lengths: `[B]` valid frames. */
  forward(x: Tensor, target: Tensor, lengths: Tensor): Tensor {
    return maskedReconstruction('l1', this.seqLenNorm, x, target, lengths);
  }
}

/** Masked mean squared error over `[B, T, D]` frames (Coqui's `MSELossMasked`). */
export class MSELossMasked {
  constructor(readonly seqLenNorm: boolean) {}
  /** x, target: `[B, T, D]`; lengths: `[B]` valid frames. */
  forward(x: Tensor, target: Tensor, lengths: Tensor): Tensor {
    return maskedReconstruction('mse', this.seqLenNorm, x, target, lengths);
  }
}

/**
 * Binary cross-entropy on stop-token logits (Coqui's `BCELossMasked`): sum over valid steps / their count,
 * or over every element when `lengths` is null. `posWeight` scales the positive term.
 */
export class BCELossMasked {
  constructor(readonly posWeight: number | null = null) {}
  /** x (logits), target (0/1): `[B, T]`; lengths: `[B]` or null. */
  forward(x: Tensor, target: Tensor, lengths: Tensor | null): Tensor {
    return torch.tidy(() => {
      const t = target.detach();
      const posWeight = this.posWeight === null ? null : torch.tensor([this.posWeight], { device: x.device });
      if (lengths === null) {
        const loss = torch.F.binaryCrossEntropyWithLogits(x, t, { posWeight, reduction: 'sum' });
        return loss.div(x.numel);
      }
      const mask = sequenceMask(lengths, t.size(1));
      const loss = torch.F.binaryCrossEntropyWithLogits(x.maskedSelect(mask), t.maskedSelect(mask), {
        posWeight,
        reduction: 'sum',
      });
      return loss.div(mask.sum());
    });
  }
}

/** What `GlowTTSLoss.forward` returns (0-d tensors). */
export interface GlowTTSLossDict {
  /** logMle + lossDur: what is optimised. */
  loss: Tensor;
  /** Negative log-likelihood of the flow per frame and channel, including 0.5 * log(2 pi). */
  logMle: Tensor;
  /** Duration loss: sum((durationsLog - totalDurationsLog)^2) / sum(xLengths). */
  lossDur: Tensor;
  [key: string]: Tensor;
}

/**
 * Glow-TTS loss (paper eq. 1-2 and section 3.3): the exact negative log-likelihood of the mel frames under
 * the flow and the aligned Gaussian prior, plus an MSE on log-durations.
 *
 * The duration term is not masked: the model zeroes padded positions itself, as in Coqui.
 */
export class GlowTTSLoss {
  readonly constantFactor = 0.5 * Math.log(2 * Math.PI);

  /**
   * z, means, scales (log-std): `[B, T_de, C]` (zero padded); logDet: `[B]`; yLengths: `[B]` frames;
   * durationsLog, totalDurationsLog: `[B, T_en, 1]`; xLengths: `[B]` tokens.
   */
  forward(
    z: Tensor,
    means: Tensor,
    scales: Tensor,
    logDet: Tensor,
    yLengths: Tensor,
    durationsLog: Tensor,
    totalDurationsLog: Tensor,
    xLengths: Tensor,
  ): GlowTTSLossDict {
    const out = torch.tidy(() => {
      const pz = scales.sum().add(scales.mul(-2).exp().mul(z.sub(means).square()).sum().mul(0.5));
      const frames = yLengths.sum().mul(z.size(2));
      const logMle = pz.sub(logDet.sum()).div(frames).add(this.constantFactor);
      const lossDur = durationsLog.sub(totalDurationsLog).square().sum().div(xLengths.sum());
      return { loss: logMle.add(lossDur), logMle, lossDur };
    });
    for (const [key, value] of Object.entries(out)) {
      if (Number.isNaN(value.item())) throw new Error(`NaN loss with ${key}`);
    }
    return out;
  }
}
