/**
 * Shared front end of the evaluation metrics: the analysis parameters, resampling to the common analysis
 * rate, silence trimming and frame bookkeeping. Every metric frames a signal the same way: frame `k` is
 * centred on sample `k * hopLength`, and a signal of `n` samples has `floor(n / hopLength) + 1` frames, so
 * the mel-cepstra and the F0 track of a signal have the same frames and one DTW path serves both.
 */
import { resample } from '../audio/resample.ts';

/** Audio with its rate. */
export interface Audio {
  /** Mono samples, nominally in [-1, 1]. */
  samples: Float32Array;
  /** Hz. */
  sampleRate: number;
}

/** Parameters of the analysis; every field has a documented default (see docs/eval.md). */
export interface AnalysisOptions {
  /** Common analysis rate in Hz; both signals are resampled to it (default 22050). */
  sampleRate?: number;
  /** Frame hop in samples at `sampleRate` (default 220: 9.98 ms at 22050 Hz). */
  hopLength?: number;
  /** STFT window (periodic Hann) and FFT size in samples, a power of two (default 1024: 46.4 ms). */
  fftSize?: number;
  /** Number of triangular mel bands (HTK mel scale; default 80). */
  nMels?: number;
  /** Lowest mel band edge in Hz (default 0). */
  fMin?: number;
  /** Highest mel band edge in Hz (default 8000). */
  fMax?: number;
  /**
   * Floor of the mel band powers in dB below the utterance's loudest band (default 80, like librosa's
   * `power_to_db(top_db=80)`), so that near-silent frames (digital silence, a reverb tail) look alike instead
   * of comparing noise floors. Never below 1e-10.
   */
  melFloorDb?: number;
  /** Cepstral order D: MCD uses c1..cD (c0 excluded). 13 or 24 are usual (default 13). */
  order?: number;
  /**
   * Silence trimming threshold in dB below the loudest frame (default 40); see {@link trimSilence}. Also
   * the voicing energy gate of the F0 tracker. `Infinity` disables trimming.
   */
  trimDb?: number;
  /** Lowest F0 searched, Hz (default 50). */
  f0Min?: number;
  /** Highest F0 searched, Hz (default 500). */
  f0Max?: number;
  /** YIN absolute threshold on the cumulative mean normalised difference, the voicing decision (default 0.25). */
  yinThreshold?: number;
  /** YIN integration window in samples at `sampleRate` (default 512: 23.2 ms). */
  yinWindow?: number;
  /**
   * Sakoe-Chiba band radius of the DTW in frames around the (slope-corrected) diagonal. 'auto' (default):
   * no band while `N * M <= 4e6` cells, else `max(100, ceil(0.1 * max(N, M)))`. 0 or Infinity: no band.
   */
  dtwBand?: number | 'auto';
}

/** {@link AnalysisOptions} with every default filled in. */
export type ResolvedAnalysis = Required<AnalysisOptions>;

/** The defaults of {@link AnalysisOptions}. */
export const DEFAULT_ANALYSIS: ResolvedAnalysis = {
  sampleRate: 22050,
  hopLength: 220,
  fftSize: 1024,
  nMels: 80,
  fMin: 0,
  fMax: 8000,
  melFloorDb: 80,
  order: 13,
  trimDb: 40,
  f0Min: 50,
  f0Max: 500,
  yinThreshold: 0.25,
  yinWindow: 512,
  dtwBand: 'auto',
};

