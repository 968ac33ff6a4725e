/**
 * Adam (L2 weight decay, AMSGrad) and AdamW (decoupled weight decay), computing exactly what PyTorch
 * 1.13's `torch.optim.Adam` / `AdamW` compute on their default single-tensor path: the same ops in the same
 * order, issued as list (`_foreach_*`) ops, which run the same per-tensor kernels on CPU in one native call
 * per group.
 */

import * as aten from '../aten.ts';
import { keep } from '../scope.ts';
import type { Tensor } from '../tensor.ts';
import { zerosLike } from '../tensor.ts';
import {
  checkBetas,
  checkBoolean,
  checkNonNegative,
  type GroupBatch,
  Optimizer,
  type ParamGroup,
  type Params,
} from './optimizer.ts';

/** Adam / AdamW hyper-parameters (PyTorch's defaults; AdamW's `weightDecay` defaults to 1e-2). */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

/** A parameter group of Adam / AdamW. */
export interface AdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** Adam's per-parameter state. */
export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq?: Tensor;
  [key: string]: Tensor | number | boolean | null | undefined;
}

/** Shared by Adam and AdamW: everything but where the weight decay goes. */
abstract class AdamBase extends Optimizer<AdamGroup, AdamState> {
  protected validateGroup(g: AdamGroup): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkNonNegative(this.name, 'eps', g.eps);
    checkBetas(this.name, g.betas);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    checkBoolean(this.name, 'amsgrad', g.amsgrad);
    checkBoolean(this.name, 'maximize', g.maximize);
  }

  protected initState(p: Tensor, g: AdamGroup): AdamState {
    const s: AdamState = { step: 0, expAvg: keep(zerosLike(p)), expAvgSq: keep(zerosLike(p)) };
    if (g.amsgrad) s.maxExpAvgSq = keep(zerosLike(p));
    return s;
  }

  /** The Adam update of a group once `grads` hold the gradients to use (decay folded in or not). */
  protected adamUpdate(g: AdamGroup, params: Tensor[], grads: Tensor[], states: AdamState[]): void {
    const [beta1, beta2] = g.betas;
    const expAvgs = states.map((s) => s.expAvg);
    const expAvgSqs = states.map((s) => s.expAvgSq);
    aten._foreach_mul__Scalar(expAvgs, beta1);
    aten._foreach_add__List(expAvgs, grads, 1 - beta1);
    aten._foreach_mul__Scalar(expAvgSqs, beta2);
    aten._foreach_addcmul__Scalar(expAvgSqs, grads, grads, 1 - beta2);
    const stepSizes: number[] = [];
    const bc2Sqrts: number[] = [];
    for (const s of states) {
      const bc1 = 1 - beta1 ** s.step;
      const bc2 = 1 - beta2 ** s.step;
      stepSizes.push(-(g.lr / bc1));
      bc2Sqrts.push(Math.sqrt(bc2));
    }
    let second = expAvgSqs;
    if (g.amsgrad) {
      second = states.map((s) => {
        if (s.maxExpAvgSq === undefined) s.maxExpAvgSq = keep(zerosLike(s.expAvgSq));
        return s.maxExpAvgSq;
      });
      aten._foreach_maximum__List(second, expAvgSqs);
    }
    const denom = aten._foreach_sqrt(second);
    aten._foreach_div__ScalarList(denom, bc2Sqrts);
    aten._foreach_add__Scalar(denom, g.eps);
    aten._foreach_addcdiv__ScalarList(params, expAvgs, denom, stepSizes);
  }
}

/** torch.optim.Adam: weight decay is L2 (added to the gradient). */
export class Adam extends AdamBase {
  constructor(params: Params, options: AdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected updateGroup(g: AdamGroup, { params, grads, states }: GroupBatch<AdamState>): void {
    for (const s of states) s.step += 1;
    let gs = g.maximize ? aten._foreach_neg(grads) : grads;
    if (g.weightDecay !== 0) gs = aten._foreach_add_List(gs, params, g.weightDecay);
    this.adamUpdate(g, params, gs, states);
  }
}

/** torch.optim.AdamW: decoupled weight decay (`param *= 1 - lr * weightDecay` before the Adam update). */
export class AdamW extends AdamBase {
  constructor(params: Params, options: AdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 1e-2,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected updateGroup(g: AdamGroup, { params, grads, states }: GroupBatch<AdamState>): void {
    for (const s of states) s.step += 1;
    const gs = g.maximize ? aten._foreach_neg(grads) : grads;
    // PyTorch multiplies unconditionally; a factor of exactly 1 changes nothing, so it is skipped.
    if (g.lr * g.weightDecay !== 0) aten._foreach_mul__Scalar(params, 1 - g.lr * g.weightDecay);
    this.adamUpdate(g, params, gs, states);
  }
}
