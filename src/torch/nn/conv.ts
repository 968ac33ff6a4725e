/**
 * Convolutions with PyTorch's parameter names, shapes and default initialisation: `Conv1d` (`[B, C, T]`),
 * `Conv2d` (`[B, C, H, W]`), `ConvTranspose1d`.
 */

import * as aten from '../aten.ts';
import * as F from '../functional.ts';
import { tidy } from '../scope.ts';
import { empty, type Tensor } from '../tensor.ts';
import { resetLinearLike_ } from './init.ts';
import { Module } from './module.ts';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv1dOptions {
  stride?: number;
  /** Zero padding on both sides, or 'same' (output length = input length; stride 1 only) / 'valid' (0). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  /** Learn a bias (default true). */
  bias?: boolean;
  /** How padding is filled (default 'zeros'). */
  paddingMode?: PaddingMode;
}

function checkChannels(kind: string, inChannels: number, outChannels: number, groups: number): void {
  if (groups <= 0 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${kind}: in (${inChannels}) and out (${outChannels}) channels must be divisible by groups (${groups})`,
    );
  }
}

/** (left, right) amounts of 'same' padding for each spatial dim (PyTorch puts the extra one on the right). */
function samePadding(kernel: number[], dilation: number[]): [number, number][] {
  return kernel.map((k, i) => {
    const total = dilation[i] * (k - 1);
    const left = Math.floor(total / 2);
    return [left, total - left];
  });
}

/**
 * 1-d convolution (PyTorch's `nn.Conv1d`). weight `[C_out, C_in / groups, K]`, bias `[C_out]`.
 * x `[B, C_in, T]` (or unbatched `[C_in, T]`) -> `[B, C_out, T']`, T' = ⌊(T + 2p - d(K-1) - 1) / s⌋ + 1.
 */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv1dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    this.paddingMode = options.paddingMode ?? 'zeros';
    checkChannels('Conv1d', inChannels, outChannels, this.groups);
    if (this.padding === 'same' && this.stride !== 1)
      throw new Error("Conv1d: padding='same' needs stride 1");
    this.weight = this.registerParameter(
      'weight',
      empty([outChannels, inChannels / this.groups, kernelSize]),
    );
    this.bias = this.registerParameter('bias', options.bias === false ? null : empty([outChannels]));
    this.resetParameters();
  }

  resetParameters(): void {
    resetLinearLike_(this.weight, this.bias);
  }

  /** (left, right) padding. */
  get paddingAmounts(): [number, number] {
    if (this.padding === 'valid') return [0, 0];
    if (this.padding === 'same') return samePadding([this.kernelSize], [this.dilation])[0];
    return [this.padding, this.padding];
  }

  /** x `[B, C_in, T]` -> `[B, C_out, T']`. */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const o = { stride: this.stride, dilation: this.dilation, groups: this.groups };
      const [l, r] = this.paddingAmounts;
      if (this.paddingMode !== 'zeros') {
        const padded = l + r > 0 ? F.pad(x, [l, r], this.paddingMode) : x;
        return F.conv1d(padded, this.weight, this.bias, o);
      }
      // asymmetric 'same' padding (even dilated kernel): pad explicitly, as libtorch would (minus its warning)
      if (l !== r) return F.conv1d(F.pad(x, [l, r]), this.weight, this.bias, o);
      return F.conv1d(x, this.weight, this.bias, { ...o, padding: l });
    });
  }

  override extraRepr(): string {
    const extra = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}`,
      this.stride !== 1 ? `stride=${this.stride}` : '',
      this.padding !== 0 ? `padding=${JSON.stringify(this.padding)}` : '',
      this.dilation !== 1 ? `dilation=${this.dilation}` : '',
      this.groups !== 1 ? `groups=${this.groups}` : '',
      this.bias === null ? 'bias=false' : '',
    ];
    return extra.filter((s) => s !== '').join(', ');
  }
}

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/**
 * 2-d convolution (PyTorch's `nn.Conv2d`). weight `[C_out, C_in / groups, kH, kW]`, bias `[C_out]`.
 * x `[B, C_in, H, W]` -> `[B, C_out, H', W']`.
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    const p = options.padding ?? 0;
    this.padding = typeof p === 'string' ? p : pair(p);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, this.groups);
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new Error("Conv2d: padding='same' needs stride 1");
    }
    this.weight = this.registerParameter(
      'weight',
      empty([outChannels, inChannels / this.groups, ...this.kernelSize]),
    );
    this.bias = this.registerParameter('bias', options.bias === false ? null : empty([outChannels]));
    this.resetParameters();
  }

  resetParameters(): void {
    resetLinearLike_(this.weight, this.bias);
  }

  /** x `[B, C_in, H, W]` -> `[B, C_out, H', W']`. */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      if (typeof this.padding === 'string') {
        return aten.conv2d_padding(
          x,
          this.weight,
          this.bias,
          this.stride,
          this.padding,
          this.dilation,
          this.groups,
        );
      }
      return F.conv2d(x, this.weight, this.bias, {
        stride: this.stride,
        padding: this.padding,
        dilation: this.dilation,
        groups: this.groups,
      });
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}]`;
  }
}

export interface ConvTranspose1dOptions {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * Transposed 1-d convolution (PyTorch's `nn.ConvTranspose1d`). weight `[C_in, C_out / groups, K]`, bias `[C_out]`.
 * x `[B, C_in, T]` -> `[B, C_out, T']`, T' = (T - 1)s - 2p + d(K - 1) + outputPadding + 1.
 * Initialised like PyTorch (fan_in taken from the weight's dim 1, i.e. C_out / groups * K).
 */
export class ConvTranspose1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: ConvTranspose1dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    checkChannels('ConvTranspose1d', inChannels, outChannels, this.groups);
    this.weight = this.registerParameter(
      'weight',
      empty([inChannels, outChannels / this.groups, kernelSize]),
    );
    this.bias = this.registerParameter('bias', options.bias === false ? null : empty([outChannels]));
    this.resetParameters();
  }

  resetParameters(): void {
    resetLinearLike_(this.weight, this.bias);
  }

  /** x `[B, C_in, T]` -> `[B, C_out, T']`. */
  forward(x: Tensor): Tensor {
    return tidy(() =>
      F.convTranspose1d(x, this.weight, this.bias, {
        stride: this.stride,
        padding: this.padding,
        outputPadding: this.outputPadding,
        dilation: this.dilation,
        groups: this.groups,
      }),
    );
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`;
  }
}
