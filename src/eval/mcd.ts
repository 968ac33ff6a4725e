/**
 * Mel-cepstral distortion with dynamic time warping (MCD-DTW), in dB.
 *
 * Mel-cepstra: each frame (periodic Hann window of `fftSize` samples centred on `k * hopLength`, reflect
 * padding at the ends) gives a power spectrum |X|^2, which `nMels` triangular filters on the HTK mel scale
 * (`2595 log10(1 + f / 700)`, edges `fMin`..`fMax`, each normalised so that its weights on the FFT bins sum
 * to 1) turn into band powers P_b: the mean power spectral density under each band, so that white noise has
 * a flat mel spectrum. The mel-cepstrum is the cosine expansion of the log *amplitude* mel spectrum with
 * SPTK's (minimum-phase) convention
 *
 *   L_b = ln(max(P_b, 1e-10)) / 2,   L_b = c_0 + sum_{m >= 1} c_m cos(pi m (b + 1/2) / B),
 *
 * i.e. `c_0 = (1 / B) sum_b L_b` and `c_m = (2 / B) sum_b L_b cos(pi m (b + 1/2) / B)` for m >= 1 (a DCT-II;
 * for m >= 1 the orthonormal DCT-II of the log *power* `ln P_b` equals `sqrt(2B) * c_m`). With this scaling
 * the standard
 *
 *   MCD = (10 / ln 10) * sqrt(2 * sum_{d=1..D} (c_d - c'_d)^2)
 *
 * is exactly (Parseval over the B bands) the RMS difference, in dB (10 log10 of power), between the two mel
 * spectra smoothed to the cepstral terms 1..D; the overall level c0 is excluded. It is averaged over the
 * pairs of a DTW path that minimises the sum of the Euclidean distances on c1..cD.
 */
import {
  type AnalysisOptions,
  frameCount,
  type ResolvedAnalysis,
  reflectPad,
  resolveAnalysis,
} from './analysis.ts';
import { autoBand, type DtwResult, dtw, type FrameMatrix } from './dtw.ts';
import { fft } from './fft.ts';

/** 10 / ln 10 * sqrt(2): MCD per unit of cepstral Euclidean distance, in dB. */
export const MCD_SCALE = (10 / Math.LN10) * Math.SQRT2;

/** Floor of the mel band power before the log (-100 dB). */
export const MEL_POWER_FLOOR = 1e-10;

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/**
 * Triangular mel filters on the HTK mel scale, as `nMels` rows of `fftSize / 2 + 1` weights (row-major
 * Float64Array), each scaled so that its weights sum to 1. A band narrower than the bin spacing that
 * catches no bin gets all its weight on the bin nearest to its centre.
 */
export function melFilters(sampleRate: number, fftSize: number, nMels: number, fMin: number, fMax: number) {
  const bins = fftSize / 2 + 1;
  const w = new Float64Array(nMels * bins);
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(lo + ((hi - lo) * i) / (nMels + 1));
  for (let b = 0; b < nMels; b++) {
    const left = edges[b];
    const centre = edges[b + 1];
    const right = edges[b + 2];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      let v = 0;
      if (f > left && f <= centre) v = (f - left) / (centre - left);
      else if (f > centre && f < right) v = (right - f) / (right - centre);
      w[b * bins + k] = v;
    }
    let sum = 0;
    for (let k = 0; k < bins; k++) sum += w[b * bins + k];
    if (sum > 0) {
      for (let k = 0; k < bins; k++) w[b * bins + k] /= sum;
    } else {
      w[b * bins + Math.min(bins - 1, Math.round((centre * fftSize) / sampleRate))] = 1;
    }
  }
  return w;
}

/**
 * Mel-cepstra c0..c_order of `samples` (already at `sampleRate` of the options), one row per frame:
 * `frameCount(n, hopLength)` frames of `order + 1` coefficients.
 */
export function melCepstra(samples: Float32Array, options: AnalysisOptions = {}): FrameMatrix {
  const o = resolveAnalysis(options);
  return melCepstraResolved(samples, o);
}

