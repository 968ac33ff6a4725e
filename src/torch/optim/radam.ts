/**
 * Rectified Adam, in two flavours:
 *
 * - `RAdam`: PyTorch 1.13's `torch.optim.RAdam` (single-tensor path, op by op): with
 *   rho_inf = 2 / (1 - beta2) - 1 and rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t), the update is the
 *   rectified adaptive step when rho_t > 5 and the un-adapted (bias-corrected momentum) step otherwise;
 *   weight decay is L2 (added to the gradient).
 * - `CoquiRAdam`: Coqui TTS's own `TTS.utils.radam.RAdam` (from the RAdam authors' code), which Coqui's
 *   trainer builds for `optimizer: "RAdam"` (Glow-TTS, ...): threshold rho_t >= 5, `degeneratedToSgd`
 *   momentum steps before it, and decoupled weight decay (`p += -weightDecay * lr * p`) applied only on
 *   steps that update.
 */

import * as aten from '../aten.ts';
import { keep } from '../scope.ts';
import { type Tensor, zerosLike } from '../tensor.ts';
import {
  checkBetas,
  checkBoolean,
  checkNonNegative,
  type GroupBatch,
  Optimizer,
  type ParamGroup,
  type Params,
} from './optimizer.ts';

/** RAdam hyper-parameters (PyTorch's defaults). */
export interface RAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** A parameter group of RAdam. */
export interface RAdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/** RAdam's per-parameter state. */
export interface RAdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  [key: string]: Tensor | number | boolean | null;
}

function checkRAdamGroup(owner: string, g: RAdamGroup): void {
  checkNonNegative(owner, 'lr', g.lr);
  checkNonNegative(owner, 'eps', g.eps);
  checkBetas(owner, g.betas);
  checkNonNegative(owner, 'weightDecay', g.weightDecay);
}

function initRAdamState(p: Tensor): RAdamState {
  return { step: 0, expAvg: keep(zerosLike(p)), expAvgSq: keep(zerosLike(p)) };
}

/** torch.optim.RAdam (PyTorch 1.13). */
export class RAdam extends Optimizer<RAdamGroup, RAdamState> {
  constructor(params: Params, options: RAdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected validateGroup(g: RAdamGroup): void {
    checkRAdamGroup('RAdam', g);
  }

  protected initState(p: Tensor): RAdamState {
    return initRAdamState(p);
  }

  protected updateGroup(g: RAdamGroup, { params, grads, states }: GroupBatch<RAdamState>): void {
    const [beta1, beta2] = g.betas;
    const gs = g.weightDecay !== 0 ? aten._foreach_add_List(grads, params, g.weightDecay) : grads;
    const expAvgs = states.map((s) => s.expAvg);
    const expAvgSqs = states.map((s) => s.expAvgSq);
    aten._foreach_mul__Scalar(expAvgs, beta1);
    aten._foreach_add__List(expAvgs, gs, 1 - beta1);
    aten._foreach_mul__Scalar(expAvgSqs, beta2);
    aten._foreach_addcmul__Scalar(expAvgSqs, gs, gs, 1 - beta2);

    const rhoInf = 2 / (1 - beta2) - 1;
    const bc1s: number[] = [];
    const rect: number[] = [];
    const rectSqrtBc2: number[] = [];
    const rectified: number[] = [];
    const plain: number[] = [];
    states.forEach((s, i) => {
      s.step += 1;
      const t = s.step;
      const bc1 = 1 - beta1 ** t;
      const bc2 = 1 - beta2 ** t;
      bc1s.push(bc1);
      const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
      if (rhoT > 5) {
        rectified.push(i);
        rect.push(Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)));
        rectSqrtBc2.push(Math.sqrt(bc2));
      } else {
        plain.push(i);
      }
    });
    // bias_corrected_exp_avg = exp_avg / bias_correction1
    const corrected = aten._foreach_div_ScalarList(expAvgs, bc1s);
    // rectified: param -= bias_corrected_exp_avg * lr * (sqrt(bc2) / (sqrt(exp_avg_sq) + eps)) * rect
    if (rectified.length > 0) {
      const adaptive = aten._foreach_sqrt(rectified.map((i) => expAvgSqs[i]));
      aten._foreach_add__Scalar(adaptive, g.eps);
      aten._foreach_reciprocal_(adaptive); // python's `float / tensor` is tensor.reciprocal() * float
      aten._foreach_mul__ScalarList(adaptive, rectSqrtBc2);
      const upd = rectified.map((i) => corrected[i]);
      aten._foreach_mul__Scalar(upd, g.lr);
      aten._foreach_mul__List(upd, adaptive);
      aten._foreach_mul__ScalarList(upd, rect);
      aten._foreach_add__List(
        rectified.map((i) => params[i]),
        upd,
        -1,
      );
    }
    // not yet rectifiable: param -= bias_corrected_exp_avg * lr
    if (plain.length > 0) {
      const upd = plain.map((i) => corrected[i]);
      aten._foreach_mul__Scalar(upd, g.lr);
      aten._foreach_add__List(
        plain.map((i) => params[i]),
        upd,
        -1,
      );
    }
  }
}

