/**
 * The VITS losses (paper section 2.5 and eq. 8-9; Coqui's `VitsGeneratorLoss` and `VitsDiscriminatorLoss`):
 *
 *     generator      kl * KL + feat * feature matching + gen * LSGAN(fake) + mel * L1(mel) + dur * duration
 *     discriminator  disc * sum over sub-discriminators of LSGAN(real -> 1, fake -> 0)
 *
 * They take the discriminator's outputs as plain tensor lists (scores `[B, N]` per sub-discriminator,
 * features `[B, C, ...]` per layer), so they do not depend on the discriminator module. Coqui's formulae are
 * kept: the feature loss is 2 * the sum (not the mean) over sub-discriminators and layers of mean |real -
 * fake| with the real features detached, and the duration term is the sum of the per-item losses.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { sequenceMask } from '../../utils/helpers.ts';

/**
 * KL divergence between the posterior (through the flow) and the expanded prior, per valid frame
 * (paper eq. 3, the sample estimate): sum((logs_p - logs_q - 0.5 + 0.5 (z_p - m_p)^2 exp(-2 logs_p)) * mask)
 * / sum(mask). zP, logsQ, mP, logsP: `[B, C, T]`; zMask: `[B, 1, T]` -> scalar, computed in float32.
 */
export function klLoss(zP: Tensor, logsQ: Tensor, mP: Tensor, logsP: Tensor, zMask: Tensor): Tensor {
  return torch.tidy(() => {
    const [z, lq, m, lp, mask] = [zP, logsQ, mP, logsP, zMask].map((t) => t.float());
    const kl = lp
      .sub(lq)
      .sub(0.5)
      .add(z.sub(m).pow(2).mul(0.5).mul(lp.mul(-2).exp()));
    return kl.mul(mask).sum().div(mask.sum());
  });
}

/** Feature matching: 2 * sum over sub-discriminators and layers of mean |real - fake| (real detached). */
export function featureLoss(featsReal: readonly Tensor[][], featsFake: readonly Tensor[][]): Tensor {
  return torch.tidy(() => {
    let loss: Tensor | null = null;
    featsReal.forEach((layers, i) => {
      layers.forEach((real, j) => {
        const l = real.float().detach().sub(featsFake[i][j].float()).abs().mean();
        loss = loss === null ? l : loss.add(l);
      });
    });
    if (loss === null) throw new Error('featureLoss: no features');
    return (loss as Tensor).mul(2);
  });
}

/** Generator LSGAN loss: sum over sub-discriminators of mean((1 - fake)^2), and each term. */
export function generatorLoss(scoresFake: readonly Tensor[]): { loss: Tensor; terms: Tensor[] } {
  return torch.tidy(() => {
    const terms = scoresFake.map((s) => s.float().rsub(1).pow(2).mean());
    return { loss: terms.reduce((a, b) => a.add(b)), terms };
  });
}

/** Discriminator LSGAN loss: sum of mean((1 - real)^2) + mean(fake^2), and the real / fake terms. */
export function discriminatorLoss(
  scoresReal: readonly Tensor[],
  scoresFake: readonly Tensor[],
): { loss: Tensor; realTerms: Tensor[]; fakeTerms: Tensor[] } {
  return torch.tidy(() => {
    const realTerms = scoresReal.map((s) => s.float().rsub(1).pow(2).mean());
    const fakeTerms = scoresFake.map((s) => s.float().pow(2).mean());
    const loss = realTerms.map((r, i) => r.add(fakeTerms[i])).reduce((a, b) => a.add(b));
    return { loss, realTerms, fakeTerms };
  });
}

/** The loss weights of a VitsConfig. */
export interface VitsLossWeights {
  klLossAlpha: number;
  genLossAlpha: number;
  featLossAlpha: number;
  melLossAlpha: number;
  durLossAlpha: number;
  discLossAlpha: number;
}

/** What the generator loss needs from one training step. */
export interface VitsGeneratorLossInputs {
  /** Mel segments of the real and the generated audio `[B, C_mel, seg]`. */
  melSlice: Tensor;
  melSliceHat: Tensor;
  /** Flow output, posterior log-scales, expanded prior `[B, C, T]`. */
  zP: Tensor;
  logsQ: Tensor;
  mP: Tensor;
  logsP: Tensor;
  /** Valid frames per item `[B]`. */
  zLengths: Tensor;
  /** Discriminator scores of the generated audio, per sub-discriminator. */
  scoresDiscFake: readonly Tensor[];
  /** Discriminator features per sub-discriminator and layer, for generated and real audio. */
  featsDiscFake: readonly Tensor[][];
  featsDiscReal: readonly Tensor[][];
  /** The model's per-item duration loss `[B]`. */
  lossDuration: Tensor;
}

/** The generator's loss items (Coqui's keys in camelCase). */
export interface VitsGeneratorLossDict extends Record<string, Tensor> {
  loss: Tensor;
  lossGen: Tensor;
  lossKl: Tensor;
  lossFeat: Tensor;
  lossMel: Tensor;
  lossDuration: Tensor;
}

/** Coqui's `VitsGeneratorLoss`: the weighted sum of the five generator terms. */
export class VitsGeneratorLoss {
  constructor(readonly weights: VitsLossWeights) {}

  forward(i: VitsGeneratorLossInputs): VitsGeneratorLossDict {
    return torch.tidy(() => {
      const w = this.weights;
      const zMask = sequenceMask(i.zLengths, i.zP.size(2)).unsqueeze(1).float();
      const lossKl = klLoss(i.zP, i.logsQ, i.mP, i.logsP, zMask).mul(w.klLossAlpha);
      const lossFeat = featureLoss(i.featsDiscReal, i.featsDiscFake).mul(w.featLossAlpha);
      const lossGen = generatorLoss(i.scoresDiscFake).loss.mul(w.genLossAlpha);
      const lossMel = i.melSlice.float().sub(i.melSliceHat.float()).abs().mean().mul(w.melLossAlpha);
      const lossDuration = i.lossDuration.float().sum().mul(w.durLossAlpha);
      const loss = lossKl.add(lossFeat).add(lossMel).add(lossGen).add(lossDuration);
      return { loss, lossGen, lossKl, lossFeat, lossMel, lossDuration };
    });
  }
}

/**
 * The discriminator's loss items: `loss` = `lossDisc`, and `lossDiscReal${i}` per sub-discriminator (Coqui
 * logs those as Python floats: here detached scalars, for logging only).
 */
export type VitsDiscriminatorLossDict = { loss: Tensor; lossDisc: Tensor } & Record<string, Tensor>;

/** Coqui's `VitsDiscriminatorLoss`: the weighted LSGAN loss and each sub-discriminator's real term. */
export class VitsDiscriminatorLoss {
  constructor(readonly weights: Pick<VitsLossWeights, 'discLossAlpha'>) {}

  forward(scoresDiscReal: readonly Tensor[], scoresDiscFake: readonly Tensor[]): VitsDiscriminatorLossDict {
    return torch.tidy(() => {
      const { loss, realTerms } = discriminatorLoss(scoresDiscReal, scoresDiscFake);
      const lossDisc = loss.mul(this.weights.discLossAlpha);
      const out: VitsDiscriminatorLossDict = { loss: lossDisc, lossDisc };
      realTerms.forEach((t, i) => {
        out[`lossDiscReal${i}`] = t.detach();
      });
      return out;
    });
  }
}
