/**
 * Functional ops in PyTorch's `torch.nn.functional` spirit: layers without parameters of their own.
 * Layouts follow PyTorch: 1-d convolutions take `[B, C, T]`, 2-d ones `[B, C, H, W]`.
 */

import type { Scalar } from './aten.ts';
import * as aten from './aten.ts';
import { tidy } from './scope.ts';
import type { Tensor } from './tensor.ts';

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
}

/** 1-d convolution. input [B, Cin, T], weight [Cout, Cin/groups, K], bias [Cout] -> [B, Cout, T']. */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: ConvOptions = {},
): Tensor {
  return aten.conv1d(input, weight, bias, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1);
}

/** 2-d convolution. input [B, Cin, H, W], weight [Cout, Cin/groups, kH, kW] -> [B, Cout, H', W']. */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: ConvOptions = {},
): Tensor {
  return aten.conv2d(input, weight, bias, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1);
}

/**
 * Transposed 1-d convolution. input [B, Cin, T], weight [Cin, Cout/groups, K] -> [B, Cout, T'] with
 * T' = (T - 1) * stride - 2 * padding + dilation * (K - 1) + outputPadding + 1.
 * A strided one (groups 1, dilation 1, batched input) runs as its polyphase equivalent (see
 * `polyphaseConvTranspose1d`); the others as libtorch's `conv_transpose1d`.
 */
export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: ConvOptions & { outputPadding?: number } = {},
): Tensor {
  const stride = (o.stride as number | undefined) ?? 1;
  const padding = (o.padding as number | undefined) ?? 0;
  const outputPadding = o.outputPadding ?? 0;
  const groups = o.groups ?? 1;
  const dilation = (o.dilation as number | undefined) ?? 1;
  if (stride > 1 && groups === 1 && dilation === 1 && input.ndim === 3) {
    return polyphaseConvTranspose1d(input, weight, bias, stride, padding, outputPadding);
  }
  return aten.conv_transpose1d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
}

/**
 * A transposed 1-d convolution of stride s (groups 1, dilation 1) as one plain convolution with s·Cout
 * outputs, one per output phase, interleaved afterwards: output sample o = s·q + r − p takes the taps
 * k ≡ r (mod s), k = r + s·j, at input q − j, so phase r is a cross-correlation with J = ⌈K / s⌉ taps (weight
 * taps reversed, J − 1 zeros padded on both sides). The same sums as libtorch's `slow_conv_transpose2d` (im2col
 * GEMM + col2im, its only CPU kernel in 1.13), in another order (float rounding differs by ~1e-6 relative),
 * and 5-25x faster on HiFiGAN's and MelGAN's upsamplers through the oneDNN convolution.
 * input [B, Cin, T], weight [Cin, Cout, K], bias [Cout] -> [B, Cout, T'].
 */
function polyphaseConvTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  s: number,
  p: number,
  outputPadding: number,
): Tensor {
  return tidy(() => {
    const [cIn, cOut, k] = weight.shape;
    const [b, , t] = input.shape;
    const taps = Math.ceil(k / s);
    const tOut = (t - 1) * s - 2 * p + k + outputPadding;
    // [Cin, Cout, J·s] -> [Cin, Cout, J, s] -> [Cout, s, Cin, J], taps reversed -> [Cout·s, Cin, J]
    const w = pad(weight, [0, taps * s - k])
      .view(cIn, cOut, taps, s)
      .permute(1, 3, 0, 2)
      .flip(3)
      .reshape(cOut * s, cIn, taps);
    const q = Math.max(t + taps - 1, Math.ceil((p + tOut) / s));
    const x = q > t + taps - 1 ? pad(input, [taps - 1, q - t]) : input;
    const z = aten.conv1d(x, w, bias?.repeatInterleave(s) ?? null, 1, x === input ? taps - 1 : 0, 1, 1);
    // [B, Cout·s, Q] -> [B, Cout, Q, s] -> [B, Cout, Q·s], samples p .. p + T'
    const y = z
      .view(b, cOut, s, q)
      .transpose(2, 3)
      .reshape(b, cOut, q * s);
    return y.size(2) === tOut ? y : y.narrow(2, p, tOut).contiguous();
  });
}

/** y = x W^T + b. x [..., in], weight [out, in], bias [out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return aten.linear(x, weight, bias);
}

/** Rows of `weight` [num, dim] picked by integer `ids` [...] -> [..., dim]. */
export function embedding(ids: Tensor, weight: Tensor, paddingIdx = -1): Tensor {
  return aten.embedding(weight, ids, paddingIdx);
}

