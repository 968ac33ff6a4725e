/**
 * Random numbers from libtorch's default generator (the same streams PyTorch draws on CPU for the same seed).
 * Each worker_threads Worker has a generator of its own, seeded alike (see native.ts): every function here
 * calls an operator overload that takes a generator (passing none), which the addon fills with it there.
 */
import * as aten from './aten.ts';
import { HANDLE } from './dispatch.ts';
import type { DType } from './dtype.ts';
import { native } from './native.ts';
import { type Shape, type Tensor, Tensor as TensorClass } from './tensor.ts';

/** Seeds this thread's CPU generator (on the main thread also the CUDA ones), as torch.manual_seed. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** The default CPU generator's state as a uint8 tensor (torch.get_rng_state), for exact resumes. */
export function getRngState(): Tensor {
  return new TensorClass(native.getRngState());
}

/** Restores a state returned by getRngState (torch.set_rng_state). */
export function setRngState(state: Tensor): void {
  native.setRngState(state[HANDLE]);
}

/** Uniform [0, 1). */
export function rand(shape: Shape, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const t = aten.rand_generator([...shape], null, options.dtype ?? 'float32');
  return options.requiresGrad ? t.requiresGrad_(true) : t;
}

/** Standard normal N(0, 1). */
export function randn(shape: Shape, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const t = aten.randn_generator([...shape], null, options.dtype ?? 'float32');
  return options.requiresGrad ? t.requiresGrad_(true) : t;
}

/** Standard normal with the shape and dtype of `t`. */
export function randnLike(t: Tensor): Tensor {
  return aten.normal_(aten.empty_like(t), 0, 1, null); // what randn_like does, with a generator slot
}

/** Uniform [0, 1) with the shape and dtype of `t`. */
export function randLike(t: Tensor): Tensor {
  return aten.uniform_(aten.empty_like(t), 0, 1, null); // what rand_like does, with a generator slot
}

/** Integers uniform in [low, high) as int64. */
export function randint(low: number, high: number, shape: Shape, options: { dtype?: DType } = {}): Tensor {
  return aten.randint_low_generator(low, high, [...shape], null, options.dtype ?? 'int64');
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number): Tensor {
  return aten.randperm_generator(n, null, 'int64');
}

/** Draws `numSamples` indices from each row of non-negative weights [(B,) N]. */
export function multinomial(probs: Tensor, numSamples: number, replacement = false): Tensor {
  return aten.multinomial(probs, numSamples, replacement);
}

/** Bernoulli draws with probabilities `p` (a tensor of the same shape). */
export function bernoulli(p: Tensor): Tensor {
  return aten.bernoulli(p);
}
