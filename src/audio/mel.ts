/**
 * Mel scale and mel filterbanks, numerically equal to librosa 0.10 (`librosa.filters.mel`,
 * `librosa.hz_to_mel` / `librosa.mel_to_hz`, `librosa.fft_frequencies`, `librosa.mel_frequencies`).
 *
 * Frequencies are in Hz, mels in the chosen scale's units (Slaney by default, HTK with `htk: true`).
 * Everything is computed in float64 (plain JS numbers), and the filterbank is rounded to float32 the way
 * librosa's float32 weight array is filled, so the result is bit-for-bit librosa's in almost every element.
 */

import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';

// Slaney's auditory-toolbox scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Hz -> mel (Slaney, or HTK's 2595 * log10(1 + f / 700) with `htk`). */
export function hzToMel(hz: number, htk = false): number {
  if (htk) return 2595 * Math.log10(1 + hz / 700);
  if (hz >= MIN_LOG_HZ) return MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP;
  return hz / F_SP;
}

/** Mel -> Hz (inverse of `hzToMel`). */
export function melToHz(mel: number, htk = false): number {
  if (htk) return 700 * (10 ** (mel / 2595) - 1);
  if (mel >= MIN_LOG_MEL) return MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL));
  return F_SP * mel;
}

/** Centre frequencies (Hz) of the `nFft / 2 + 1` rfft bins: i * sr / nFft (numpy's rfftfreq). */
export function fftFrequencies(sampleRate: number, nFft: number): Float64Array {
  const n = Math.floor(nFft / 2) + 1;
  const val = 1 / (nFft * (1 / sampleRate));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i * val;
  return out;
}

/** `n` frequencies (Hz) evenly spaced on the mel scale from fmin to fmax inclusive (librosa.mel_frequencies). */
export function melFrequencies(n: number, fmin: number, fmax: number, htk = false): Float64Array {
  const lo = hzToMel(fmin, htk);
  const hi = hzToMel(fmax, htk);
  const out = new Float64Array(n);
  // np.linspace: start + i * step, with the last point set to stop exactly.
  const step = n > 1 ? (hi - lo) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = melToHz(i === n - 1 && n > 1 ? hi : lo + i * step, htk);
  return out;
}

/** Options of `melFilterbank` (librosa.filters.mel's arguments). */
export interface MelFilterbankOptions {
  /** Sampling rate in Hz. */
  sampleRate: number;
  /** FFT size; the filterbank covers nFft / 2 + 1 bins. */
  nFft: number;
  /** Number of mel bands. */
  nMels: number;
  /** Lowest band edge in Hz (default 0). */
  fmin?: number;
  /** Highest band edge in Hz (default null: sampleRate / 2). */
  fmax?: number | null;
  /** HTK mel scale instead of Slaney's (default false). */
  htk?: boolean;
  /** 'slaney' (default): divide each triangle by its width in Hz (constant area); null: peak 1. */
  norm?: 'slaney' | null;
}

/**
 * The mel filterbank as float32 values, row-major [nMels, nFft / 2 + 1], equal to
 * `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm)` (float32 by default in librosa: weights
 * computed in float64, stored into float32, then scaled in float64 and stored again).
 */
export function melFilterbankValues(o: MelFilterbankOptions): Float32Array {
  const fmin = o.fmin ?? 0;
  const fmax = o.fmax ?? o.sampleRate / 2;
  const htk = o.htk ?? false;
  const norm = o.norm === undefined ? 'slaney' : o.norm;
  const nMels = o.nMels;
  const fftFreqs = fftFrequencies(o.sampleRate, o.nFft);
  const nBins = fftFreqs.length;
  const melF = melFrequencies(nMels + 2, fmin, fmax, htk);
  const out = new Float32Array(nMels * nBins);
  for (let i = 0; i < nMels; i++) {
    const fdiffLo = melF[i + 1] - melF[i];
    const fdiffHi = melF[i + 2] - melF[i + 1];
    const enorm = norm === 'slaney' ? 2 / (melF[i + 2] - melF[i]) : 1;
    for (let j = 0; j < nBins; j++) {
      // ramps[k][j] = melF[k] - fftFreqs[j]; lower = -ramps[i] / fdiff[i]; upper = ramps[i+2] / fdiff[i+1]
      const lower = -(melF[i] - fftFreqs[j]) / fdiffLo;
      const upper = (melF[i + 2] - fftFreqs[j]) / fdiffHi;
      const w = Math.fround(Math.max(0, Math.min(lower, upper)));
      out[i * nBins + j] = w * enorm;
    }
  }
  return out;
}

/**
 * The mel filterbank as a float32 tensor [nMels, nFft / 2 + 1] (mel bands x FFT bins), equal to librosa's.
 * Multiply a magnitude spectrogram [B, nFft / 2 + 1, T] by it (`basis.matmul(spec)`) to get [B, nMels, T].
 */
export function melFilterbank(o: MelFilterbankOptions): Tensor {
  const values = melFilterbankValues(o);
  return torch.tensor(values, { shape: [o.nMels, Math.floor(o.nFft / 2) + 1], dtype: 'float32' });
}
