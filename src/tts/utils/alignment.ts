/**
 * What every model that learns a hard text -> frame alignment needs (Glow-TTS, VITS, ...): padding masks,
 * the Gaussian log-likelihood that monotonic alignment search (MAS) maximises, the MAS call itself, and
 * the expansion of per-token prior statistics to frames along an alignment.
 *
 * Layouts follow Coqui: channels first inside models, `[B, C, T_en]` for token statistics, `[B, C, T_de]`
 * for frames, masks `[B, 1, T]`, alignments `[B, 1, T_en, T_de]` (tokens as rows). Every tensor is created
 * on the device of the inputs.
 */

import type { DType, Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { maximumPath, sequenceMask } from './helpers.ts';

/**
 * The padding mask of a padded batch, `[B, 1, T]` in `dtype`: 1 on valid steps, 0 on padding
 * (Coqui's `sequence_mask(lengths, T).unsqueeze(1).to(dtype)`).
 * lengths: `[B]`; maxLength defaults to `max(lengths)`.
 */
export function paddingMask(lengths: Tensor, maxLength?: number, dtype: DType = 'float32'): Tensor {
  return torch.tidy(() => sequenceMask(lengths, maxLength).unsqueeze(1).to(dtype));
}

/** The token x frame mask `[B, 1, T_en, T_de]` of a token mask `[B, 1, T_en]` and a frame mask `[B, 1, T_de]`. */
export function attentionMask(xMask: Tensor, yMask: Tensor): Tensor {
  return torch.tidy(() => xMask.unsqueeze(-1).mul(yMask.unsqueeze(2)));
}

/**
 * log N(z_j; mean_i, exp(logScale_i)) summed over channels, for every token i and frame j (the MAS score).
 * z: `[B, C, T_de]`, mean/logScale: `[B, C, T_en]` -> `[B, T_en, T_de]` (nats).
 */
export function gaussianLogLikelihood(z: Tensor, mean: Tensor, logScale: Tensor): Tensor {
  return torch.tidy(() => {
    const scale = logScale.mul(-2).exp(); // 1 / sigma^2
    const logp1 = logScale
      .rsub(-0.5 * Math.log(2 * Math.PI))
      .sum([1])
      .unsqueeze(-1); // [B, T_en, 1]
    const logp2 = scale.transpose(1, 2).matmul(z.square().mul(-0.5)); // [B, T_en, T_de]
    const logp3 = mean.mul(scale).transpose(1, 2).matmul(z); // [B, T_en, T_de]
    const logp4 = mean.square().mul(-0.5).mul(scale).sum([1]).unsqueeze(-1); // [B, T_en, 1]
    return logp1.add(logp2).add(logp3).add(logp4);
  });
}

/** What `monotonicAlignment` returns. */
export interface MonotonicAlignment {
  /** The hard alignment `[B, 1, T_en, T_de]` (0/1), dtype and device of z. */
  path: Tensor;
  /** The scores MAS maximised, `[B, T_en, T_de]`. */
  logp: Tensor;
}

/**
 * Monotonic alignment search under the prior N(mean, exp(logScale)) (Glow-TTS paper section 3.2; VITS
 * section 2.2.2): the most likely monotonic, surjective token -> frame path inside `attnMask`. No gradient
 * flows through it.
 * z: `[B, C, T_de]`; mean/logScale: `[B, C, T_en]`; attnMask: `[B, 1, T_en, T_de]`.
 */
export function monotonicAlignment(
  z: Tensor,
  mean: Tensor,
  logScale: Tensor,
  attnMask: Tensor,
): MonotonicAlignment {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const logp = gaussianLogLikelihood(z, mean, logScale);
      const path = maximumPath(logp, attnMask.squeeze(1)).unsqueeze(1);
      return { path, logp };
    }),
  );
}

/** What `expandPrior` returns. */
export interface ExpandedPrior {
  /** Prior means per frame `[B, C, T_de]`. */
  yMean: Tensor;
  /** Prior log-scales per frame `[B, C, T_de]`. */
  yLogScale: Tensor;
  /** The duration target log(1 + frames per token), masked, `[B, 1, T_en]`. */
  oAttnDur: Tensor;
}

/**
 * Expands per-token prior statistics to frames along a hard alignment and derives the duration target.
 * attn: `[B, 1, T_en, T_de]` (0/1, at most one token per frame: a MAS path or `generatePath`'s);
 * oMean/oLogScale: `[B, C, T_en]`; xMask: `[B, 1, T_en]`.
 *
 * Coqui multiplies by the alignment (`attn^T @ o_mean`, a batched matmul of B x T_de x T_en x C); with one
 * token per frame that sum has a single non-zero term, so gathering each frame's token gives the same numbers
 * in O(B x C x T_de) (frames without a token are 0, as in the product). At the LJSpeech size one such matmul took
 * 26 ms on one thread (Debian's reference BLAS) and the gather 2 ms; the backward pass is a scatter-add.
 */
export function expandPrior(attn: Tensor, oMean: Tensor, oLogScale: Tensor, xMask: Tensor): ExpandedPrior {
  return torch.tidy(() => {
    const a = attn.squeeze(1); // [B, T_en, T_de]
    const aligned = a.sum([1], true); // [B, 1, T_de]: 1 on frames with a token, 0 on padding
    const token = a.argmax(1, true); // [B, 1, T_de]
    const expand = (stat: Tensor): Tensor =>
      stat.gather(2, token.expand([stat.size(0), stat.size(1), token.size(2)])).mul(aligned);
    const oAttnDur = attn.sum(-1).add(1).log().mul(xMask);
    return { yMean: expand(oMean), yLogScale: expand(oLogScale), oAttnDur };
  });
}
