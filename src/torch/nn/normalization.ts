/**
 * Normalisation layers with PyTorch's parameter and buffer names: `LayerNorm`, `BatchNorm1d`, `GroupNorm`,
 * `InstanceNorm1d`.
 */

import { noGrad } from '../autograd.ts';
import * as F from '../functional.ts';
import { ones, type Tensor, zeros } from '../tensor.ts';
import { Module } from './module.ts';

/**
 * Layer norm over the trailing `normalizedShape` dims (PyTorch's `nn.LayerNorm`). weight (ones) and bias
 * (zeros) have shape `normalizedShape`. x `[..., *normalizedShape]` -> same shape.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    normalizedShape: number | number[],
    options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = this.registerParameter('weight', affine ? ones(this.normalizedShape) : null);
    this.bias = this.registerParameter(
      'bias',
      affine && options.bias !== false ? zeros(this.normalizedShape) : null,
    );
  }

  /** x `[..., *normalizedShape]` -> same shape. */
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** Running-average factor (default 0.1); null: cumulative average over all batches. */
  momentum?: number | null;
  /** Learn weight/bias (default true). */
  affine?: boolean;
  /** Keep running_mean/running_var/num_batches_tracked and use them in eval mode (default true). */
  trackRunningStats?: boolean;
}

/**
 * Batch norm over the channels of `[B, C]` or `[B, C, T]` (PyTorch's `nn.BatchNorm1d`): parameters weight
 * (ones), bias (zeros) `[C]`; buffers running_mean (zeros), running_var (ones) `[C]` and num_batches_tracked
 * (int64 scalar). Training mode normalises with batch statistics and updates the running ones; eval mode uses
 * the running statistics.
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    const affine = options.affine ?? true;
    const track = options.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
    this.runningMean = this.buffer('running_mean', track ? zeros([numFeatures]) : null);
    this.runningVar = this.buffer('running_var', track ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.buffer('num_batches_tracked', track ? zeros([], { dtype: 'int64' }) : null);
  }

  /** Resets running_mean to 0, running_var to 1 and num_batches_tracked to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** x `[B, C]` or `[B, C, T]` -> same shape. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new Error(`BatchNorm1d: expected 2-d or 3-d input, got [${x.shape}]`);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      noGrad(() => this.numBatchesTracked?.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    const useBatchStats = this.training || this.runningMean === null;
    const stats = !this.training || this.runningMean !== null;
    return F.batchNorm(
      x,
      stats ? this.runningMean : null,
      stats ? this.runningVar : null,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/**
 * Group norm (PyTorch's `nn.GroupNorm`): statistics over groups of `numChannels / numGroups` channels, affine
 * weight (ones) and bias (zeros) `[C]`. x `[B, C, ...]` -> same shape.
 */
export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    if (numChannels % numGroups !== 0)
      throw new Error('GroupNorm: numChannels must be divisible by numGroups');
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = this.registerParameter('weight', affine ? ones([numChannels]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numChannels]) : null);
  }

  /** x `[B, C, ...]` -> same shape. */
  forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}

/**
 * Instance norm over `[B, C, T]` (PyTorch's `nn.InstanceNorm1d` without running statistics): each item and
 * channel normalised over time; optional affine weight/bias `[C]` (off by default, as PyTorch).
 */
export class InstanceNorm1d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    readonly numFeatures: number,
    options: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? false;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
  }

  /** x `[B, C, T]` -> same shape. */
  forward(x: Tensor): Tensor {
    return F.instanceNorm(x, this.weight, this.bias, this.eps);
  }
}
