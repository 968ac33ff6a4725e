/**
 * Monotonic rational-quadratic spline transform with linear tails (Durkan et al. 2019, "Neural Spline
 * Flows", https://arxiv.org/abs/1906.04032), the bijection inside VITS's ConvFlow (Coqui's
 * `TTS.tts.layers.vits.transforms`, adopted from nflows).
 *
 * Inside [-tailBound, tailBound] each element is mapped by a spline of `K` bins whose widths, heights and
 * inner knot derivatives come from unnormalised parameters; outside it is the identity (log|det| 0). Coqui
 * selects the inside elements with boolean indexing; here every element runs through the spline on a clamped
 * copy and `where` keeps the spline's value inside and the input outside: the same float operations per
 * element, with shapes independent of the data.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';

export const DEFAULT_MIN_BIN_WIDTH = 1e-3;
export const DEFAULT_MIN_BIN_HEIGHT = 1e-3;
export const DEFAULT_MIN_DERIVATIVE = 1e-3;

/** Spline parameters per element; every tensor is `[..., K]` (derivatives `[..., K - 1]`: the inner knots). */
export interface SplineParams {
  unnormalizedWidths: Tensor;
  unnormalizedHeights: Tensor;
  unnormalizedDerivatives: Tensor;
}

export interface SplineOptions {
  /** Inverse direction (y -> x). */
  inverse?: boolean;
  /** The spline covers [-tailBound, tailBound]; outside, identity. */
  tailBound?: number;
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

/** What the transform returns: outputs and log|d outputs / d inputs| per element, both the inputs' shape. */
export interface SplineOutput {
  outputs: Tensor;
  logabsdet: Tensor;
}

/**
 * Knot positions from unnormalised bin sizes `[..., K]`: softmax, a floor of `minBin` per bin, cumulative sum
 * scaled to [lo, hi] with the end knots set exactly -> `{ cum: [..., K + 1], sizes: [..., K] }`.
 */
function knots(unnormalized: Tensor, minBin: number, lo: number, hi: number): { cum: Tensor; sizes: Tensor } {
  const k = unnormalized.size(-1);
  if (minBin * k > 1)
    throw new RangeError('rational quadratic spline: minimal bin size too large for the bins');
  const sizes = unnormalized
    .softmax(-1)
    .mul(1 - minBin * k)
    .add(minBin);
  const inner = sizes
    .cumsum(-1)
    .mul(hi - lo)
    .add(lo)
    .slice(-1, 0, k - 1);
  const first = torch.fullLike(inner.slice(-1, 0, 1), lo);
  const last = torch.fullLike(first, hi);
  const cum = torch.cat([first, inner, last], -1);
  return { cum, sizes: cum.slice(-1, 1).sub(cum.slice(-1, 0, k)) };
}

/** Index of the bin of each input: how many knots (the last nudged up by 1e-6) are <= it, minus one. */
function binIndex(knotsCum: Tensor, inputs: Tensor): Tensor {
  const k = knotsCum.size(-1) - 1;
  const locations = torch.cat([knotsCum.slice(-1, 0, k), knotsCum.slice(-1, k).add(1e-6)], -1);
  return inputs.unsqueeze(-1).ge(locations).sum(-1, true).sub(1);
}

/**
 * The rational-quadratic spline with linear tails (Coqui's `piecewise_rational_quadratic_transform` with
 * `tails="linear"`). inputs `[...]`; params `[..., K]` / `[..., K - 1]` -> outputs and log|det| `[...]`
 * (for the inverse, log|det| of the inverse map).
 */
export function rationalQuadraticSpline(
  inputs: Tensor,
  params: SplineParams,
  o: SplineOptions = {},
): SplineOutput {
  const bound = o.tailBound ?? 1;
  const minDerivative = o.minDerivative ?? DEFAULT_MIN_DERIVATIVE;
  return torch.tidy(() => {
    const inside = inputs.ge(-bound).logicalAnd(inputs.le(bound));
    const x = inputs.clamp(-bound, bound);
    // linear tails: the boundary derivatives are 1 (softplus(c) = 1 - minDerivative)
    const c = Math.log(Math.exp(1 - minDerivative) - 1);
    const ends = torch.fullLike(params.unnormalizedDerivatives.slice(-1, 0, 1), Math.fround(c));
    const derivatives = torch.F.softplus(torch.cat([ends, params.unnormalizedDerivatives, ends], -1)).add(
      minDerivative,
    );
    const w = knots(params.unnormalizedWidths, o.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH, -bound, bound);
    const h = knots(params.unnormalizedHeights, o.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT, -bound, bound);
    const idx = binIndex(o.inverse ? h.cum : w.cum, x);
    const pick = (t: Tensor) => t.gather(-1, idx).squeeze(-1);
    const cumW = pick(w.cum);
    const binW = pick(w.sizes);
    const cumH = pick(h.cum);
    const delta = h.sizes.div(w.sizes);
    const binDelta = pick(delta);
    const d0 = pick(derivatives);
    const d1 = pick(derivatives.slice(-1, 1));
    const binH = pick(h.sizes);
    const dSum = d0.add(d1).sub(binDelta.mul(2));
    let outputs: Tensor;
    let theta: Tensor;
    if (o.inverse) {
      const dy = x.sub(cumH);
      const a = dy.mul(dSum).add(binH.mul(binDelta.sub(d0)));
      const b = binH.mul(d0).sub(dy.mul(dSum));
      const cc = binDelta.neg().mul(dy);
      const discriminant = b.pow(2).sub(a.mul(4).mul(cc));
      theta = cc.mul(2).div(b.neg().sub(discriminant.sqrt()));
      outputs = theta.mul(binW).add(cumW);
    } else {
      theta = x.sub(cumW).div(binW);
      const t1mt = theta.mul(theta.rsub(1));
      const numerator = binH.mul(binDelta.mul(theta.pow(2)).add(d0.mul(t1mt)));
      outputs = cumH.add(numerator.div(binDelta.add(dSum.mul(t1mt))));
    }
    const t1mt = theta.mul(theta.rsub(1));
    const denominator = binDelta.add(dSum.mul(t1mt));
    const derivativeNumerator = binDelta.pow(2).mul(
      d1
        .mul(theta.pow(2))
        .add(binDelta.mul(2).mul(t1mt))
        .add(d0.mul(theta.rsub(1).pow(2))),
    );
    let logabsdet = derivativeNumerator.log().sub(denominator.log().mul(2));
    if (o.inverse) logabsdet = logabsdet.neg();
    return {
      outputs: torch.where(inside, outputs, inputs),
      logabsdet: torch.where(inside, logabsdet, torch.zerosLike(logabsdet)),
    };
  });
}
