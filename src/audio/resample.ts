/**
 * Band-limited resampling by a Kaiser-windowed sinc, evaluated as a polyphase filter, in pure TypeScript.
 *
 * The rates are reduced by their gcd to `from = orig / g`, `to = new / g`. Output sample j sits at input
 * position `j * orig / new`; it is the sum of the input samples within `zeros * orig / base` samples of that
 * position, weighted by `h(d) = (base / orig) * sinc(d * base / orig) * kaiser(d * base / orig / zeros)`,
 * where `base = min(orig, new) * rolloff` puts the cut-off at `rolloff` times the lower Nyquist frequency.
 * Outside the signal the input is taken as zero. The filter of each of the `new` phases is computed once.
 * This is the same kernel as torchaudio's `resample(..., resampling_method='sinc_interp_kaiser')`
 * (`quality: 'torchaudio'` selects its default parameters).
 */

/** Named parameter sets. */
export type ResampleQuality = 'fast' | 'default' | 'best' | 'torchaudio';

/** Options of `resample`. */
export interface ResampleOptions {
  /**
   * Parameter preset (default 'default'):
   * - 'fast': 12 zero crossings each side, rolloff 0.88, beta 7 (about 70 dB stop band);
   * - 'default': 24 zero crossings, rolloff 0.92, beta 8.6 (> 80 dB stop band from the lower Nyquist on);
   * - 'best': 64 zero crossings, rolloff 0.9475937167399596, beta 14.769656459379492 (resampy's kaiser_best);
   * - 'torchaudio': 6 zero crossings, rolloff 0.99, beta 14.769656459379492 (torchaudio's sinc_interp_kaiser
   *   defaults: sharp cut-off but a wide transition band, so little attenuation just above the cut-off).
   */
  quality?: ResampleQuality;
  /** Zero crossings of the sinc on each side of the centre (overrides the preset). */
  lowpassFilterWidth?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency, in (0, 1] (overrides the preset). */
  rolloff?: number;
  /** Kaiser window shape parameter (overrides the preset). */
  beta?: number;
}

const PRESETS: Record<ResampleQuality, { lowpassFilterWidth: number; rolloff: number; beta: number }> = {
  fast: { lowpassFilterWidth: 12, rolloff: 0.88, beta: 7 },
  default: { lowpassFilterWidth: 24, rolloff: 0.92, beta: 8.6 },
  best: { lowpassFilterWidth: 64, rolloff: 0.9475937167399596, beta: 14.769656459379492 },
  torchaudio: { lowpassFilterWidth: 6, rolloff: 0.99, beta: 14.769656459379492 },
};

/** Phase tables larger than this many taps are not precomputed; weights are then computed per sample. */
const MAX_TABLE_TAPS = 1 << 22;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for all x used here). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Output length for `n` input samples: ceil(n * toRate / fromRate). */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  // Integer arithmetic: exact as long as n * next < 2^53.
  return Math.floor((n * next + orig - 1) / orig);
}

/**
 * Resamples mono audio from `fromRate` to `toRate` (both positive integers, Hz) with an anti-aliasing
 * Kaiser-windowed sinc filter. Returns `ceil(n * toRate / fromRate)` samples; returns a copy when the rates
 * are equal.
 */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  for (const [name, r] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!Number.isSafeInteger(r) || r <= 0)
      throw new Error(`resample: ${name} must be a positive integer (Hz), got ${r}`);
  }
  if (fromRate === toRate) return samples.slice();
  const preset = PRESETS[options.quality ?? 'default'];
  if (!preset) throw new Error(`resample: unknown quality ${String(options.quality)}`);
  const zeros = options.lowpassFilterWidth ?? preset.lowpassFilterWidth;
  const rolloff = options.rolloff ?? preset.rolloff;
  const beta = options.beta ?? preset.beta;
  if (!(zeros > 0)) throw new Error(`resample: lowpassFilterWidth must be > 0, got ${zeros}`);
  if (!(rolloff > 0 && rolloff <= 1)) throw new Error(`resample: rolloff must be in (0, 1], got ${rolloff}`);
  if (!(beta >= 0)) throw new Error(`resample: beta must be >= 0, got ${beta}`);

  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  const n = samples.length;
  const outLen = resampledLength(n, fromRate, toRate);
  const out = new Float32Array(outLen);
  if (outLen === 0) return out;

  const base = Math.min(orig, next) * rolloff;
  const stretch = base / orig; // input samples -> sinc argument units
  const half = zeros / stretch; // half-width of the kernel, in input samples
  const reach = Math.ceil(half); // taps from floor(centre) - reach + 1 ... floor(centre) + reach
  const taps = 2 * reach;
  const i0Beta = besselI0(beta);
  const weight = (d: number): number => {
    const t = d * stretch;
    if (t <= -zeros || t >= zeros) return 0;
    const r = t / zeros;
    const w = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
    const s = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    return stretch * s * w;
  };
  // Phase p: centre c = p * orig / next = floor + frac; taps at input offsets floor - reach + 1 + k.
  const fill = (p: number, into: Float64Array, at: number): void => {
    const c = (p * orig) / next;
    const fl = Math.floor(c);
    for (let k = 0; k < taps; k++) into[at + k] = weight(fl - reach + 1 + k - c);
  };
  const tableable = next * taps <= MAX_TABLE_TAPS;
  const table = new Float64Array(tableable ? next * taps : taps);
  if (tableable) for (let p = 0; p < next; p++) fill(p, table, p * taps);

  for (let j = 0, block = 0, p = 0; j < outLen; j++) {
    // j = block * next + p; input centre = block * orig + p * orig / next
    let at = 0;
    if (tableable) at = p * taps;
    else fill(p, table, 0);
    const start = block * orig + Math.floor((p * orig) / next) - reach + 1;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      for (let k = 0; k < taps; k++) acc += table[at + k]! * samples[start + k]!;
    } else {
      const k0 = Math.max(0, -start);
      const k1 = Math.min(taps, n - start);
      for (let k = k0; k < k1; k++) acc += table[at + k]! * samples[start + k]!;
    }
    out[j] = acc;
    if (++p === next) {
      p = 0;
      block++;
    }
  }
  return out;
}
