/**
 * The VITS loss terms that need no discriminator (Coqui's `VitsGeneratorLoss.kl_loss`; the adversarial,
 * feature-matching and mel terms join them in `VitsGeneratorLoss` with the HiFiGAN side).
 */

import type { Tensor } from '../../../torch/index.js';
import * as torch from '../../../torch/index.js';

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
