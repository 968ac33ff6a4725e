/**
 * Autograd helpers beyond Tensor.backward(): no-grad scopes, gradients of outputs w.r.t. inputs,
 * gradient-norm clipping.
 */
import * as aten from './aten.ts';
import { HANDLE } from './dispatch.ts';
import { native } from './native.ts';
import { tidy } from './scope.ts';
import { stack, Tensor } from './tensor.ts';

/** Runs `fn` with gradient recording off (torch.no_grad). Works for sync functions only. */
export function noGrad<T>(fn: () => T): T {
  const prev = native.isGradEnabled();
  native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` with gradient recording on (inside a noGrad scope). */
export function enableGrad<T>(fn: () => T): T {
  const prev = native.isGradEnabled();
  native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export function setGradEnabled(enabled: boolean): void {
  native.setGradEnabled(enabled);
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad); null where an input is unused
 * and `allowUnused` is set.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  options: {
    gradOutputs?: (Tensor | null)[];
    retainGraph?: boolean;
    createGraph?: boolean;
    allowUnused?: boolean;
  } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const res = native.grad(
    outs.map((t) => t[HANDLE]),
    inputs.map((t) => t[HANDLE]),
    (options.gradOutputs ?? []).map((g) => (g ? g[HANDLE] : null)),
    options.retainGraph ?? options.createGraph ?? false,
    options.createGraph ?? false,
    options.allowUnused ?? false,
  );
  return res.map((h) => (h === null ? null : new Tensor(h)));
}

/** Backward from several tensors at once (torch.autograd.backward). */
export function backward(tensors: Tensor[], grads?: (Tensor | null)[], retainGraph = false): void {
  native.backward(
    tensors.map((t) => t[HANDLE]),
    (grads ?? []).map((g) => (g ? g[HANDLE] : null)),
    retainGraph,
    false,
  );
}

/**
 * Scales the gradients of `parameters` in place so that their global `normType`-norm is at most `maxNorm`
 * (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping (a number; Infinity/NaN propagate).
 */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  const grads: Tensor[] = [];
  for (const p of parameters) {
    const g = p.grad;
    if (g) grads.push(g);
  }
  if (grads.length === 0) return 0;
  // In one scope, with list ops: one native call for the per-gradient norms (libtorch's foreach kernels; on
  // CPU they run linalg_vector_norm per tensor, as PyTorch's loop) and one for the scaling.
  const totalNorm = noGrad(() =>
    tidy(() => {
      const norms =
        normType === Number.POSITIVE_INFINITY
          ? grads.map((g) => g.abs().amax())
          : aten._foreach_norm_Scalar(grads, normType);
      const s = stack(norms);
      const total = normType === Number.POSITIVE_INFINITY ? s.amax() : aten.linalg_vector_norm(s, normType);
      const value = total.item();
      const coef = maxNorm / (value + 1e-6);
      if (coef < 1) aten._foreach_mul__Scalar(grads, coef);
      return value;
    }),
  );
  for (const g of grads) g.dispose();
  return totalNorm;
}
