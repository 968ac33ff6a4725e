/**
 * `AudioProcessor`: Coqui TTS's AudioProcessor (TTS/utils/audio/processor.py, 0.22) on the tensor engine,
 * batched and differentiable.
 *
 * Layouts: waveforms [B, T] (or [T]), samples nominally in [-1, 1]; spectrograms [B, C, frames] (or
 * [C, frames]) with C = fftSize / 2 + 1 for linear and numMels for mel spectrograms, frames = 1 + T // hop.
 * Amplitudes are linear STFT magnitudes; "dB" values are specGain * log_base(amplitude) (base 10 or e as
 * logFunc says: with Coqui's defaults 20 log10, i.e. decibels).
 *
 * Numerics: the STFT and everything after it run in the processor's `dtype` ('float32' by default;
 * 'float64' reproduces Coqui, which computes in float64, to float32 rounding); `melspectrogram` and
 * `spectrogram` return float32 as Coqui does. The mel filterbank is librosa's float32 one.
 *
 * Differences from Coqui, all deliberate:
 * - mean/std statistics (`statsPath`) are read from a JSON file with Coqui's keys (`mel_mean`, `mel_std`,
 *   `linear_mean`, `linear_std`, optional `audio_config`) instead of a pickled .npy; and a linear
 *   spectrogram is matched to the linear statistics by its channel count (Coqui compares it with
 *   fft_size / 2, which never matches a fft_size / 2 + 1 spectrogram).
 * - batched Griffin-Lim returns an all-zero row for an item whose first ISTFT is not finite (Coqui returns a
 *   single 0 sample; so does `invSpectrogram` / `invMelspectrogram` here for an unbatched input).
 * - the Griffin-Lim initial phase comes from the tensor engine's RNG, not numpy's.
 * - `computeF0` is not provided.
 */

import { readFileSync } from 'node:fs';
import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';
import {
  deemphasis,
  nonSilentBounds,
  preemphasis,
  rmsVolumeNorm,
  soundNorm,
  type TrimOptions,
  trimSilence,
} from './effects.ts';
import { griffinLim } from './griffinLim.ts';
import { melFilterbank } from './mel.ts';
import { type StftPadMode, type StftParams, stft, stftMagnitude } from './stft.ts';

/**
 * The audio fields the processor reads: Coqui's BaseAudioConfig in camelCase (src/config's BaseAudioConfig
 * has this shape). Missing fields take BaseAudioConfig's defaults.
 */
export interface AudioProcessorConfig {
  /** Sampling rate in Hz (default 22050). */
  sampleRate?: number;
  /** Resample files of another rate when loading (default false). */
  resample?: boolean;
  /** FFT size (default 1024). */
  fftSize?: number;
  /** Window length in samples (default 1024; fftSize when null). */
  winLength?: number | null;
  /** Hop in samples (default 256). When null, frameShiftMs/frameLengthMs give hop and window (Coqui). */
  hopLength?: number | null;
  /** Hop in milliseconds; used only when hopLength is null (as in Coqui). */
  frameShiftMs?: number | null;
  /** Window length in milliseconds; used only when hopLength is null (as in Coqui). */
  frameLengthMs?: number | null;
  /** Padding of the signal ends for the centred STFT (default 'reflect'). */
  stftPadMode?: StftPadMode | 'circular';
  /** Pre-emphasis coefficient, 0 = off (default 0). */
  preemphasis?: number;
  /** Reference level subtracted before normalisation, in dB (default 20). */
  refLevelDb?: number;
  /** Peak-normalise waveforms when loading (default false). */
  doSoundNorm?: boolean;
  /** Logarithm of amplitude-to-dB: 'np.log10' (default) or 'np.log'. */
  logFunc?: 'np.log10' | 'np.log';
  /** Trim leading/trailing silence when loading (default true). */
  doTrimSilence?: boolean;
  /** Silence threshold in dB below the loudest frame (default 45). */
  trimDb?: number;
  /** RMS-normalise waveforms to dbLevel when loading (default false). */
  doRmsNorm?: boolean;
  /** Target level of RMS normalisation in dB, -99..0 (default null: -27 when used). */
  dbLevel?: number | null;
  /** Magnitude exponent before Griffin-Lim (default 1.5). */
  power?: number;
  /** Griffin-Lim iterations (default 60). */
  griffinLimIters?: number;
  /** Mel bands (default 80). */
  numMels?: number;
  /** Lowest mel frequency in Hz (default 0). */
  melFmin?: number | null;
  /** Highest mel frequency in Hz (default null: sampleRate / 2). */
  melFmax?: number | null;
  /** Gain of amplitude-to-dB (default 20). */
  specGain?: number;
  /** Convert linear spectrograms to dB (default true). */
  doAmpToDbLinear?: boolean;
  /** Convert mel spectrograms to dB (default true). */
  doAmpToDbMel?: boolean;
  /** Normalise spectrograms (default true). */
  signalNorm?: boolean;
  /** Floor of the dB range used by normalisation (default -100). */
  minLevelDb?: number;
  /** Normalise to [-maxNorm, maxNorm] instead of [0, maxNorm] (default true). */
  symmetricNorm?: boolean;
  /** k of the normalisation range (default 4). */
  maxNorm?: number | null;
  /** Clip normalised values to the range (default true). */
  clipNorm?: boolean;
  /** JSON mean/std statistics file (see the module comment), used when signalNorm is on (default null). */
  statsPath?: string | null;
  pitchFmin?: number;
  pitchFmax?: number;
}

