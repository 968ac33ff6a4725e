/**
 * Waveform effects of Coqui's AudioProcessor on the tensor engine: pre-emphasis and its inverse, silence
 * trimming with librosa.effects.trim semantics, peak and RMS volume normalisation.
 *
 * Waveforms are [B, T] or [T] float tensors with samples nominally in [-1, 1]; every function works along
 * the last dimension and keeps the input's dtype.
 */

import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';

/**
 * Pre-emphasis y[t] = x[t] - coef * x[t - 1] (y[0] = x[0]), scipy.signal.lfilter([1, -coef], [1], x).
 * x [B, T] or [T] -> same shape. Differentiable.
 */
export function preemphasis(x: Tensor, coef: number): Tensor {
  if (coef === 0) throw new RangeError('preemphasis: the coefficient is 0 (pre-emphasis is disabled)');
  return torch.tidy(() => {
    const t = x.size(-1);
    if (t < 2) return x.clone();
    const head = x.narrow(-1, 0, 1);
    const rest = x.narrow(-1, 1, t - 1).sub(x.narrow(-1, 0, t - 1), coef);
    return torch.cat([head, rest], -1);
  });
}

/**
 * Inverse pre-emphasis y[t] = x[t] + coef * y[t - 1], scipy.signal.lfilter([1], [1, -coef], x), computed
 * in float64 on the CPU (an IIR recursion). x [B, T] or [T] -> same shape and dtype. Not differentiable.
 */
export function deemphasis(x: Tensor, coef: number): Tensor {
  if (coef === 0) throw new RangeError('deemphasis: the coefficient is 0 (pre-emphasis is disabled)');
  return torch.noGrad(() =>
    torch.tidy(() => {
      const t = x.size(-1);
      const data = x.detach().to('float64').contiguous().dataSync() as Float64Array;
      const out = new Float64Array(data.length);
      for (let row = 0; row < data.length; row += t) {
        let prev = 0;
        for (let i = row; i < row + t; i++) {
          prev = data[i] + coef * prev;
          out[i] = prev;
        }
      }
      const y = torch.tensor(out, { shape: x.shape, dtype: 'float64' });
      return y.to(x.dtype).to(x.device);
    }),
  );
}

/** Options of `nonSilentBounds` (librosa.effects.trim's arguments). */
export interface TrimOptions {
  /** Frames quieter than this many dB below the loudest frame are silence. */
  topDb: number;
  /** RMS frame length in samples (librosa default 2048). */
  frameLength: number;
  /** Samples between RMS frames (librosa default 512). */
  hopLength: number;
}

/**
 * Start (inclusive) and end (exclusive) sample of the non-silent part of each waveform, as
 * `librosa.effects.trim(y, top_db, frame_length, hop_length)` finds it: frame RMS over a signal zero-padded
 * by frameLength / 2 on both sides (librosa.feature.rms, center=True), 20 log10(max(1e-5, rms)) relative to
 * the loudest frame; start = first loud frame * hop, end = min(T, (last loud frame + 1) * hop); {0, 0} when
 * every frame is silent. wav [B, T] or [T] -> one {start, end} per row. RMS is computed in float64.
 */
export function nonSilentBounds(wav: Tensor, o: TrimOptions): { start: number; end: number }[] {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const x = (wav.ndim === 1 ? wav.unsqueeze(0) : wav).detach().to('float64');
      const t = x.size(-1);
      const half = Math.floor(o.frameLength / 2);
      const padded = torch.F.pad(x, [half, half], 'constant', 0);
      if (padded.size(-1) < o.frameLength) return [...Array(x.size(0))].map(() => ({ start: 0, end: 0 }));
      // [B, frames, frameLength] -> mean square per frame
      const power = torch.aten.unfold(padded, -1, o.frameLength, o.hopLength).square().mean(-1);
      const amin = 1e-10; // librosa's amplitude_to_db amin 1e-5, squared
      const db = power.clampMin(amin).log10().mul(10);
      const ref = power.amax(-1, true).clampMin(amin).log10().mul(10);
      const loud = db.sub(ref).gt(-o.topDb);
      const rows = loud.to('uint8').toList() as number[][];
      return rows.map((flags) => {
        const first = flags.indexOf(1);
        if (first < 0) return { start: 0, end: 0 };
        const last = flags.lastIndexOf(1);
        return { start: first * o.hopLength, end: Math.min(t, (last + 1) * o.hopLength) };
      });
    }),
  );
}

/**
 * Coqui's `trim_silence`: drops int(sampleRate * 0.01) samples at both ends, then trims leading and
 * trailing silence with librosa.effects.trim semantics. wav [T] -> [T'] (a copy).
 */
export function trimSilence(wav: Tensor, sampleRate: number, o: TrimOptions): Tensor {
  if (wav.ndim !== 1) throw new RangeError(`trimSilence: expected a [T] waveform, got [${wav.shape}]`);
  const margin = Math.floor(sampleRate * 0.01);
  // numpy's wav[margin:-margin] (empty when margin is 0, as in Coqui).
  const inner = wav.narrow(0, margin, Math.max(0, wav.size(0) - 2 * margin));
  const [{ start, end }] = nonSilentBounds(inner, o);
  const out = inner.narrow(0, start, end - start).clone();
  inner.dispose();
  return out;
}

/** Peak normalisation x / max|x| * coef (Coqui's sound_norm, coef 0.95), per row of [B, T] or [T]. */
export function soundNorm(x: Tensor, coef = 0.95): Tensor {
  return torch.tidy(() => x.div(x.abs().amax(-1, true)).mul(coef));
}

/**
 * RMS normalisation to `dbLevel` dB (Coqui's rms_volume_norm, -99 <= dbLevel <= 0):
 * x * sqrt(T * r^2 / sum(x^2)) with r = 10^(dbLevel / 20), per row of [B, T] or [T].
 */
export function rmsVolumeNorm(x: Tensor, dbLevel = -27): Tensor {
  if (!(dbLevel >= -99 && dbLevel <= 0))
    throw new RangeError(`rmsVolumeNorm: dbLevel ${dbLevel} not in [-99, 0]`);
  const r = 10 ** (dbLevel / 20);
  return torch.tidy(() => {
    const t = x.size(-1);
    const a = x
      .square()
      .sum(-1, true)
      .reciprocal()
      .mul(t * r * r)
      .sqrt();
    return x.mul(a);
  });
}
