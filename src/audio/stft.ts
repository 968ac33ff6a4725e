/**
 * The one STFT used by ribbit's audio pipeline and losses: librosa.stft semantics (periodic Hann window of
 * `winLength` zero-padded to `nFft` in the centre, frames centred at t * hop with the signal padded by
 * nFft / 2 on both sides), on the tensor engine, batched and differentiable.
 *
 * Waveforms are [B, T] (or [T]); spectra are [B, nFft / 2 + 1, frames] (or [nFft / 2 + 1, frames]) with
 * frames = 1 + floor(T / hop) when `center` (1 + floor((T - nFft) / hop) otherwise). The computation runs in
 * the input's dtype: pass a float64 waveform to get Coqui's float64 numbers.
 */

import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';

/** How the signal ends are padded when `center` is on (librosa's `pad_mode`). */
export type StftPadMode = 'reflect' | 'constant' | 'replicate';

/** STFT framing parameters (all in samples). */
export interface StftParams {
  /** FFT size; nFft / 2 + 1 frequency bins. */
  nFft: number;
  /** Samples between frames (default nFft / 4). */
  hop?: number;
  /** Hann window length, at most nFft (default nFft). */
  win?: number;
  /** Centre frames at t * hop by padding nFft / 2 on both sides (default true). */
  center?: boolean;
  /** Padding mode of the centring (default 'reflect'). */
  padMode?: StftPadMode;
}

const windows = new Map<string, Tensor>();

/**
 * The periodic Hann window of `length` samples (scipy's get_window('hann', n, fftbins=True)), cached per
 * length, dtype and device. Never dispose the returned tensor.
 */
export function hannWindow(length: number, dtype: 'float32' | 'float64' = 'float32', device = 'cpu'): Tensor {
  const key = `${length}/${dtype}/${device}`;
  let w = windows.get(key);
  if (w === undefined || w.isDisposed) {
    w = torch.noGrad(() => {
      const cpu = torch.F.hannWindow(length, { periodic: true, dtype });
      if (device === 'cpu') return cpu;
      const moved = cpu.to(device);
      cpu.dispose();
      return moved;
    });
    torch.keep(w);
    windows.set(key, w);
  }
  return w;
}

function floatDType(x: Tensor): 'float32' | 'float64' {
  if (x.dtype === 'float64') return 'float64';
  if (x.dtype === 'float32') return 'float32';
  throw new TypeError(`STFT: expected a float32 or float64 waveform, got ${x.dtype}`);
}

/**
 * Complex STFT of `wav` [B, T] or [T] -> complex [B, nFft / 2 + 1, frames] (or [nFft / 2 + 1, frames]),
 * equal to librosa.stft(y, n_fft, hop_length, win_length, window='hann', center, pad_mode).
 */
export function stft(wav: Tensor, p: StftParams): Tensor {
  const dtype = floatDType(wav);
  const win = p.win ?? p.nFft;
  if (win > p.nFft) throw new RangeError(`STFT: win (${win}) must not exceed nFft (${p.nFft})`);
  return torch.F.stft(wav, {
    nFft: p.nFft,
    hopLength: p.hop ?? Math.floor(p.nFft / 4),
    winLength: win,
    window: hannWindow(win, dtype, wav.device),
    center: p.center ?? true,
    padMode: p.padMode ?? 'reflect',
  });
}

/**
 * Magnitude |STFT| of `wav` [B, T] or [T] -> [B, nFft / 2 + 1, frames] (or [nFft / 2 + 1, frames]), in the
 * input's dtype (linear amplitude, unnormalised: a full-scale sine of amplitude 1 peaks near win / 4).
 * Differentiable with respect to `wav`.
 */
export function stftMagnitude(wav: Tensor, p: StftParams): Tensor {
  return torch.tidy(() => torch.F.complexAbs(stft(wav, p)));
}

/**
 * Magnitude with a floored power, sqrt(max(re² + im², minPower)), of `wav` [B, T] or [T] -> [B, nFft / 2 + 1,
 * frames]: Coqui's `TorchSTFT` (vocoder losses; minPower 1e-8), whose floor keeps log(magnitude) and the
 * gradient finite on silent frames. Differentiable with respect to `wav`.
 */
export function stftMagnitudeFloored(wav: Tensor, p: StftParams, minPower = 1e-8): Tensor {
  return torch.tidy(() => {
    const ri = torch.F.viewAsReal(stft(wav, p)); // [..., 2]
    return ri.square().sum(-1).clampMin(minPower).sqrt();
  });
}

/**
 * Inverse STFT of a complex spectrum [B, nFft / 2 + 1, frames] (or unbatched) -> [B, T] with librosa.istft's
 * window-sum-square normalisation; with `center` and no `length`, T = hop * (frames - 1).
 */
export function istft(spec: Tensor, p: StftParams & { length?: number }): Tensor {
  const dtype = spec.dtype === 'complex128' ? 'float64' : 'float32';
  const win = p.win ?? p.nFft;
  return torch.F.istft(spec, {
    nFft: p.nFft,
    hopLength: p.hop ?? Math.floor(p.nFft / 4),
    winLength: win,
    window: hannWindow(win, dtype, spec.device),
    center: p.center ?? true,
    length: p.length,
  });
}

/** Number of STFT frames of a T-sample signal. */
export function numFrames(numSamples: number, p: StftParams): number {
  const hop = p.hop ?? Math.floor(p.nFft / 4);
  if (p.center ?? true) return 1 + Math.floor(numSamples / hop);
  return 1 + Math.floor((numSamples - p.nFft) / hop);
}