/** Layer norm over the trailing `normalizedShape` dims. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  return aten.layer_norm(x, normalizedShape, weight, bias, eps);
}

/**
 * Batch norm over [B, C, ...] with running statistics (updated in place when `training`).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return aten.batch_norm(x, weight, bias, runningMean, runningVar, training, momentum, eps, false);
}

/** Group norm over [B, C, ...] with `numGroups` groups of channels. */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  return aten.group_norm(x, numGroups, weight, bias, eps, false);
}

/** Instance norm over [B, C, ...] (statistics per item and channel). */
export function instanceNorm(
  x: Tensor,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  return aten.instance_norm(x, weight, bias, null, null, true, 0.1, eps, false);
}

/**
 * Zeroes elements with probability `p` and scales the rest by 1/(1-p) when `training` (PyTorch's dropout).
 *
 * On the CPU the mask is cut from 64-bit draws of this thread's generator, four 16-bit uniform integers a
 * draw, instead of aten::dropout's one double-precision Bernoulli draw per element (a serial loop: the
 * decoder's dropout was ~20% of a Glow-TTS training forward, and it does not get faster with threads). The
 * keep probability is rounded to a multiple of 1/65536 (|error| <= 7.6e-6) and the kept elements are scaled by
 * its exact inverse, so E[output] = x as in PyTorch. The distribution is PyTorch's up to that rounding, the
 * random stream is not: a seed gives other masks than torch.nn.functional.dropout (Coqui's parity fixtures run
 * in eval mode, where dropout is the identity). Other devices use aten::dropout.
 */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!training || p === 0) return aten.alias(x);
  const keepLevels = Math.round((1 - p) * 65536); // keep an element when its 16-bit draw u < keepLevels
  if (x.device !== 'cpu' || !(p > 0 && p < 1) || keepLevels === 0 || x.numel === 0) {
    return aten.dropout(x, p, training);
  }
  if (keepLevels === 65536) return aten.alias(x);
  const n = x.numel;
  const draws = aten.random__from(
    aten.empty_memory_format([Math.ceil(n / 4)], 'int64'),
    -(2 ** 63),
    null,
    null,
  );
  const u = aten.view_dtype(draws, 'int16').slice(0, 0, n).view(x.shape); // uniform in [-32768, 32767]
  const mask = aten.where_Scalar(aten.lt_Scalar(u, keepLevels - 32768), 65536 / keepLevels, 0);
  return x.mul(mask.to(x.dtype));
}

export function relu(x: Tensor): Tensor {
  return aten.relu(x);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return aten.leaky_relu(x, negativeSlope);
}

/**
 * Leaky ReLU in place: overwrites and returns `x` (PyTorch's `F.leaky_relu(x, s, inplace=True)`). Autograd
 * takes it for a slope >= 0 (its backward reads the output), so it suits a fresh tensor nothing else reads.
 */
export function leakyRelu_(x: Tensor, negativeSlope = 0.01): Tensor {
  aten.leaky_relu_(x, negativeSlope).dispose();
  return x;
}