/** Mean/std statistics per channel (Coqui's stats file content). */
export interface AudioStats {
  mel_mean: number[];
  mel_std: number[];
  linear_mean: number[];
  linear_std: number[];
  /** The snake_case audio config the statistics were computed with. */
  audio_config?: Record<string, unknown>;
}

/** Options of the AudioProcessor that are not part of the audio config. */
export interface AudioProcessorOptions {
  /** dtype of the STFT and of the feature computation (default 'float32'). */
  dtype?: 'float32' | 'float64';
  /** Statistics given directly instead of through config.statsPath. */
  stats?: AudioStats;
}

const DEFAULTS = {
  sampleRate: 22050,
  fftSize: 1024,
  winLength: 1024,
  hopLength: 256,
  stftPadMode: 'reflect',
  preemphasis: 0,
  refLevelDb: 20,
  logFunc: 'np.log10',
  trimDb: 45,
  power: 1.5,
  griffinLimIters: 60,
  numMels: 80,
  specGain: 20,
  minLevelDb: -100,
  maxNorm: 4,
} as const;

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A camelCase audio config from Coqui's snake_case `audio` dict (e.g. a Coqui config.json's "audio"). */
export function audioConfigFromCoqui(audio: Record<string, unknown>): AudioProcessorConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(audio)) out[snakeToCamel(k)] = v;
  return out as AudioProcessorConfig;
}

/** Reads a JSON statistics file (Coqui's .npy stats converted: same keys, arrays as JSON lists). */
export function loadAudioStats(path: string): AudioStats {
  if (path.endsWith('.npy')) {
    throw new Error(
      `${path}: pickled .npy statistics are not supported; convert them to JSON with the keys mel_mean, ` +
        'mel_std, linear_mean, linear_std (and audio_config), e.g. json.dump({k: v.tolist() ...})',
    );
  }
  const stats = JSON.parse(readFileSync(path, 'utf8')) as AudioStats;
  for (const key of ['mel_mean', 'mel_std', 'linear_mean', 'linear_std'] as const) {
    if (!Array.isArray(stats[key])) throw new Error(`${path}: missing the array "${key}"`);
  }
  return stats;
}

interface Scaler {
  mean: Tensor;
  std: Tensor;
}

/**
 * Feature extraction and inversion with Coqui's AudioProcessor semantics. Every method takes batched
 * tensors ([B, T] waveforms, [B, C, frames] spectrograms) or unbatched ones ([T], [C, frames]) and returns
 * new tensors (never its argument).
 */
