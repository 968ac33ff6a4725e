/**
 * Griffin-Lim phase reconstruction (Coqui's `numpy_transforms.griffin_lim`), batched on the tensor engine.
 *
 * The initial phase is uniform in [0, 2 pi) drawn from the tensor engine's RNG (`torch.manualSeed` makes it
 * reproducible; the numbers differ from numpy's, so only statistics such as the spectral convergence can be
 * compared with Coqui's output).
 */

import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';
import { istft, type StftParams, stft } from './stft.ts';

/** Options of `griffinLim`: the STFT framing plus the iteration count. */
export interface GriffinLimOptions extends StftParams {
  /** Number of (STFT, keep phase, ISTFT) iterations after the initial ISTFT (default 60). */
  iters?: number;
}

/** Result of `griffinLim`. */
export interface GriffinLimResult {
  /** Waveforms [B, hop * (frames - 1)] (or [hop * (frames - 1)] for an unbatched input). */
  wav: Tensor;
  /**
   * Per item: whether the first ISTFT was finite everywhere. Coqui skips Griffin-Lim when it is not (and
   * returns a single 0 sample); here such rows of `wav` are all zeros.
   */
  finite: boolean[];
}

/**
 * Reconstructs waveforms from magnitude spectrograms `mag` [B, nFft / 2 + 1, frames] (or unbatched
 * [nFft / 2 + 1, frames]); the magnitudes are used as given (raise them to Coqui's `power` before).
 * Runs in mag's dtype without gradients.
 */
export function griffinLim(mag: Tensor, o: GriffinLimOptions): GriffinLimResult {
  const iters = o.iters ?? 60;
  return torch.noGrad(() =>
    torch.tidy(() => {
      const batched = mag.ndim === 3;
      const s = batched ? mag.abs() : mag.abs().unsqueeze(0);
      // Drawn on the CPU generator (reproducible across devices), then moved.
      const phase = torch
        .rand(s.shape, { dtype: s.dtype })
        .mul(2 * Math.PI)
        .to(s.device);
      let y = istft(torch.F.polar(s, phase), o);
      const finite = rowFinite(y);
      for (let i = 0; i < iters && finite.some((f) => f); i++) {
        const prev = y;
        y = torch.tidy(() => istft(torch.F.polar(s, stft(prev, o).angle()), o));
        prev.dispose();
      }
      if (!finite.every((f) => f)) {
        const keepRows = torch.tensor(finite, { dtype: 'bool' }).unsqueeze(1).to(y.device);
        y = torch.where(keepRows, y, 0);
      }
      return { wav: batched ? y : y.squeeze(0), finite };
    }),
  );
}

/** Per row of y [B, T]: all values finite. */
function rowFinite(y: Tensor): boolean[] {
  return torch.tidy(() => {
    const bad = y.isfinite().logicalNot().sum(-1).toArray();
    return bad.map((n) => n === 0);
  });
}
