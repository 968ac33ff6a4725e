/**
 * In-place parameter initialisers (PyTorch's `torch.nn.init`), run under noGrad. Each returns its argument.
 * They draw from libtorch's default generator in the same order as PyTorch, so a seeded model initialises
 * like PyTorch's.
 */

import { noGrad } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';

/** fan_in and fan_out of a weight `[out, in, ...kernel]` (PyTorch's `_calculate_fan_in_and_fan_out`). */
export function calculateFanInAndFanOut(weight: Tensor): { fanIn: number; fanOut: number } {
  const shape = weight.shape;
  if (shape.length < 2) {
    throw new Error('fan in and fan out can not be computed for a tensor with fewer than 2 dimensions');
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** PyTorch's `calculate_gain`. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return 1;
  }
}

/** U(a, b) in place. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  noGrad(() => t.uniform_(a, b));
  return t;
}

/** N(mean, std²) in place. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  noGrad(() => t.normal_(mean, std));
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export function zeros_(t: Tensor): Tensor {
  noGrad(() => t.zero_());
  return t;
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * He/Kaiming uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). PyTorch's layer default is `a = sqrt(5)`
 * with leaky_relu, i.e. bound = 1 / sqrt(fan_in).
 */
export function kaimingUniform_(
  t: Tensor,
  options: { a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity } = {},
): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) return t;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan));
  return uniform_(t, -bound, bound);
}

/** He/Kaiming normal: N(0, (gain / sqrt(fan))²). */
export function kaimingNormal_(
  t: Tensor,
  options: { a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity } = {},
): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) return t;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan));
}

/** Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/** Glorot/Xavier normal: N(0, gain² * 2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** The default init of PyTorch's Linear/Conv layers: kaiming-uniform(a=sqrt(5)) weight, U(±1/sqrt(fan_in)) bias. */
export function resetLinearLike_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