export class AudioProcessor {
  readonly sampleRate: number;
  readonly resample: boolean;
  readonly fftSize: number;
  readonly winLength: number;
  readonly hopLength: number;
  readonly stftPadMode: StftPadMode;
  readonly numMels: number;
  readonly melFmin: number;
  readonly melFmax: number | null;
  readonly preemphasis: number;
  readonly refLevelDb: number;
  readonly minLevelDb: number;
  readonly specGain: number;
  readonly logFunc: 'np.log10' | 'np.log';
  /** Logarithm base of amplitude-to-dB: 10 or e. */
  readonly base: number;
  readonly signalNorm: boolean;
  readonly symmetricNorm: boolean;
  readonly maxNorm: number;
  readonly clipNorm: boolean;
  readonly power: number;
  readonly griffinLimIters: number;
  readonly doAmpToDbLinear: boolean;
  readonly doAmpToDbMel: boolean;
  readonly doTrimSilence: boolean;
  readonly trimDb: number;
  readonly doSoundNorm: boolean;
  readonly doRmsNorm: boolean;
  readonly dbLevel: number | null;
  readonly statsPath: string | null;
  /** Compute dtype of the STFT and features. */
  readonly dtype: 'float32' | 'float64';
  /** librosa's mel filterbank, float32 [numMels, fftSize / 2 + 1]. Kept; do not dispose. */
  readonly melBasis: Tensor;
  /** melBasis, its pseudo-inverse and the statistics converted to other dtypes/devices, kept. */
  #converted = new Map<string, Tensor>();
  #invMelBasis: Tensor | null = null;
  #melScaler: Scaler | null = null;
  #linearScaler: Scaler | null = null;

  constructor(config: AudioProcessorConfig = {}, options: AudioProcessorOptions = {}) {
    const c = config;
    this.sampleRate = c.sampleRate ?? DEFAULTS.sampleRate;
    this.resample = c.resample ?? false;
    this.fftSize = c.fftSize ?? DEFAULTS.fftSize;
    if (c.hopLength === null) {
      // Coqui's millisec_to_length: only when hop_length is None.
      const lengthMs = c.frameLengthMs;
      const shiftMs = c.frameShiftMs;
      if (lengthMs == null || shiftMs == null) {
        throw new Error('AudioProcessor: hopLength is null and frameLengthMs/frameShiftMs are not both set');
      }
      const factor = lengthMs / shiftMs;
      if (!Number.isInteger(factor))
        throw new Error('AudioProcessor: frameShiftMs must divide frameLengthMs');
      this.winLength = Math.trunc((lengthMs / 1000) * this.sampleRate);
      this.hopLength = Math.trunc(this.winLength / factor);
    } else {
      this.hopLength = c.hopLength ?? DEFAULTS.hopLength;
      this.winLength = c.winLength === null ? this.fftSize : (c.winLength ?? DEFAULTS.winLength);
    }
    if (this.winLength > this.fftSize) {
      throw new RangeError(`AudioProcessor: winLength ${this.winLength} exceeds fftSize ${this.fftSize}`);
    }
    const pad = c.stftPadMode ?? DEFAULTS.stftPadMode;
    if (pad === 'circular') throw new Error("AudioProcessor: stftPadMode 'circular' is not supported");
    this.stftPadMode = pad;
    this.numMels = c.numMels ?? DEFAULTS.numMels;
    this.melFmin = c.melFmin || 0;
    this.melFmax = c.melFmax ?? null;
    this.preemphasis = c.preemphasis ?? DEFAULTS.preemphasis;
    this.refLevelDb = c.refLevelDb ?? DEFAULTS.refLevelDb;
    const minLevelDb = c.minLevelDb ?? DEFAULTS.minLevelDb;
    if (minLevelDb === 0) throw new RangeError('AudioProcessor: minLevelDb is 0');
    this.minLevelDb = minLevelDb;
    this.specGain = c.specGain ?? DEFAULTS.specGain;
    this.logFunc = c.logFunc ?? DEFAULTS.logFunc;
    if (this.logFunc === 'np.log10') this.base = 10;
    else if (this.logFunc === 'np.log') this.base = Math.E;
    else throw new Error(`AudioProcessor: unknown logFunc ${JSON.stringify(this.logFunc)}`);
    this.signalNorm = c.signalNorm ?? true;
    this.symmetricNorm = c.symmetricNorm ?? true;
    this.maxNorm = c.maxNorm ?? (c.maxNorm === null ? 1 : DEFAULTS.maxNorm);
    this.clipNorm = c.clipNorm ?? true;
    this.power = c.power ?? DEFAULTS.power;
    this.griffinLimIters = c.griffinLimIters ?? DEFAULTS.griffinLimIters;
    this.doAmpToDbLinear = c.doAmpToDbLinear ?? true;
    this.doAmpToDbMel = c.doAmpToDbMel ?? true;
    this.doTrimSilence = c.doTrimSilence ?? true;
    this.trimDb = c.trimDb ?? DEFAULTS.trimDb;
    this.doSoundNorm = c.doSoundNorm ?? false;
    this.doRmsNorm = c.doRmsNorm ?? false;
    this.dbLevel = c.dbLevel ?? null;
    this.statsPath = c.statsPath ?? null;
    this.dtype = options.dtype ?? 'float32';

    if (this.melFmax !== null) {
      if (this.melFmax > Math.floor(this.sampleRate / 2))
        throw new RangeError('AudioProcessor: melFmax > sr / 2');
      if (this.melFmax - this.melFmin <= 0) throw new RangeError('AudioProcessor: melFmax <= melFmin');
    }
    this.melBasis = torch.keep(
      melFilterbank({
        sampleRate: this.sampleRate,
        nFft: this.fftSize,
        nMels: this.numMels,
        fmin: this.melFmin,
        fmax: this.melFmax,
      }),
    );

    const stats =
      options.stats ?? (this.statsPath && this.signalNorm ? loadAudioStats(this.statsPath) : null);
    if (stats && this.signalNorm) {
      this.#checkStatsConfig(stats);
      this.#setupScaler(stats);
    }
  }

