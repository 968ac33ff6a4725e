/**
 * F0 (fundamental frequency) tracking with YIN (de Cheveigné & Kawahara 2002) and F0 error measures over a
 * DTW alignment.
 *
 * Tracker: frame k is centred on sample `k * hopLength` (the same frames as the mel-cepstra). Its
 * integration window is the `yinWindow` samples centred there; the difference function
 * `d(tau) = sum_{j < W} (x_j - x_{j + tau})^2` is computed for lags up to `tauMax = ceil(sr / f0Min)` from
 * energies and an FFT cross-correlation, then normalised to the cumulative mean normalised difference
 * `d'(tau) = d(tau) * tau / sum_{1 <= s <= tau} d(s)`. The period is the first lag in
 * `[max(2, floor(sr / f0Max)), tauMax]` where `d'` dips below `yinThreshold`, followed down to the bottom of
 * that dip and refined by parabolic interpolation; F0 = sr / period. A frame is voiced when such a dip exists
 * and its RMS level (same window) is within `trimDb` dB of the signal's loudest frame; otherwise F0 = 0.
 * Signals are reflect-padded at both ends.
 */
import {
  type AnalysisOptions,
  frameCount,
  frameLevelsDb,
  type ResolvedAnalysis,
  reflectPad,
  resolveAnalysis,
} from './analysis.ts';
import { fft, nextPow2 } from './fft.ts';

/** An F0 contour, one value per frame. */
export interface F0Track {
  /** F0 in Hz per frame; 0 where unvoiced. */
  f0: Float64Array;
  /** 1 where voiced. */
  voiced: Uint8Array;
  /** Minimum of the cumulative mean normalised difference in the searched lag range (0: perfectly periodic). */
  aperiodicity: Float64Array;
  /** Samples between frames. */
  hopLength: number;
  /** Hz. */
  sampleRate: number;
}

/** YIN F0 track of `samples` (at the options' `sampleRate`). */
export function trackF0(samples: Float32Array, options: AnalysisOptions = {}): F0Track {
  return trackF0Resolved(samples, resolveAnalysis(options));
}

/** {@link trackF0} with resolved options. */
export function trackF0Resolved(samples: Float32Array, o: ResolvedAnalysis): F0Track {
  const sr = o.sampleRate;
  const hop = o.hopLength;
  const W = o.yinWindow;
  const tauMin = Math.max(2, Math.floor(sr / o.f0Max));
  const tauMax = Math.ceil(sr / o.f0Min);
  const span = W + tauMax;
  const L = nextPow2(span);
  const frames = frameCount(samples.length, hop);
  const half = W >> 1;
  const pad = span;
  const x = reflectPad(samples, pad);

  const levels = frameLevelsDb(samples, hop, W);
  let maxLevel = Number.NEGATIVE_INFINITY;
  for (const l of levels) if (l > maxLevel) maxLevel = l;
  const gate = maxLevel - o.trimDb;

  const f0 = new Float64Array(frames);
  const voiced = new Uint8Array(frames);
  const aperiodicity = new Float64Array(frames).fill(1);
  const zr = new Float64Array(L);
  const zi = new Float64Array(L);
  const rr = new Float64Array(L);
  const ri = new Float64Array(L);
  const energy = new Float64Array(span + 1);
  const cmnd = new Float64Array(tauMax + 2);

  for (let k = 0; k < frames; k++) {
    const start = k * hop - half + pad; // segment start in the padded signal
    energy[0] = 0;
    for (let j = 0; j < span; j++) {
      const v = x[start + j];
      energy[j + 1] = energy[j] + v * v;
    }
    const ea = energy[W];
    if (!(ea > 0) || !(levels[k] >= gate)) continue;
    // z = a + i b: a = the window (W samples), b = the whole segment (W + tauMax samples).
    for (let j = 0; j < L; j++) {
      zr[j] = j < W ? x[start + j] : 0;
      zi[j] = j < span ? x[start + j] : 0;
    }
    fft(zr, zi);
    // R_k = conj(A_k) B_k, with A, B unpacked from Z.
    for (let q = 0; q < L; q++) {
      const p = q === 0 ? 0 : L - q;
      const ar = 0.5 * (zr[q] + zr[p]);
      const ai = 0.5 * (zi[q] - zi[p]);
      const br = 0.5 * (zi[q] + zi[p]);
      const bi = -0.5 * (zr[q] - zr[p]);
      rr[q] = ar * br + ai * bi;
      ri[q] = ar * bi - ai * br;
    }
    fft(rr, ri, true); // rr[tau] = sum_j a_j b_{j + tau}
    cmnd[0] = 1;
    let running = 0;
    for (let tau = 1; tau <= tauMax; tau++) {
      const d = Math.max(0, ea + (energy[tau + W] - energy[tau]) - 2 * rr[tau]);
      running += d;
      cmnd[tau] = running > 0 ? (d * tau) / running : 1;
    }
    let best = -1;
    let minVal = Number.POSITIVE_INFINITY;
    for (let tau = tauMin; tau <= tauMax; tau++) {
      if (cmnd[tau] < minVal) minVal = cmnd[tau];
      if (best < 0 && cmnd[tau] < o.yinThreshold) {
        best = tau;
        while (best + 1 <= tauMax && cmnd[best + 1] < cmnd[best]) best++;
      }
    }
    aperiodicity[k] = Math.min(1, minVal);
    if (best < 0) continue;
    let period = best;
    if (best > 1 && best < tauMax) {
      const y0 = cmnd[best - 1];
      const y1 = cmnd[best];
      const y2 = cmnd[best + 1];
      const den = y0 - 2 * y1 + y2;
      if (den > 0) period += Math.max(-1, Math.min(1, (0.5 * (y0 - y2)) / den));
    }
    f0[k] = sr / period;
    voiced[k] = 1;
  }
  return { f0, voiced, aperiodicity, hopLength: hop, sampleRate: sr };
}

