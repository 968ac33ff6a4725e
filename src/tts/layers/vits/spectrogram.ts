/**
 * The spectrogram functions of Coqui's VITS module (`wav_to_spec`, `spec_to_mel`, `wav_to_mel` in
 * TTS/tts/models/vits.py), on the tensor engine and differentiable (the mel loss backpropagates through
 * `wavToMel`). They differ from the AudioProcessor's on purpose, as Coqui's do:
 *
 * - frames are not centred: the waveform is reflect-padded by (nFft - hop) / 2 on both sides, then framed
 *   from sample 0 (T = (N + 2 * pad - nFft) / hop + 1 frames, about N / hop);
 * - the magnitude is sqrt(re^2 + im^2 + 1e-6) (the AudioProcessor's TorchSTFT clamps at 1e-8 instead);
 * - the mel is ln(clamp(mel_basis @ spec, 1e-5)) with librosa's Slaney mel basis.
 *
 * Coqui caches the mel basis in a module-global dict keyed only by fmax, dtype and device, so a process that
 * used two audio configs with the same fmax would reuse the first one's basis; ribbit keys its cache by every
 * parameter (identical results whenever a process uses one audio config, the only case where Coqui's are
 * right).
 */

import { melFilterbank } from '../../../audio/mel.ts';
import { stft } from '../../../audio/stft.ts';
import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { sequenceMask } from '../../utils/helpers.ts';

/** STFT framing of the VITS spectrograms (samples). */
export interface VitsStftParams {
  nFft: number;
  hopLength: number;
  winLength: number;
}

/** The mel projection (Hz; fmax null: sampleRate / 2). */
export interface VitsMelParams {
  nFft: number;
  numMels: number;
  sampleRate: number;
  fmin: number;
  fmax: number | null;
}

/** The STFT and mel settings of an audio config (VitsAudioConfig's field names). */
export function spectrogramParamsOf(a: {
  fftSize: number;
  hopLength: number;
  winLength: number;
  numMels: number;
  sampleRate: number;
  melFmin: number;
  melFmax: number | null;
}): VitsStftParams & VitsMelParams {
  return {
    nFft: a.fftSize,
    hopLength: a.hopLength,
    winLength: a.winLength,
    numMels: a.numMels,
    sampleRate: a.sampleRate,
    fmin: a.melFmin,
    fmax: a.melFmax,
  };
}

/**
 * Linear magnitude spectrogram: y `[B, 1, N]` (or `[B, N]`) -> `[B, nFft / 2 + 1, T]`,
 * T = floor((N + 2 * floor((nFft - hop) / 2) - nFft) / hop) + 1.
 */
export function wavToSpec(y: Tensor, p: VitsStftParams): Tensor {
  return torch.tidy(() => {
    const wav = y.ndim === 3 ? y.squeeze(1) : y;
    const pad = Math.trunc((p.nFft - p.hopLength) / 2);
    const padded = torch.F.pad(wav.unsqueeze(1), [pad, pad], 'reflect').squeeze(1);
    const spec = torch.F.viewAsReal(
      stft(padded, { nFft: p.nFft, hop: p.hopLength, win: p.winLength, center: false }),
    );
    return spec.pow(2).sum(-1).add(1e-6).sqrt();
  });
}

const melBases = new Map<string, Tensor>();

/** The Slaney mel basis `[numMels, nFft / 2 + 1]` in `like`'s dtype and device, cached (never dispose it). */
export function vitsMelBasis(p: VitsMelParams, like: Tensor): Tensor {
  const key = [p.nFft, p.numMels, p.sampleRate, p.fmin, p.fmax, like.dtype, like.device].join('/');
  let basis = melBases.get(key);
  if (basis === undefined || basis.isDisposed) {
    basis = torch.noGrad(() =>
      torch.tidy(() =>
        melFilterbank({
          sampleRate: p.sampleRate,
          nFft: p.nFft,
          nMels: p.numMels,
          fmin: p.fmin,
          fmax: p.fmax,
        })
          .to(like.dtype)
          .to(like.device),
      ),
    );
    torch.keep(basis);
    melBases.set(key, basis);
  }
  return basis;
}

/** ln(clamp(x, 1e-5)) (Coqui's `amp_to_db` of the VITS module: natural log, no gain). */
export function ampToDb(x: Tensor): Tensor {
  return torch.tidy(() => x.clampMin(1e-5).log());
}

/** Log-mel from a linear spectrogram: spec `[B, nFft / 2 + 1, T]` -> `[B, numMels, T]`. */
export function specToMel(spec: Tensor, p: VitsMelParams): Tensor {
  return torch.tidy(() => ampToDb(vitsMelBasis(p, spec).matmul(spec)));
}

/** Log-mel of a waveform: y `[B, 1, N]` -> `[B, numMels, T]` (`specToMel(wavToSpec(y))` in one call). */
export function wavToMel(y: Tensor, p: VitsStftParams & VitsMelParams): Tensor {
  return torch.tidy(() => specToMel(wavToSpec(y, p), p));
}

/** How many mel bases are cached (one per parameter set, dtype and device). */
export function melBasisCacheSize(): number {
  return melBases.size;
}

/** The spectrogram inputs of a VITS training batch (Coqui's `Vits.format_batch_on_device`). */
export interface VitsBatchSpectrograms {
  /** Linear spectrograms `[B, nFft / 2 + 1, T]`, zero past each item's length. */
  spec: Tensor;
  /** Log-mels `[B, numMels, T]`, zero past each item's length. */
  mel: Tensor;
  /** Valid frames per item `[B]` int64 (the same for spec and mel). */
  specLens: Tensor;
}

/**
 * Spectrograms of a padded waveform batch `[B, 1, N]` with `relLens` `[B]` = samples / max samples (float32).
 * As Coqui, the frame counts are (T * relLens) truncated, not ceil(samples / hop), and the mel is taken from
 * the unmasked spectrogram before both are masked.
 */
export function batchSpectrograms(
  waveform: Tensor,
  relLens: Tensor,
  p: VitsStftParams & VitsMelParams,
): VitsBatchSpectrograms {
  return torch.tidy(() => {
    const spec = wavToSpec(waveform, p);
    const mel = specToMel(spec, p);
    const t = spec.size(2);
    const specLens = relLens.to('float32').mul(t).to('int64');
    const frames = sequenceMask(specLens, t).unsqueeze(1).to(spec.dtype);
    return { spec: spec.mul(frames), mel: mel.mul(frames), specLens };
  });
}