  /** Whether mean/std statistics replace the range normalisation. */
  get hasStats(): boolean {
    return this.#melScaler !== null;
  }

  /** The STFT framing of this processor. */
  get stftParams(): StftParams {
    return {
      nFft: this.fftSize,
      hop: this.hopLength,
      win: this.winLength,
      center: true,
      padMode: this.stftPadMode,
    };
  }

  #checkStatsConfig(stats: AudioStats): void {
    const cfg = stats.audio_config;
    if (!cfg) return;
    const skip = new Set(['griffin_lim_iters', 'stats_path', 'do_trim_silence', 'ref_level_db', 'power']);
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(cfg)) {
      if (skip.has(key) || key === 'sample_rate' || key === 'trim_db') continue;
      const own = self[snakeToCamel(key)];
      if (own === undefined || typeof own === 'object') continue;
      if (own !== value) {
        throw new Error(
          `AudioProcessor: audio parameter ${key} does not match the one used for the statistics: ${JSON.stringify(value)} vs ${JSON.stringify(own)}`,
        );
      }
    }
  }

  #setupScaler(stats: AudioStats): void {
    const make = (mean: number[], std: number[]): Scaler => ({
      mean: torch.keep(torch.tensor(Float64Array.from(mean), { dtype: 'float64' }).unsqueeze(1)),
      std: torch.keep(torch.tensor(Float64Array.from(std), { dtype: 'float64' }).unsqueeze(1)),
    });
    this.#melScaler = make(stats.mel_mean, stats.mel_std);
    this.#linearScaler = make(stats.linear_mean, stats.linear_std);
  }

  #scalerFor(s: Tensor): Scaler {
    const channels = s.size(-2);
    if (this.#melScaler && channels === this.numMels) return this.#melScaler;
    if (this.#linearScaler && channels === this.#linearScaler.mean.size(0)) return this.#linearScaler;
    throw new RangeError(`AudioProcessor: mean/std statistics do not match ${channels} channels`);
  }

  // ----- amplitude <-> dB -------------------------------------------------------------------------------------

  /** specGain * log_base(max(1e-8, x)): amplitude -> dB (any shape). Differentiable. */
  ampToDb(x: Tensor): Tensor {
    return torch.tidy(() => {
      const clamped = x.clampMin(1e-8);
      const log = this.base === 10 ? torch.aten.log10(clamped) : clamped.log();
      return log.mul(this.specGain);
    });
  }

  /** base^(x / specGain): dB -> amplitude (any shape). Differentiable. */
  dbToAmp(x: Tensor): Tensor {
    return torch.tidy(() => {
      const e = x.div(this.specGain);
      return this.base === 10 ? e.mul(Math.LN10).exp() : e.exp();
    });
  }

  // ----- normalisation ----------------------------------------------------------------------------------------

  /**
   * dB spectrogram [B, C, T] or [C, T] -> normalised: (S - refLevelDb - minLevelDb) / -minLevelDb mapped to
   * [-maxNorm, maxNorm] (symmetric) or [0, maxNorm], clipped with clipNorm; or (S - mean) / std per channel
   * with statistics; identity (a copy) when signalNorm is off. Differentiable.
   */
  normalize(s: Tensor): Tensor {
    if (!this.signalNorm) return s.clone();
    return torch.tidy(() => {
      if (this.#melScaler) {
        const { mean, std } = this.#scalerFor(s);
        return s.sub(this.#like(`mean${mean.size(0)}`, mean, s)).div(this.#like(`std${std.size(0)}`, std, s));
      }
      const shifted = s.sub(this.refLevelDb);
      const unit = shifted.sub(this.minLevelDb).div(-this.minLevelDb);
      if (this.symmetricNorm) {
        const n = unit.mul(2 * this.maxNorm).sub(this.maxNorm);
        return this.clipNorm ? n.clamp(-this.maxNorm, this.maxNorm) : n;
      }
      const n = unit.mul(this.maxNorm);
      return this.clipNorm ? n.clamp(0, this.maxNorm) : n;
    });
  }

  /** Inverse of `normalize` (clipping first when clipNorm, as Coqui), back to dB. Differentiable. */
  denormalize(s: Tensor): Tensor {
    if (!this.signalNorm) return s.clone();
    return torch.tidy(() => {
      if (this.#melScaler) {
        const { mean, std } = this.#scalerFor(s);
        return s.mul(this.#like(`std${std.size(0)}`, std, s)).add(this.#like(`mean${mean.size(0)}`, mean, s));
      }
      if (this.symmetricNorm) {
        const c = this.clipNorm ? s.clamp(-this.maxNorm, this.maxNorm) : s;
        return c
          .add(this.maxNorm)
          .mul(-this.minLevelDb)
          .div(2 * this.maxNorm)
          .add(this.minLevelDb)
          .add(this.refLevelDb);
      }
      const c = this.clipNorm ? s.clamp(0, this.maxNorm) : s;
      return c.mul(-this.minLevelDb).div(this.maxNorm).add(this.minLevelDb).add(this.refLevelDb);
    });
  }

  // ----- waveform effects -------------------------------------------------------------------------------------

  /** Pre-emphasis with this.preemphasis (throws when it is 0). wav [B, T] or [T]. Differentiable. */
  applyPreemphasis(wav: Tensor): Tensor {
    return preemphasis(wav, this.preemphasis);
  }

  /** Inverse pre-emphasis (throws when the coefficient is 0). wav [B, T] or [T]. */
  applyInvPreemphasis(wav: Tensor): Tensor {
    return deemphasis(wav, this.preemphasis);
  }

  /** The RMS-trim parameters Coqui passes to librosa.effects.trim. */
  get trimOptions(): TrimOptions {
    return { topDb: this.trimDb, frameLength: this.winLength, hopLength: this.hopLength };
  }

  /**
   * Coqui's trim_silence: cut int(sr * 0.01) samples at both ends, then leading/trailing silence quieter than
   * trimDb below the loudest frame (frame = winLength, hop = hopLength). wav [T] -> [T'].
   */
  trimSilence(wav: Tensor): Tensor {
    return trimSilence(wav, this.sampleRate, this.trimOptions);
  }

  /**
   * Non-silent [start, end) per row of wav [B, T] (or [T]) with librosa.effects.trim semantics and this
   * processor's parameters (no margin cut).
   */
  nonSilentBounds(wav: Tensor): { start: number; end: number }[] {
    return nonSilentBounds(wav, this.trimOptions);
  }

  /** Peak normalisation to 0.95, per row of [B, T] or [T]. */
  soundNorm(wav: Tensor): Tensor {
    return soundNorm(wav);
  }

  /** RMS normalisation to dbLevel (default this.dbLevel, else -27 dB), per row of [B, T] or [T]. */
  rmsVolumeNorm(wav: Tensor, dbLevel?: number): Tensor {
    return rmsVolumeNorm(wav, dbLevel ?? this.dbLevel ?? -27);
  }

  /**
   * What Coqui's load_wav does after reading: trim silence, peak and RMS normalisation as the config says.
   * wav [T] -> [T'].
   */
  prepareWav(wav: Tensor): Tensor {
    return torch.tidy(() => {
      let x = wav;
      if (this.doTrimSilence) x = this.trimSilence(x);
      if (this.doSoundNorm) x = this.soundNorm(x);
      if (this.doRmsNorm) x = this.rmsVolumeNorm(x, this.dbLevel ?? undefined);
      return x === wav ? wav.clone() : x;
    });
  }

  // ----- spectrograms -----------------------------------------------------------------------------------------

  #toCompute(wav: Tensor): Tensor {
    return wav.dtype === this.dtype ? wav : wav.to(this.dtype);
  }

  /** `base` (a kept constant) in the dtype and on the device of `like`, converted once and cached. */
  #like(name: string, base: Tensor, like: Tensor): Tensor {
    const dtype = like.dtype === 'float64' ? 'float64' : 'float32';
    if (base.dtype === dtype && base.device === like.device) return base;
    const key = `${name}/${dtype}/${like.device}`;
    let t = this.#converted.get(key);
    if (t === undefined) {
      t = torch.keep(torch.noGrad(() => torch.tidy(() => base.to(dtype).to(like.device))));
      this.#converted.set(key, t);
    }
    return t;
  }

  /**
   * |STFT| of wav [B, T] or [T] -> [B, fftSize / 2 + 1, frames] in this.dtype (pre-emphasis applied when
   * set). Differentiable.
   */
  magnitude(wav: Tensor): Tensor {
    return torch.tidy(() => {
      let x = this.#toCompute(wav);
      if (this.preemphasis !== 0) x = this.applyPreemphasis(x);
      return stftMagnitude(x, this.stftParams);
    });
  }

  /** Complex STFT of wav [B, T] or [T] in this.dtype, without pre-emphasis. */
  stft(wav: Tensor): Tensor {
    return torch.tidy(() => stft(this.#toCompute(wav), this.stftParams));
  }

  /** Mel amplitudes: melBasis @ spec, [B, fftSize / 2 + 1, T] -> [B, numMels, T]. Differentiable. */
  specToMel(spec: Tensor): Tensor {
    return torch.tidy(() => this.#like('melBasis', this.melBasis, spec).matmul(spec));
  }

  /**
   * Linear amplitudes from mel amplitudes as Coqui's mel_to_spec: max(1e-10, pinv(melBasis) @ mel),
   * [B, numMels, T] -> [B, fftSize / 2 + 1, T]. The pseudo-inverse is computed in float64 once.
   */
  melToSpec(mel: Tensor): Tensor {
    if (this.#invMelBasis === null) {
      this.#invMelBasis = torch.keep(
        torch.noGrad(() => torch.tidy(() => torch.aten.linalg_pinv(this.melBasis.to('float64'), 1e-15))),
      );
    }
    const inv = this.#invMelBasis;
    return torch.tidy(() => this.#like('invMelBasis', inv, mel).matmul(mel).clampMin(1e-10));
  }

  /**
   * Linear spectrogram of wav [B, T] or [T] -> float32 [B, fftSize / 2 + 1, frames]: |STFT|, then dB when
   * doAmpToDbLinear, then `normalize`. Differentiable.
   */
  spectrogram(wav: Tensor): Tensor {
    return torch.tidy(() => {
      const mag = this.magnitude(wav);
      const s = this.doAmpToDbLinear ? this.ampToDb(mag) : mag;
      return this.normalize(s).to('float32');
    });
  }

  /**
   * Mel spectrogram of wav [B, T] or [T] -> float32 [B, numMels, frames]: |STFT|, melBasis @, dB when
   * doAmpToDbMel, then `normalize`. Differentiable (usable in losses).
   */
  melspectrogram(wav: Tensor): Tensor {
    return torch.tidy(() => {
      const mel = this.specToMel(this.magnitude(wav));
      const s = this.doAmpToDbMel ? this.ampToDb(mel) : mel;
      return this.normalize(s).to('float32');
    });
  }

  /**
   * Normalised linear spectrogram -> normalised mel spectrogram (Coqui's out_linear_to_mel), [B, C, T].
   */
  outLinearToMel(linear: Tensor): Tensor {
    return torch.tidy(() => {
      const amp = this.dbToAmp(this.denormalize(linear));
      return this.normalize(this.ampToDb(this.specToMel(amp.abs())));
    });
  }

  // ----- inversion --------------------------------------------------------------------------------------------

  /**
   * Griffin-Lim on linear magnitudes `mag` [B, fftSize / 2 + 1, T] (or unbatched), used as given, in
   * this.dtype: waveforms [B, hop * (T - 1)]. For an unbatched input whose first ISTFT is not finite,
   * returns a single 0 sample as Coqui; batched rows in that case are zeros.
   */
  griffinLim(mag: Tensor): Tensor {
    return torch.tidy(() => {
      const { wav, finite } = griffinLim(this.#toCompute(mag), {
        ...this.stftParams,
        iters: this.griffinLimIters,
      });
      if (mag.ndim === 2 && !finite[0]) {
        console.warn(' [!] Waveform is not finite everywhere. Skipping the GL.');
        return torch.zeros([1], { dtype: wav.dtype, device: wav.device });
      }
      return wav;
    });
  }

  /**
   * Waveform from a (normalised) linear spectrogram [B, C, T] or [C, T], as Coqui's inv_spectrogram:
   * denormalize, dbToAmp (always, even when doAmpToDbLinear is off: Coqui's behaviour), ^power,
   * Griffin-Lim, inverse pre-emphasis. The steps before Griffin-Lim run in the input's dtype.
   */
  invSpectrogram(spec: Tensor): Tensor {
    return torch.tidy(() => {
      const amp = this.dbToAmp(this.denormalize(spec));
      const w = this.griffinLim(amp.pow(this.power));
      return this.preemphasis !== 0 && w.size(-1) > 1 ? this.applyInvPreemphasis(w) : w;
    });
  }

  /**
   * Waveform from a (normalised) mel spectrogram [B, numMels, T] or [numMels, T], as Coqui's
   * inv_melspectrogram: denormalize, dbToAmp, melToSpec, ^power, Griffin-Lim, inverse pre-emphasis.
   */
  invMelspectrogram(mel: Tensor): Tensor {
    return torch.tidy(() => {
      const amp = this.melToSpec(this.dbToAmp(this.denormalize(mel)));
      const w = this.griffinLim(amp.pow(this.power));
      return this.preemphasis !== 0 && w.size(-1) > 1 ? this.applyInvPreemphasis(w) : w;
    });
  }

  /** Releases the kept tensors (filterbank, pseudo-inverse, statistics). The processor is unusable after. */
  dispose(): void {
    this.melBasis.dispose();
    for (const t of this.#converted.values()) t.dispose();
    this.#converted.clear();
    this.#invMelBasis?.dispose();
    for (const s of [this.#melScaler, this.#linearScaler]) {
      s?.mean.dispose();
      s?.std.dispose();
    }
  }
}
