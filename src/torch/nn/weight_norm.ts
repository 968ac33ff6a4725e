/**
 * Weight normalisation (Salimans & Kingma 2016) as PyTorch's legacy `torch.nn.utils.weight_norm`: the parameter
 * `weight` is replaced by `weight_g` (magnitude, `[out, 1, 1]` for dim 0) and `weight_v` (direction, the
 * weight's shape), and `weight = g * v / ‖v‖` (norm over every dim but `dim`) is recomputed on every read of
 * the module's `weight` field, i.e. on every forward. State-dict keys are `*.weight_g` / `*.weight_v` as in
 * Coqui's checkpoints; `loadStateDict` also accepts torch >= 2.1's `*.parametrizations.weight.original0/1`
 * (see `convertWeightNormKeys`).
 */

import * as aten from '../aten.ts';
import { noGrad } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';
import type { Module } from './module.ts';

export { convertWeightNormKeys, type WeightNormKeyScheme, weightNormDimOf } from './weight_norm_keys.ts';

interface WeightNormState {
  dim: number;
  /** Fields of the module that held the weight (now getters). */
  fields: string[];
}

const registry = new WeakMap<Module, Map<string, WeightNormState>>();

/** The weight-normed parameter names of a module (with their dims). */
export function weightNormsOf(module: Module): Map<string, number> {
  return new Map(
    [...(registry.get(module) ?? new Map<string, WeightNormState>())].map(([k, s]) => [k, s.dim]),
  );
}

/** weight = g * v / ‖v‖ for `name` of a weight-normed module (a new tensor, differentiable in g and v). */
export function computeWeightNorm(module: Module, name = 'weight'): Tensor {
  const state = registry.get(module)?.get(name);
  if (!state) throw new Error(`${module.constructor.name}: "${name}" is not weight-normed`);
  const g = module.getParameter(`${name}_g`);
  const v = module.getParameter(`${name}_v`);
  if (!g || !v) throw new Error(`${module.constructor.name}: ${name}_g / ${name}_v are missing`);
  return aten._weight_norm(v, g, state.dim);
}

/**
 * Applies weight normalisation to the parameter `name` of `module` (in place) and returns the module.
 * g is initialised to ‖weight‖ over every dim but `dim` (so the weight is unchanged), v to the weight.
 * `dim = -1` normalises over the whole tensor (g is a scalar).
 */
export function weightNorm<M extends Module>(module: M, name = 'weight', dim = 0): M {
  const states = registry.get(module) ?? new Map<string, WeightNormState>();
  if (states.has(name))
    throw new Error(`${module.constructor.name}: weight norm already applied to "${name}"`);
  const weight = module.getParameter(name);
  if (!weight) throw new Error(`${module.constructor.name} has no parameter "${name}"`);
  const d = dim < -1 ? dim + weight.ndim : dim;
  const { g, v } = noGrad(() => ({
    g: aten.norm_except_dim(weight, 2, d),
    v: weight.detach().clone(),
  }));
  module.deleteParameter(name);
  module.registerParameter(`${name}_g`, g);
  module.registerParameter(`${name}_v`, v);
  const fields: string[] = [];
  for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(module))) {
    if ('value' in desc && desc.value === weight) fields.push(key);
  }
  states.set(name, { dim: d, fields });
  registry.set(module, states);
  for (const key of fields) {
    Object.defineProperty(module, key, {
      configurable: true,
      enumerable: true,
      get: () => computeWeightNorm(module, name),
    });
  }
  return module;
}

/** Undoes `weightNorm`: `name` becomes a plain parameter again holding the current g * v / ‖v‖. Returns the module. */
export function removeWeightNorm<M extends Module>(module: M, name = 'weight'): M {
  const states = registry.get(module);
  const state = states?.get(name);
  if (!states || !state) throw new Error(`${module.constructor.name}: weight norm of "${name}" not found`);
  const w = noGrad(() => computeWeightNorm(module, name));
  const requiresGrad = module.getParameter(`${name}_v`)?.requiresGrad ?? true;
  module.deleteParameter(`${name}_g`);
  module.deleteParameter(`${name}_v`);
  states.delete(name);
  for (const key of state.fields) {
    Object.defineProperty(module, key, { configurable: true, enumerable: true, writable: true, value: w });
  }
  module.registerParameter(name, w, { requiresGrad });
  return module;
}
