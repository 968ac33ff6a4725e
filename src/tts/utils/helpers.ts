/**
 * Sequence helpers shared by TTS models: length masks, duration -> alignment paths, and monotonic alignment
 * search (MAS, Glow-TTS paper section 3.2).
 *
 * Layouts follow Coqui: token axis `T_en`, decoder (frame) axis `T_de`, alignments `[B, T_en, T_de]`.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';

/**
 * A `[B, T]` bool mask, true where `t < lengths[b]` (Coqui's `sequence_mask`), on the device of `lengths`.
 * lengths: `[B]` (int64 or float); maxLength defaults to `max(lengths)`.
 */
export function sequenceMask(lengths: Tensor, maxLength?: number): Tensor {
  return torch.tidy(() => {
    const t = maxLength ?? Math.ceil(lengths.max().item());
    const range = torch.arange(0, t, 1, { dtype: lengths.dtype, device: lengths.device });
    return range.unsqueeze(0).lt(lengths.unsqueeze(1));
  });
}

/**
 * Hard alignment path from per-token durations (Coqui's `generate_path`): token `i` covers frames
 * `[cumsum(d)[i-1], cumsum(d)[i])`, clipped by `mask`.
 *
 * duration: `[B, T_en]` (integer-valued floats, frames); mask: `[B, T_en, T_de]` -> path `[B, T_en, T_de]`
 * in the mask's dtype.
 */
export function generatePath(duration: Tensor, mask: Tensor): Tensor {
  return torch.tidy(() => {
    const [b, tx, ty] = mask.shape;
    const cum = duration.cumsum(1).reshape(b * tx);
    const ends = sequenceMask(cum, ty).to(mask.dtype).reshape(b, tx, ty);
    // starts of token i = ends of token i-1 (zeros for the first token)
    const starts = torch.F.pad(ends, [0, 0, 1, 0]).slice(1, 0, tx);
    return ends.sub(starts).mul(mask);
  });
}

/**
 * Monotonic alignment search on plain arrays, bit-compatible with Coqui's `maximum_path_numpy`:
 * a float32 Viterbi pass over `value * mask` followed by a backtrack from the last valid token at the last
 * frame. Ties prefer staying on the same token.
 *
 * value, mask: `[B, T_en, T_de]` row-major; returns the 0/1 path `[B, T_en, T_de]` (zero outside the mask).
 */
export function maximumPathArrays(
  value: Float32Array,
  mask: ArrayLike<number>,
  b: number,
  tx: number,
  ty: number,
): Float32Array {
  const path = new Float32Array(b * tx * ty);
  const stay = new Uint8Array(tx * ty); // 1: came from the same token at j-1; 0: from token i-1
  const v = new Float32Array(tx); // float32 running scores, as numpy keeps them
  const plane = tx * ty;
  for (let n = 0; n < b; n++) {
    const base = n * plane;
    v.fill(0);
    for (let j = 0; j < ty; j++) {
      // descending i: v[i - 1] still holds column j - 1
      for (let i = tx - 1; i >= 0; i--) {
        const v1 = v[i];
        const v0 = i > 0 ? v[i - 1] : Number.NEGATIVE_INFINITY;
        const keep = v1 >= v0;
        stay[i * ty + j] = keep ? 1 : 0;
        if (i <= j) {
          const k = base + i * ty + j;
          v[i] = (keep ? v1 : v0) + Math.fround(value[k] * mask[k]);
        } else {
          v[i] = Number.NEGATIVE_INFINITY;
        }
      }
    }
    let validTokens = 0;
    for (let i = 0; i < tx; i++) if (mask[base + i * ty] !== 0) validTokens++;
    let index = validTokens - 1;
    for (let j = ty - 1; j >= 0; j--) {
      const i = ((index % tx) + tx) % tx; // numpy's negative indexing, for degenerate masks
      const k = base + i * ty + j;
      const inMask = mask[k] !== 0;
      if (inMask) path[k] = 1;
      index += (inMask ? stay[i * ty + j] : 1) - 1;
    }
  }
  return path;
}

/**
 * Monotonic alignment search (Coqui's `maximum_path`): the most likely monotonic, surjective token -> frame
 * alignment under the log-likelihoods `value`. Runs on the CPU over typed arrays; no gradient.
 *
 * value: `[B, T_en, T_de]` log-likelihoods; mask: `[B, T_en, T_de]` (1 inside both lengths)
 * -> path `[B, T_en, T_de]` 0/1, dtype and device of `value`.
 */
export function maximumPath(value: Tensor, mask: Tensor): Tensor {
  const [b, tx, ty] = value.shape;
  const v = value.detach();
  const m = mask.detach();
  const vArr = v.toFloat32Array();
  const mArr = m.toFloat32Array();
  v.dispose();
  m.dispose();
  const path = maximumPathArrays(vArr, mArr, b, tx, ty);
  const out = torch.tensor(path, { shape: [b, tx, ty] });
  if (value.dtype === 'float32' && value.device === 'cpu') return out;
  const moved = out.to(value.dtype).to(value.device);
  out.dispose();
  return moved;
}