/** Fills defaults and checks ranges. */
export function resolveAnalysis(options: AnalysisOptions = {}): ResolvedAnalysis {
  const o: ResolvedAnalysis = { ...DEFAULT_ANALYSIS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  const posInt = (name: keyof ResolvedAnalysis) => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new Error(`eval: ${name} must be a positive integer, got ${String(v)}`);
  };
  posInt('sampleRate');
  posInt('hopLength');
  posInt('fftSize');
  posInt('nMels');
  posInt('order');
  posInt('yinWindow');
  if ((o.fftSize & (o.fftSize - 1)) !== 0)
    throw new Error(`eval: fftSize must be a power of two, got ${o.fftSize}`);
  if (o.order >= o.nMels) throw new Error(`eval: order (${o.order}) must be below nMels (${o.nMels})`);
  if (!(o.fMin >= 0 && o.fMax > o.fMin && o.fMax <= o.sampleRate / 2))
    throw new Error(`eval: need 0 <= fMin < fMax <= sampleRate / 2, got ${o.fMin}..${o.fMax}`);
  if (!(o.f0Min > 0 && o.f0Max > o.f0Min && o.f0Max < o.sampleRate / 4))
    throw new Error(`eval: need 0 < f0Min < f0Max < sampleRate / 4, got ${o.f0Min}..${o.f0Max}`);
  if (!(o.melFloorDb > 0)) throw new Error(`eval: melFloorDb must be > 0, got ${o.melFloorDb}`);
  if (!(o.trimDb > 0)) throw new Error(`eval: trimDb must be > 0, got ${o.trimDb}`);
  if (!(o.yinThreshold > 0 && o.yinThreshold < 1))
    throw new Error(`eval: yinThreshold must be in (0, 1), got ${o.yinThreshold}`);
  return o;
}

/** Number of frames of a signal of `n` samples: `floor(n / hop) + 1` (frame k is centred on sample k * hop). */
export function frameCount(n: number, hopLength: number): number {
  return Math.floor(n / hopLength) + 1;
}

/** Resamples to `rate` (Kaiser-windowed sinc, 'default' quality) unless it is already at that rate. */
export function toRate(audio: Audio, rate: number): Float32Array {
  return audio.sampleRate === rate ? audio.samples : resample(audio.samples, audio.sampleRate, rate);
}

/**
 * A copy of `x` padded by `pad` samples on each side by reflection about the end samples (as numpy's
 * 'reflect'); where the signal is too short to reflect, the rest is zero.
 */
export function reflectPad(x: Float32Array, pad: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n + 2 * pad);
  for (let i = 0; i < n; i++) out[pad + i] = x[i];
  if (n < 2) return out;
  for (let k = 1; k <= pad; k++) {
    if (k < n) {
      out[pad - k] = x[k];
      out[pad + n - 1 + k] = x[n - 1 - k];
    }
  }
  return out;
}

/** Frame RMS levels in dBFS (-Infinity for digital silence) of centred rectangular windows of `win` samples. */
export function frameLevelsDb(x: Float32Array, hopLength: number, win: number): Float64Array {
  const frames = frameCount(x.length, hopLength);
  const prefix = new Float64Array(x.length + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i] + x[i] * x[i];
  const out = new Float64Array(frames);
  const half = win >> 1;
  for (let k = 0; k < frames; k++) {
    const a = Math.max(0, k * hopLength - half);
    const b = Math.min(x.length, k * hopLength - half + win);
    const e = b > a ? Math.max(0, prefix[b] - prefix[a]) / win : 0;
    out[k] = e > 0 ? 10 * Math.log10(e) : Number.NEGATIVE_INFINITY;
  }
  return out;
}

/** Result of {@link trimSilence}. */
export interface TrimResult {
  /** The kept samples (a subarray view of the input). */
  samples: Float32Array;
  /** First kept sample. */
  start: number;
  /** One past the last kept sample. */
  end: number;
}

/**
 * Trims leading and trailing silence. The signal is cut into frames centred on `k * hopLength` with a
 * rectangular window of `2 * hopLength` samples; a frame is *active* when its RMS level is at least
 * `max level - trimDb` dB. The kept span is `[first active * hop, min(n, (last active + 1) * hop))`. A signal
 * of digital silence (or an empty one) is returned whole.
 */
export function trimSilence(x: Float32Array, hopLength: number, trimDb: number): TrimResult {
  if (!Number.isFinite(trimDb)) return { samples: x, start: 0, end: x.length };
  const levels = frameLevelsDb(x, hopLength, 2 * hopLength);
  let max = Number.NEGATIVE_INFINITY;
  for (const l of levels) if (l > max) max = l;
  if (max === Number.NEGATIVE_INFINITY) return { samples: x, start: 0, end: x.length };
  const threshold = max - trimDb;
  let first = 0;
  while (levels[first] < threshold) first++;
  let last = levels.length - 1;
  while (levels[last] < threshold) last--;
  const start = Math.min(x.length, first * hopLength);
  const end = Math.max(start, Math.min(x.length, (last + 1) * hopLength));
  return { samples: x.subarray(start, end), start, end };
}