/** GELU; `approximate: 'tanh'` for the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return aten.gelu(x, approximate);
}

export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return aten.softplus(x, beta, threshold);
}

export function sigmoid(x: Tensor): Tensor {
  return aten.sigmoid(x);
}

export function tanh(x: Tensor): Tensor {
  return aten.tanh(x);
}

export function silu(x: Tensor): Tensor {
  return aten.silu(x);
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return aten.elu(x, alpha);
}

export function softmax(x: Tensor, dim: number): Tensor {
  return aten.softmax_int(x, dim);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return aten.log_softmax_int(x, dim);
}

/** Gated linear unit: splits `dim` in halves a, b and returns a * sigmoid(b). */
export function glu(x: Tensor, dim = -1): Tensor {
  return aten.glu(x, dim);
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Pads the last dimensions: `pad` lists (left, right) pairs starting from the LAST dimension, as in
 * PyTorch's F.pad: [1, 2] pads the last dim by 1 before and 2 after; [l, r, t, b] pads the last two.
 */
export function pad(x: Tensor, padding: number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (mode === 'constant') return aten.constant_pad_nd(x, padding, value);
  const dims = padding.length / 2;
  if (mode === 'reflect') {
    if (dims === 1) return aten.reflection_pad1d(x, padding);
    if (dims === 2) return aten.reflection_pad2d(x, padding);
    return aten.reflection_pad3d(x, padding);
  }
  if (mode === 'replicate') {
    if (dims === 1) return aten.replication_pad1d(x, padding);
    if (dims === 2) return aten.replication_pad2d(x, padding);
    return aten.replication_pad3d(x, padding);
  }
  return aten.pad(x, padding, mode, null);
}

export type InterpolateMode = 'nearest' | 'linear' | 'bilinear';

/**
 * Resizes the trailing spatial dims of [B, C, T] (or [B, C, H, W]) to `size`, or by `scaleFactor`.
 */
export function interpolate(
  x: Tensor,
  options: {
    size?: number | number[];
    scaleFactor?: number | number[];
    mode?: InterpolateMode;
    alignCorners?: boolean;
  },
): Tensor {
  const mode = options.mode ?? 'nearest';
  const spatial = x.ndim - 2;
  const toList = (v: number | number[] | undefined) =>
    v === undefined ? null : typeof v === 'number' ? new Array(spatial).fill(v) : v;
  const size = toList(options.size);
  const scales = toList(options.scaleFactor);
  if (mode === 'nearest') {
    return spatial === 1
      ? aten.upsample_nearest1d_vec(x, size, scales)
      : aten.upsample_nearest2d_vec(x, size, scales);
  }
  if (mode === 'linear') return aten.upsample_linear1d_vec(x, size, options.alignCorners ?? false, scales);
  return aten.upsample_bilinear2d_vec(x, size, options.alignCorners ?? false, scales);
}

/** Max pooling over [B, C, T]. */
export function maxPool1d(x: Tensor, kernelSize: number, stride?: number, padding = 0): Tensor {
  return aten.max_pool1d(x, kernelSize, stride ?? kernelSize, padding);
}

/** Average pooling over [B, C, T]. */
export function avgPool1d(x: Tensor, kernelSize: number, stride?: number, padding = 0): Tensor {
  return aten.avg_pool1d(x, kernelSize, stride ?? kernelSize, padding);
}

// ----- losses (elementwise building blocks; the TTS losses live in src/tts/layers/losses) -----------------------

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return aten.l1_loss(input, target, REDUCTION[reduction]);
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return aten.mse_loss(input, target, REDUCTION[reduction]);
}

export function smoothL1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean', beta = 1): Tensor {
  return aten.smooth_l1_loss(input, target, REDUCTION[reduction], beta);
}

/** Binary cross-entropy on logits, optionally with per-element `weight` and `posWeight`. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return aten.binary_cross_entropy_with_logits(
    logits,
    target,
    options.weight ?? null,
    options.posWeight ?? null,
    REDUCTION[options.reduction ?? 'mean'],
  );
}

/** Cross-entropy of logits [N, C] against class ids [N] (int64). */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number } = {},
): Tensor {
  return aten.cross_entropy_loss(
    logits,
    target,
    null,
    REDUCTION[options.reduction ?? 'mean'],
    options.ignoreIndex ?? -100,
    options.labelSmoothing ?? 0,
  );
}

// ----- signal processing ----------------------------------------------------------------------------------------

export interface StftOptions {
  nFft: number;
  hopLength?: number;
  winLength?: number;
  window?: Tensor | null;
  /** Pad both ends by nFft/2 so frame t is centred at t * hop (default true). */
  center?: boolean;
  padMode?: 'reflect' | 'constant' | 'replicate';
  normalized?: boolean;
  onesided?: boolean;
}

/**
 * Short-time Fourier transform of [T] or [B, T] signals -> complex [(B,) nFft/2+1, frames].
 * With `center`, frames = 1 + floor(T / hop) (librosa's convention).
 */
export function stft(x: Tensor, o: StftOptions): Tensor {
  return aten.stft_center(
    x,
    o.nFft,
    o.hopLength ?? Math.floor(o.nFft / 4),
    o.winLength ?? o.nFft,
    o.window ?? null,
    o.center ?? true,
    o.padMode ?? 'reflect',
    o.normalized ?? false,
    o.onesided ?? true,
    true,
  );
}

/** Inverse STFT of a complex [(B,) nFft/2+1, frames] spectrum -> [(B,) T]. */
export function istft(spec: Tensor, o: StftOptions & { length?: number }): Tensor {
  return aten.istft(
    spec,
    o.nFft,
    o.hopLength ?? Math.floor(o.nFft / 4),
    o.winLength ?? o.nFft,
    o.window ?? null,
    o.center ?? true,
    o.normalized ?? false,
    o.onesided ?? true,
    o.length ?? null,
    false,
  );
}

/** Real FFT along `dim` -> complex with n/2+1 bins. */
export function rfft(x: Tensor, n?: number, dim = -1): Tensor {
  return aten.fft_rfft(x, n ?? null, dim, null);
}