/** {@link melCepstra} with resolved options. */
export function melCepstraResolved(samples: Float32Array, o: ResolvedAnalysis): FrameMatrix {
  const n = o.fftSize;
  const bins = n / 2 + 1;
  const frames = frameCount(samples.length, o.hopLength);
  const dim = o.order + 1;
  const B = o.nMels;
  const filters = melFilters(o.sampleRate, n, B, o.fMin, o.fMax);
  // Non-zero span of each filter.
  const fStart = new Int32Array(B);
  const fEnd = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    while (s < bins && filters[b * bins + s] === 0) s++;
    let e = bins;
    while (e > s && filters[b * bins + e - 1] === 0) e--;
    fStart[b] = s;
    fEnd[b] = e;
  }
  const cosTable = new Float64Array(dim * B);
  for (let m = 0; m < dim; m++)
    for (let b = 0; b < B; b++)
      cosTable[m * B + b] = ((m === 0 ? 1 : 2) / B) * Math.cos((Math.PI * m * (b + 0.5)) / B);
  const window = new Float64Array(n);
  for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);

  const pad = n >> 1;
  const x = reflectPad(samples, pad);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const power = new Float64Array(bins);
  const power2 = new Float64Array(bins);
  const logMel = new Float64Array(B);
  const melPower = new Float64Array(frames * B);
  let peak = 0;
  const bandPowers = (k: number, p: Float64Array) => {
    for (let b = 0; b < B; b++) {
      let s = 0;
      const row = b * bins;
      for (let i = fStart[b]; i < fEnd[b]; i++) s += filters[row + i] * p[i];
      melPower[k * B + b] = s;
      if (s > peak) peak = s;
    }
  };
  // Two real frames per complex FFT: frame k in the real part, frame k + 1 in the imaginary part.
  for (let k = 0; k < frames; k += 2) {
    const start = k * o.hopLength; // frame k is centred on k * hop in the unpadded signal
    const second = k + 1 < frames;
    for (let i = 0; i < n; i++) {
      re[i] = x[start + i] * window[i];
      im[i] = second ? x[start + o.hopLength + i] * window[i] : 0;
    }
    fft(re, im);
    for (let q = 0; q < bins; q++) {
      const p = q === 0 ? 0 : n - q;
      const xr = re[q] + re[p];
      const xi = im[q] - im[p];
      const yr = im[q] + im[p];
      const yi = re[q] - re[p];
      power[q] = 0.25 * (xr * xr + xi * xi);
      power2[q] = 0.25 * (yr * yr + yi * yi);
    }
    bandPowers(k, power);
    if (second) bandPowers(k + 1, power2);
  }
  // Floor: `melFloorDb` below the loudest band of the utterance, and never below MEL_POWER_FLOOR.
  const floor = Math.max(MEL_POWER_FLOOR, peak * 10 ** (-o.melFloorDb / 10));
  const out = new Float64Array(frames * dim);
  for (let k = 0; k < frames; k++) {
    for (let b = 0; b < B; b++) logMel[b] = 0.5 * Math.log(Math.max(melPower[k * B + b], floor));
    for (let m = 0; m < dim; m++) {
      let s = 0;
      const row = m * B;
      for (let b = 0; b < B; b++) s += cosTable[row + b] * logMel[b];
      out[k * dim + m] = s;
    }
  }
  return { data: out, count: frames, dim };
}

/** Result of {@link mcdFromCepstra}. */
export interface McdResult {
  /** Mean MCD over the DTW path, dB. */
  mcd: number;
  /** Cepstral order D (c1..cD compared). */
  order: number;
  /** Frames of the first (synthesized) and second (reference) sequence. */
  framesA: number;
  framesB: number;
  /** The DTW alignment (on c1..cD). */
  alignment: DtwResult;
}

/**
 * MCD-DTW between two mel-cepstral sequences whose column 0 is c0 and columns 1..order are c1..cD
 * (extra columns are ignored). `band`: Sakoe-Chiba radius in frames, 'auto' (default) as in
 * {@link autoBand}.
 */
export function mcdFromCepstra(
  a: FrameMatrix,
  b: FrameMatrix,
  options: { order?: number; band?: number | 'auto' } = {},
): McdResult {
  const order = options.order ?? Math.min(a.dim, b.dim) - 1;
  if (!(Number.isInteger(order) && order >= 1 && order < a.dim && order < b.dim))
    throw new Error(`mcd: order ${order} needs cepstra with at least ${order + 1} columns`);
  const bandOpt = options.band ?? 'auto';
  const band = bandOpt === 'auto' ? autoBand(a.count, b.count) : bandOpt;
  // Compare c1..cD of sequences that may carry more columns: restrict both to the same stride.
  const sa = a.dim === b.dim ? a : restrict(a, order + 1);
  const sb = a.dim === b.dim ? b : restrict(b, order + 1);
  const alignment = dtw(sa, sb, { from: 1, to: order + 1, band });
  return {
    mcd: (MCD_SCALE * alignment.cost) / alignment.length,
    order,
    framesA: a.count,
    framesB: b.count,
    alignment,
  };
}

function restrict(x: FrameMatrix, dim: number): FrameMatrix {
  const out = new Float64Array(x.count * dim);
  for (let k = 0; k < x.count; k++) for (let d = 0; d < dim; d++) out[k * dim + d] = x.data[k * x.dim + d];
  return { data: out, count: x.count, dim };
}
