/**
 * State-dict key schemes of PyTorch's weight normalisation:
 *
 * - legacy `torch.nn.utils.weight_norm` (Coqui's released checkpoints): `conv.weight_g` (norm, `[out, 1, 1]`)
 *   and `conv.weight_v` (direction, the weight's shape);
 * - torch >= 2.1 `torch.nn.utils.parametrizations.weight_norm`: `conv.parametrizations.weight.original0` (= g)
 *   and `conv.parametrizations.weight.original1` (= v).
 *
 * ribbit's `weightNorm` uses the legacy names; `loadStateDict` accepts both.
 */

import * as aten from '../aten.ts';
import { noGrad } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';

const PARAMETRIZATION = /^(.*?)parametrizations\.([^.]+)\.original([01])$/;

export type WeightNormKeyScheme = 'legacy' | 'parametrizations';

/**
 * Renames the weight-norm keys of a whole state dict to one scheme: `'legacy'` (`weight_g`/`weight_v`, what
 * ribbit's modules and Coqui's checkpoints use) or `'parametrizations'` (torch >= 2.1). Other keys and every
 * tensor are passed through unchanged (same objects); the order of keys is kept.
 *
 * To `'parametrizations'`, a key `X_g` is renamed only when `X_v` exists too (and vice versa).
 */
export function convertWeightNormKeys(
  stateDict: Map<string, Tensor>,
  to: WeightNormKeyScheme = 'legacy',
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of stateDict) {
    if (to === 'legacy') {
      const m = PARAMETRIZATION.exec(k);
      out.set(m ? `${m[1]}${m[2]}_${m[3] === '0' ? 'g' : 'v'}` : k, t);
    } else {
      const m = /^(.*?)([^.]+)_([gv])$/.exec(k);
      const partner = m ? `${m[1]}${m[2]}_${m[3] === 'g' ? 'v' : 'g'}` : '';
      if (m && stateDict.has(partner)) {
        out.set(`${m[1]}parametrizations.${m[2]}.original${m[3] === 'g' ? 0 : 1}`, t);
      } else out.set(k, t);
    }
  }
  return out;
}

/** The `dim` a weight-norm magnitude `g` was computed for: its one dimension of size != 1 (-1 for a 0-d g). */
export function weightNormDimOf(g: Tensor): number {
  const shape = g.shape;
  if (shape.length === 0) return -1;
  const dims = shape.map((s, i) => (s !== 1 ? i : -1)).filter((i) => i >= 0);
  return dims.length === 1 ? dims[0] : 0;
}

/**
 * @internal Adapts the weight-norm keys of a checkpoint to a model's own keys (used by `loadStateDict`):
 * renames `parametrizations.*.original0/1` to `*_g`/`*_v`, splits a plain weight into g and v for a
 * weight-normed module, folds g and v into a plain weight for a module without weight norm.
 * `created` lists tensors computed here (to dispose after copying).
 */
export function adaptWeightNormKeys(
  incoming: Map<string, Tensor>,
  own: Map<string, Tensor>,
): { tensors: Map<string, Tensor>; renamed: { from: string[]; to: string }[]; created: Tensor[] } {
  const out = new Map(incoming);
  const renamed: { from: string[]; to: string }[] = [];
  const created: Tensor[] = [];
  for (const k of [...out.keys()]) {
    if (own.has(k)) continue;
    const m = PARAMETRIZATION.exec(k);
    if (!m) continue;
    const target = `${m[1]}${m[2]}_${m[3] === '0' ? 'g' : 'v'}`;
    const t = out.get(k) as Tensor;
    if (out.has(target)) continue;
    out.delete(k);
    out.set(target, t);
    renamed.push({ from: [k], to: target });
  }
  noGrad(() => {
    for (const [k, ownG] of own) {
      // split: model is weight-normed, checkpoint has the plain weight
      if (k.endsWith('_g')) {
        const base = k.slice(0, -2);
        const vKey = `${base}_v`;
        const w = out.get(base);
        if (own.has(vKey) && !own.has(base) && w !== undefined && !out.has(k) && !out.has(vKey)) {
          const g = aten.norm_except_dim(w, 2, weightNormDimOf(ownG));
          created.push(g);
          out.delete(base);
          out.set(k, g);
          out.set(vKey, w);
          renamed.push({ from: [base], to: k }, { from: [base], to: vKey });
        }
        continue;
      }
      // fold: checkpoint is weight-normed, model is not
      const gKey = `${k}_g`;
      const vKey = `${k}_v`;
      const g = out.get(gKey);
      const v = out.get(vKey);
      if (!out.has(k) && g !== undefined && v !== undefined && !own.has(gKey) && !own.has(vKey)) {
        const w = aten._weight_norm(v, g, weightNormDimOf(g));
        created.push(w);
        out.delete(gKey);
        out.delete(vKey);
        out.set(k, w);
        renamed.push({ from: [gKey, vKey], to: k });
      }
    }
  });
  return { tensors: out, renamed, created };
}