/** Index pairs of an alignment (a DTW path): `pathA[k]` in the first track, `pathB[k]` in the second. */
export interface Alignment {
  pathA: Int32Array;
  pathB: Int32Array;
  length: number;
}

/** F0 errors of a synthesized track against a reference over aligned frame pairs. */
export interface F0Errors {
  /** RMS of `f0 - f0'` in Hz over the pairs where both are voiced; NaN when there are none. */
  rmseHz: number;
  /** RMS of `1200 log2(f0 / f0')` in cents over the same pairs; NaN when there are none. */
  rmseCents: number;
  /** Voicing decision error: fraction of pairs whose voiced/unvoiced decisions differ (0..1). */
  vde: number;
  /** Pairs where both are voiced. */
  voicedPairs: number;
  /** Pairs on the alignment. */
  pairs: number;
}

/**
 * F0 RMSE (Hz and cents) and voicing decision error of `synth` against `ref` over the aligned frame pairs
 * (the MCD's DTW path in `evaluatePair`). Without `alignment`, frames are paired one to one up to the
 * shorter track (for tracks of equal timing).
 */
export function f0Rmse(synth: F0Track, ref: F0Track, alignment?: Alignment): F0Errors {
  const path = alignment ?? identityAlignment(Math.min(synth.f0.length, ref.f0.length));
  let se = 0;
  let sc = 0;
  let both = 0;
  let mismatch = 0;
  for (let k = 0; k < path.length; k++) {
    const i = path.pathA[k];
    const j = path.pathB[k];
    const vs = synth.voiced[i];
    const vr = ref.voiced[j];
    if (vs !== vr) mismatch++;
    else if (vs) {
      const d = synth.f0[i] - ref.f0[j];
      const c = 1200 * Math.log2(synth.f0[i] / ref.f0[j]);
      se += d * d;
      sc += c * c;
      both++;
    }
  }
  return {
    rmseHz: both ? Math.sqrt(se / both) : Number.NaN,
    rmseCents: both ? Math.sqrt(sc / both) : Number.NaN,
    vde: path.length ? mismatch / path.length : Number.NaN,
    voicedPairs: both,
    pairs: path.length,
  };
}

function identityAlignment(n: number): Alignment {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return { pathA: p, pathB: p, length: n };
}