/** Inverse of rfft -> real signal of length n. */
export function irfft(x: Tensor, n?: number, dim = -1): Tensor {
  return aten.fft_irfft(x, n ?? null, dim, null);
}

/** Periodic Hann window of `length` (PyTorch's torch.hann_window default; librosa's 'hann' for STFT). */
export function hannWindow(
  length: number,
  options: { periodic?: boolean; dtype?: 'float32' | 'float64' } = {},
): Tensor {
  return aten.hann_window_periodic(length, options.periodic ?? true, options.dtype ?? 'float32');
}

/** Complex -> magnitude. */
export function complexAbs(x: Tensor): Tensor {
  return aten.abs(x);
}

/** Real and imaginary parts of a complex tensor as a trailing dim of 2: [..., 2]. */
export function viewAsReal(x: Tensor): Tensor {
  return aten.view_as_real(x);
}

/** Builds a complex tensor from a real one with a trailing dim of 2. */
export function viewAsComplex(x: Tensor): Tensor {
  return aten.view_as_complex(x);
}

/** Complex tensor from real and imaginary parts. */
export function complex(real: Tensor, imag: Tensor): Tensor {
  return aten.complex(real, imag);
}

/** Complex tensor from magnitude and phase (radians). */
export function polar(abs: Tensor, angle: Tensor): Tensor {
  return aten.polar(abs, angle);
}

// ----- linear algebra -------------------------------------------------------------------------------------------

/** Matrix inverse of [..., N, N]. */
export function inverse(x: Tensor): Tensor {
  return aten.inverse(x);
}

/** Sign and log|det| of [..., N, N] (differentiable in logabsdet). */
export function slogdet(x: Tensor): { sign: Tensor; logabsdet: Tensor } {
  const [sign, logabsdet] = aten.linalg_slogdet(x);
  return { sign, logabsdet };
}

/** QR decomposition of [..., M, N]. */
export function qr(x: Tensor): { q: Tensor; r: Tensor } {
  const [q, r] = aten.linalg_qr(x, 'reduced');
  return { q, r };
}

// ----- recurrent ------------------------------------------------------------------------------------------------

/**
 * One LSTM step. x [B, In], h/c [B, H], weights w_ih [4H, In], w_hh [4H, H], biases [4H].
 * Returns the new {h, c}.
 */
export function lstmCell(
  x: Tensor,
  state: { h: Tensor; c: Tensor },
  wIh: Tensor,
  wHh: Tensor,
  bIh: Tensor | null = null,
  bHh: Tensor | null = null,
): { h: Tensor; c: Tensor } {
  const [h, c] = aten.lstm_cell(x, [state.h, state.c], wIh, wHh, bIh, bHh);
  return { h, c };
}

/**
 * A multi-layer LSTM over a whole sequence (PyTorch's fused kernel). `params` are, per layer and direction,
 * [w_ih, w_hh, b_ih, b_hh] as nn.LSTM stores them. input [B, T, In] when batchFirst.
 * Returns output [B, T, D*H] and final {h, c} [layers*D, B, H].
 */
export function lstm(
  input: Tensor,
  state: { h: Tensor; c: Tensor },
  params: Tensor[],
  o: {
    numLayers: number;
    bidirectional?: boolean;
    batchFirst?: boolean;
    dropout?: number;
    training?: boolean;
    hasBiases?: boolean;
  },
): { output: Tensor; h: Tensor; c: Tensor } {
  const [output, h, c] = aten.lstm_input(
    input,
    [state.h, state.c],
    params,
    o.hasBiases ?? true,
    o.numLayers,
    o.dropout ?? 0,
    o.training ?? false,
    o.bidirectional ?? false,
    o.batchFirst ?? true,
  );
  return { output, h, c };
}

/** Row-wise one-hot of int64 ids -> int64 [..., numClasses]. */
export function oneHot(ids: Tensor, numClasses = -1): Tensor {
  return aten.one_hot(ids, numClasses);
}

/**
 * A [B, T] bool mask that is true where t < lengths[b] (PyTorch code's `sequence_mask`).
 * lengths: int64 [B]; maxLength defaults to max(lengths).
 */
export function sequenceMask(lengths: Tensor, maxLength?: number): Tensor {
  const t = maxLength ?? lengths.max().item();
  const range = aten.arange(t, 'int64', null, lengths.device);
  const mask = range.unsqueeze(0).lt(lengths.unsqueeze(1));
  range.dispose();
  return mask;
}

export type { Scalar };
