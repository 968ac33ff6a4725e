/**
 * Objective voice-quality measures of synthesized speech against a reference recording of the same
 * sentence: MCD-DTW (dB), F0 RMSE (Hz and cents) with the voicing decision error over the same DTW path,
 * and the duration ratio. See docs/eval.md for the exact definitions.
 */
import {
  type AnalysisOptions,
  type Audio,
  type ResolvedAnalysis,
  resolveAnalysis,
  toRate,
  trimSilence,
} from './analysis.ts';
import { type F0Track, f0Rmse, trackF0Resolved } from './f0.ts';
import { mcdFromCepstra, melCepstraResolved } from './mcd.ts';

export {
  type AnalysisOptions,
  type Audio,
  DEFAULT_ANALYSIS,
  frameCount,
  type ResolvedAnalysis,
  resolveAnalysis,
  type TrimResult,
  trimSilence,
} from './analysis.ts';
export { autoBand, type DtwOptions, type DtwResult, dtw, type FrameMatrix } from './dtw.ts';
export { type Alignment, type F0Errors, type F0Track, f0Rmse, trackF0 } from './f0.ts';
export {
  MCD_SCALE,
  type McdResult,
  mcdFromCepstra,
  melCepstra,
  melFilters,
} from './mcd.ts';

/** Measures of one synthesized utterance against its reference. */
export interface PairResult {
  /** MCD-DTW in dB over c1..c`order`. */
  mcd: number;
  /** F0 RMSE in Hz over DTW-aligned pairs where both are voiced (NaN if there are none). */
  f0Rmse: number;
  /** The same in cents. */
  f0RmseCents: number;
  /** Voicing decision error over the DTW path (0..1). */
  vde: number;
  /** Synthesized duration / reference duration, both after silence trimming. */
  durationRatio: number;
  /** Frame counts: synthesized, reference, and DTW path length. */
  frames: { synth: number; ref: number; path: number };
  /** DTW pairs where both frames are voiced. */
  voicedPairs: number;
  /** Cepstral order D. */
  order: number;
  /** Upper edge of the mel bands actually used, Hz (see {@link evaluatePair}). */
  fMax: number;
  /** Seconds after trimming. */
  synthSeconds: number;
  refSeconds: number;
}

/** Analyses of one signal: trimmed samples at the analysis rate, mel-cepstra and F0 track. */
interface Analysed {
  samples: Float32Array;
  cepstra: ReturnType<typeof melCepstraResolved>;
  f0: F0Track;
}

function analyse(audio: Audio, o: ResolvedAnalysis): Analysed {
  const x = toRate(audio, o.sampleRate);
  const trimmed = trimSilence(x, o.hopLength, o.trimDb).samples;
  return { samples: trimmed, cepstra: melCepstraResolved(trimmed, o), f0: trackF0Resolved(trimmed, o) };
}

function asAudio(x: Audio | Float32Array, sampleRate: number | undefined, what: string): Audio {
  if (x instanceof Float32Array) {
    if (sampleRate === undefined)
      throw new Error(`evaluatePair: ${what} is a bare Float32Array: pass sampleRate`);
    return { samples: x, sampleRate };
  }
  return x;
}

/** The mel bands stop at this fraction of the lower input rate at most (0.45: below the resampler's cut-off). */
export const BANDWIDTH_FRACTION = 0.45;

/**
 * Compares a synthesized utterance with a reference recording of the same sentence. Both are resampled to
 * the analysis rate (default 22050 Hz) and silence-trimmed; `sampleRate` is the rate of arguments given as
 * bare Float32Arrays (default: the analysis rate). The mel bands' upper edge is
 * `min(fMax, 0.45 * lower input rate)` (8000 Hz for 22.05 kHz inputs, 7200 Hz when one is at 16 kHz), so a
 * band-limited input is not penalised for the band it cannot carry.
 */
export function evaluatePair(
  synth: Audio | Float32Array,
  ref: Audio | Float32Array,
  sampleRate?: number,
  options: AnalysisOptions = {},
): PairResult {
  const base = resolveAnalysis(options);
  const rate = sampleRate ?? base.sampleRate;
  const synthAudio = asAudio(synth, rate, 'synth');
  const refAudio = asAudio(ref, rate, 'ref');
  // Compare only the band both inputs carry: a 16 kHz input has nothing above ~7.4 kHz after resampling.
  const fMax = Math.min(base.fMax, BANDWIDTH_FRACTION * Math.min(synthAudio.sampleRate, refAudio.sampleRate));
  const o = fMax === base.fMax ? base : resolveAnalysis({ ...base, fMax });
  const s = analyse(synthAudio, o);
  const r = analyse(refAudio, o);
  const m = mcdFromCepstra(s.cepstra, r.cepstra, { order: o.order, band: o.dtwBand });
  const f = f0Rmse(s.f0, r.f0, m.alignment);
  return {
    mcd: m.mcd,
    f0Rmse: f.rmseHz,
    f0RmseCents: f.rmseCents,
    vde: f.vde,
    durationRatio: r.samples.length > 0 ? s.samples.length / r.samples.length : Number.NaN,
    frames: { synth: s.cepstra.count, ref: r.cepstra.count, path: m.alignment.length },
    voicedPairs: f.voicedPairs,
    order: o.order,
    fMax: o.fMax,
    synthSeconds: s.samples.length / o.sampleRate,
    refSeconds: r.samples.length / o.sampleRate,
  };
}

/** Means of {@link PairResult}s; each mean skips non-finite values (e.g. F0 RMSE without voiced pairs). */
export interface Summary {
  /** Number of rows. */
  count: number;
  mcd: number;
  f0Rmse: number;
  f0RmseCents: number;
  vde: number;
  durationRatio: number;
  /** Rows whose F0 RMSE was defined. */
  f0Count: number;
  /** Cepstral order of the rows (NaN if they differ). */
  order: number;
}

/** Means over rows (NaN for an empty list or a column without finite values). */
export function summarize(rows: readonly PairResult[]): Summary {
  const mean = (pick: (r: PairResult) => number) => {
    let s = 0;
    let c = 0;
    for (const r of rows) {
      const v = pick(r);
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    return { mean: c ? s / c : Number.NaN, count: c };
  };
  const f0 = mean((r) => r.f0Rmse);
  const orders = new Set(rows.map((r) => r.order));
  return {
    count: rows.length,
    mcd: mean((r) => r.mcd).mean,
    f0Rmse: f0.mean,
    f0RmseCents: mean((r) => r.f0RmseCents).mean,
    vde: mean((r) => r.vde).mean,
    durationRatio: mean((r) => r.durationRatio).mean,
    f0Count: f0.count,
    order: orders.size === 1 ? [...orders][0] : Number.NaN,
  };
}
export {
  ASR_PADDING_SECONDS,
  ASR_SAMPLE_RATE,
  type AsrResult,
  cmudict,
  createRecognizer,
  EVERYDAY_SENTENCES,
  espeakPronunciation,
  ipaToCmu,
  normalizeWords,
  parseDictionary,
  pocketsphinxMissing,
  type Recognizer,
  type RecognizerOptions,
  readSentences,
  restrictDictionary,
  scoreUtterance,
  toAsrInput,
  totalWer,
  type WordErrors,
  wordErrors,
  writeArpa,
} from './asr.ts';
