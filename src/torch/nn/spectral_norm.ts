/**
 * Spectral normalisation (Miyato et al. 2018) as PyTorch's `torch.nn.utils.spectral_norm` (dim 0, one power
 * iteration per call, eps 1e-12): the parameter `weight` is replaced by `weight_orig` (the raw weight) and the
 * buffers `weight_u` `[C_out]` and `weight_v` `[prod(other dims)]`, and `weight = weight_orig / σ` with
 * σ = u · (W v), W = weight_orig reshaped to `[C_out, -1]`. State-dict keys are PyTorch's (`weight_orig`,
 * `weight_u`, `weight_v`), so Coqui checkpoints load by name.
 *
 * In training mode every read of the module's `weight` field (once per forward for the convolutions) first runs
 * one power iteration, v = normalize(Wᵀu), u = normalize(W v), and writes u and v back, as PyTorch's forward
 * pre-hook does; in eval mode the stored u and v are used as they are.
 */

import * as aten from '../aten.ts';
import { noGrad } from '../autograd.ts';
import { randn } from '../random.ts';
import type { Tensor } from '../tensor.ts';
import type { Module } from './module.ts';

const EPS = 1e-12;

/** v / max(‖v‖, eps) for a vector. */
function normalize(v: Tensor): Tensor {
  return v.div(v.norm().clampMin(EPS));
}

/** weight_orig / σ for a spectral-normed module (runs one power iteration first when `module.training`). */
export function computeSpectralNorm(module: Module, name = 'weight'): Tensor {
  const w = module.getParameter(`${name}_orig`);
  const u = module.getBuffer(`${name}_u`);
  const v = module.getBuffer(`${name}_v`);
  if (!w || !u || !v) throw new Error(`${module.constructor.name}: "${name}" is not spectral-normed`);
  const mat = w.reshape([w.shape[0], -1]);
  if (module.training) {
    noGrad(() => {
      const m = mat.detach();
      const vNew = normalize(m.transpose(0, 1).matmul(u));
      v.copy_(vNew);
      u.copy_(normalize(m.matmul(vNew)));
    });
  }
  // clones: a later call updates u and v in place while this graph may still hold them for backward
  const sigma = noGrad(() => ({ u: u.clone(), v: v.clone() }));
  return w.div(aten.dot(sigma.u, mat.matmul(sigma.v)));
}

/**
 * Applies spectral normalisation to the parameter `name` of `module` (in place) and returns the module. u and v
 * start as normalised Gaussian vectors (no power iteration until the first training-mode forward).
 */
export function spectralNorm<M extends Module>(module: M, name = 'weight'): M {
  const weight = module.getParameter(name);
  if (!weight) throw new Error(`${module.constructor.name} has no parameter "${name}"`);
  const h = weight.shape[0];
  const wdim = weight.numel / h;
  const { u, v } = noGrad(() => ({ u: normalize(randn([h])), v: normalize(randn([wdim])) }));
  module.deleteParameter(name);
  module.registerParameter(`${name}_orig`, weight);
  module.registerBuffer(`${name}_u`, u);
  module.registerBuffer(`${name}_v`, v);
  for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(module))) {
    if ('value' in desc && desc.value === weight) {
      Object.defineProperty(module, key, {
        configurable: true,
        enumerable: true,
        get: () => computeSpectralNorm(module, name),
      });
    }
  }
  return module;
}
