/** Loudness normalisation of synthesized audio (plain Float32Array arithmetic, no tensors). */
import type { Normalization } from './types.ts';

/** Default target peak (linear) of peak normalisation: Coqui's `sound_norm` coefficient. */
export const DEFAULT_PEAK = 0.95;
/** Default target level (dBFS) of RMS normalisation: Coqui's `rms_volume_norm` default. */
export const DEFAULT_RMS_DB = -27;

/** max |x| of the samples (0 for an empty array). */
export function peakOf(samples: Float32Array): number {
  let m = 0;
  for (let i = 0; i < samples.length; i++) {
    const a = Math.abs(samples[i]!);
    if (a > m) m = a;
  }
  return m;
}

/** Root mean square of the samples (0 for an empty array). */
export function rmsOf(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < samples.length; i++) s += samples[i]! * samples[i]!;
  return Math.sqrt(s / samples.length);
}

/**
 * Largest peak synthesized audio leaves the Synthesizer with: louder audio is scaled down to it, never clipped
 * (Griffin-Lim and neural vocoders can overshoot full scale several times; a 16-bit file would clip there).
 */
export const MAX_PEAK = DEFAULT_PEAK;

/** The samples scaled down so that max |x| = MAX_PEAK when they are louder (the input itself otherwise). */
export function limitPeak(samples: Float32Array): Float32Array {
  const peak = peakOf(samples);
  if (!(peak > MAX_PEAK)) return samples;
  const gain = MAX_PEAK / peak;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * gain;
  return out;
}

/**
 * Returns normalised samples (a new array; the input is left as it is):
 * - none: the input, scaled down only when its peak exceeds `MAX_PEAK`;
 * - peak: x * peak / max|x|;
 * - rms: x * 10^(db/20) / rms(x), then scaled down like `none` if that overshoots (never clipped).
 * Silent input (all zeros) is returned unchanged.
 */
export function normalizeAudio(samples: Float32Array, norm: Normalization): Float32Array {
  if (norm.kind === 'none') return limitPeak(samples);
  let gain: number;
  if (norm.kind === 'peak') {
    const peak = peakOf(samples);
    if (peak === 0) return samples;
    gain = (norm.peak ?? DEFAULT_PEAK) / peak;
  } else {
    const rms = rmsOf(samples);
    if (rms === 0) return samples;
    gain = 10 ** ((norm.db ?? DEFAULT_RMS_DB) / 20) / rms;
  }
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * gain;
  return norm.kind === 'rms' ? limitPeak(out) : out;
}

/**
 * Parses a normalisation spec as the CLI and the server accept it: `none`, `peak`, `peak:0.9` (linear
 * target peak in (0, 1]), `rms` or `rms:-20` (target dBFS in [-60, 0]).
 * @throws RangeError naming the problem.
 */
export function parseNormalization(spec: string): Normalization {
  const [kind, value, ...extra] = spec.trim().toLowerCase().split(':');
  const num = value === undefined || value === '' ? undefined : Number(value);
  if (extra.length || (num !== undefined && !Number.isFinite(num))) {
    throw new RangeError(`normalization: cannot parse '${spec}' (use none, peak[:0.95] or rms[:-27])`);
  }
  if (kind === 'none' || kind === '') {
    if (num !== undefined) throw new RangeError(`normalization: 'none' takes no value`);
    return { kind: 'none' };
  }
  if (kind === 'peak') {
    if (num !== undefined && !(num > 0 && num <= 1))
      throw new RangeError(`normalization: peak must be in (0, 1], got ${num}`);
    return num === undefined ? { kind: 'peak' } : { kind: 'peak', peak: num };
  }
  if (kind === 'rms') {
    if (num !== undefined && !(num >= -60 && num <= 0))
      throw new RangeError(`normalization: rms level must be in [-60, 0] dBFS, got ${num}`);
    return num === undefined ? { kind: 'rms' } : { kind: 'rms', db: num };
  }
  throw new RangeError(`normalization: unknown kind '${kind}' (use none, peak[:0.95] or rms[:-27])`);
}