/** CoquiRAdam hyper-parameters (Coqui's defaults). */
export interface CoquiRAdamOptions extends RAdamOptions {
  /** Take bias-corrected momentum steps while rho_t < 5 (true, Coqui's default) or no step at all. */
  degeneratedToSgd?: boolean;
}

/** A parameter group of CoquiRAdam. */
export interface CoquiRAdamGroup extends RAdamGroup {
  degeneratedToSgd: boolean;
}

/** Coqui TTS's RAdam (`TTS.utils.radam.RAdam`), the optimizer Coqui's configs name "RAdam". */
export class CoquiRAdam extends Optimizer<CoquiRAdamGroup, RAdamState> {
  constructor(params: Params, options: CoquiRAdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      degeneratedToSgd: options.degeneratedToSgd ?? true,
    });
  }

  protected validateGroup(g: CoquiRAdamGroup): void {
    checkRAdamGroup('CoquiRAdam', g);
    checkBoolean('CoquiRAdam', 'degeneratedToSgd', g.degeneratedToSgd);
  }

  protected initState(p: Tensor): RAdamState {
    return initRAdamState(p);
  }

  protected updateGroup(g: CoquiRAdamGroup, { params, grads, states }: GroupBatch<RAdamState>): void {
    const [beta1, beta2] = g.betas;
    const expAvgs = states.map((s) => s.expAvg);
    const expAvgSqs = states.map((s) => s.expAvgSq);
    aten._foreach_mul__Scalar(expAvgSqs, beta2);
    aten._foreach_addcmul__Scalar(expAvgSqs, grads, grads, 1 - beta2);
    aten._foreach_mul__Scalar(expAvgs, beta1);
    aten._foreach_add__List(expAvgs, grads, 1 - beta1);

    const nSmaMax = 2 / (1 - beta2) - 1;
    const adaptive: number[] = [];
    const adaptiveSteps: number[] = [];
    const momentum: number[] = [];
    const momentumSteps: number[] = [];
    states.forEach((s, i) => {
      s.step += 1;
      const t = s.step;
      const beta2T = beta2 ** t;
      const nSma = nSmaMax - (2 * t * beta2T) / (1 - beta2T);
      if (nSma >= 5) {
        // Left to right, as Coqui's Python expression.
        const stepSize =
          Math.sqrt(
            ((((((1 - beta2T) * (nSma - 4)) / (nSmaMax - 4)) * (nSma - 2)) / nSma) * nSmaMax) / (nSmaMax - 2),
          ) /
          (1 - beta1 ** t);
        adaptive.push(i);
        adaptiveSteps.push(-stepSize * g.lr);
      } else if (g.degeneratedToSgd) {
        momentum.push(i);
        momentumSteps.push(-(1 / (1 - beta1 ** t)) * g.lr);
      }
    });
    const decay = (idx: number[]): void => {
      if (g.weightDecay === 0 || idx.length === 0) return;
      const ps = idx.map((i) => params[i]);
      aten._foreach_add__List(ps, ps, -g.weightDecay * g.lr);
    };
    decay(adaptive);
    decay(momentum);
    if (adaptive.length > 0) {
      const denom = aten._foreach_sqrt(adaptive.map((i) => expAvgSqs[i]));
      aten._foreach_add__Scalar(denom, g.eps);
      aten._foreach_addcdiv__ScalarList(
        adaptive.map((i) => params[i]),
        adaptive.map((i) => expAvgs[i]),
        denom,
        adaptiveSteps,
      );
    }
    // p.add_(exp_avg, alpha=-step_size * lr): one fused kernel per tensor (alphas may differ).
    momentum.forEach((i, k) => {
      params[i].add_(expAvgs[i], momentumSteps[k]);
    });
  }
}
