/**
 * In-place parameter initialisers PyTorch's `torch.nn.init` has and the TTS layers need.
 */

import type { Tensor } from '../../../torch/index.js';
import * as torch from '../../../torch/index.js';

/** fan_in, fan_out of a weight `[C_out, C_in, ...kernel]` (or `[out, in]`). */
function fans(weight: Tensor): { fanIn: number; fanOut: number } {
  const shape = weight.shape;
  if (shape.length < 2) throw new Error('xavier init needs a weight with at least 2 dims');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). Returns the weight. */
export function xavierUniform_(weight: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(weight);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  torch.noGrad(() => weight.uniform_(-a, a));
  return weight;
}

/** N(mean, std^2) in place. Returns the weight. */
export function normal_(weight: Tensor, mean = 0, std = 1): Tensor {
  torch.noGrad(() => weight.normal_(mean, std));
  return weight;
}

/** Zeros in place. Returns the weight. */
export function zeros_(weight: Tensor): Tensor {
  torch.noGrad(() => weight.zero_());
  return weight;
}
