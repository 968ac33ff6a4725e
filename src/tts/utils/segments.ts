/**
 * Random training segments (Coqui's `segment` / `rand_segments` in TTS.tts.utils.helpers): VITS decodes
 * only a random window of z per item, and the GAN vocoders train on random windows of audio.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { type NoiseSource, torchNoise } from './noise.ts';

/**
 * The window `[start_b, start_b + size)` of each item of `x` `[B, C, T]` -> `[B, C, size]`.
 * starts: `[B]` int64 (or plain numbers). With `padShort`, windows that run past the end of the (batch) time
 * axis read zeros there, as Coqui pads; without it such a window is an error.
 */
export function segment(
  x: Tensor,
  starts: Tensor | readonly number[],
  size: number,
  padShort = false,
): Tensor {
  const begin = Array.isArray(starts) ? (starts as number[]) : (starts as Tensor).toArray();
  return torch.tidy(() => {
    const t = x.size(2);
    const items: Tensor[] = [];
    for (let b = 0; b < x.size(0); b++) {
      const s = begin[b];
      if (s < 0) throw new RangeError(`segment: negative start ${s}`);
      let item = x.slice(0, b, b + 1);
      if (s + size > t) {
        if (!padShort) throw new RangeError(`segment: window [${s}, ${s + size}) exceeds ${t} frames`);
        item = torch.F.pad(item, [0, s + size - t]);
      }
      items.push(item.slice(2, s, s + size));
    }
    return torch.cat(items, 0);
  });
}

/** What `randSegments` returns. */
export interface RandomSegments {
  /** The windows `[B, C, size]`. */
  segments: Tensor;
  /** Start frame per item `[B]` int64. */
  starts: Tensor;
}

/**
 * A random window of `size` frames per item of `x` `[B, C, T]` with valid lengths `lengths` `[B]`
 * (Coqui's `rand_segments(..., let_short_samples=True, pad_short=True)`, VITS's call):
 * start = floor(u * (max(len, size) - size + 1)) with u ~ U[0, 1) drawn as one float32 `[B]` tensor at the
 * `'segments'` site, so a window never starts past an item's last full window; an item shorter than `size`
 * starts at 0 and its window reads the batch padding beyond its length (zeros past the batch end).
 */
export function randSegments(
  x: Tensor,
  lengths: Tensor,
  size: number,
  noise: NoiseSource = torchNoise,
): RandomSegments {
  return torch.tidy(() => {
    const b = x.size(0);
    const lens = lengths.to('int64').clampMin(size);
    const u = noise.rand([b], 'segments', x);
    // float32 product then truncation, as Coqui's (torch.rand([B]).type_as(x) * (len_diff + 1)).long()
    const starts = u.mul(lens.sub(size - 1).to(u.dtype)).to('int64');
    return { segments: segment(x, starts, size, true), starts };
  });
}
