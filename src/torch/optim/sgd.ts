/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, computing
 * exactly what PyTorch 1.13's `torch.optim.SGD` computes (its single-tensor path, op by op; the list
 * (`_foreach_*`) ops used here run the same kernels on CPU, one native call per group).
 */

import * as aten from '../aten.ts';
import { keep } from '../scope.ts';
import type { Tensor } from '../tensor.ts';
import {
  checkBoolean,
  checkNonNegative,
  type GroupBatch,
  invalid,
  Optimizer,
  type ParamGroup,
  type Params,
} from './optimizer.ts';

/** SGD hyper-parameters (PyTorch's defaults except `lr`, which is required). */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/** A parameter group of SGD. */
export interface SGDGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** SGD's per-parameter state: the momentum buffer (null while momentum is 0, as PyTorch). */
export interface SGDState {
  momentumBuffer: Tensor | null;
  [key: string]: Tensor | number | boolean | null;
}

/** torch.optim.SGD. */
export class SGD extends Optimizer<SGDGroup, SGDState> {
  constructor(params: Params, options: SGDOptions) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: SGDGroup): void {
    checkNonNegative('SGD', 'lr', g.lr);
    checkNonNegative('SGD', 'momentum', g.momentum);
    if (typeof g.dampening !== 'number' || !Number.isFinite(g.dampening)) {
      invalid('SGD', 'dampening', g.dampening, 'expected a finite number');
    }
    checkNonNegative('SGD', 'weightDecay', g.weightDecay);
    checkBoolean('SGD', 'nesterov', g.nesterov);
    checkBoolean('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      invalid('SGD', 'nesterov', g.nesterov, 'Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected updateGroup(g: SGDGroup, { params, grads, states }: GroupBatch<SGDState>): void {
    let dp = g.maximize ? aten._foreach_neg(grads) : grads;
    if (g.weightDecay !== 0) dp = aten._foreach_add_List(dp, params, g.weightDecay);
    if (g.momentum !== 0) {
      // Parameters with a buffer: buf = buf * momentum + (1 - dampening) * d_p; the others start at d_p.
      const withBuf: number[] = [];
      states.forEach((s, i) => {
        if (s.momentumBuffer === null) s.momentumBuffer = keep(dp[i].detach().clone());
        else withBuf.push(i);
      });
      if (withBuf.length > 0) {
        const bufs = withBuf.map((i) => states[i].momentumBuffer as Tensor);
        aten._foreach_mul__Scalar(bufs, g.momentum);
        aten._foreach_add__List(
          bufs,
          withBuf.map((i) => dp[i]),
          1 - g.dampening,
        );
      }
      const bufs = states.map((s) => s.momentumBuffer as Tensor);
      dp = g.nesterov ? aten._foreach_add_List(dp, bufs, g.momentum) : bufs;
    }
    aten._foreach_add__List(params, dp, -g.lr);
  }
}
