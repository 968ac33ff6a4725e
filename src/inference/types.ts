/**
 * The contracts the {@link Synthesizer} is built on: a text-to-mel model, a mel-to-wave vocoder and a
 * tokenizer. Any model (Glow-TTS, a test fake, ...) that implements them can be served.
 */
import type { Tensor } from '../torch/index.ts';

/** Extra inputs of {@link SynthesisModel.inference}. */
export interface SynthesisAux {
  /** int64 [1]: number of valid token ids (= T). */
  xLengths: Tensor;
  /**
   * Duration multiplier: > 1 speaks slower (longer output), < 1 faster. Undefined: the model's default.
   * The Synthesizer passes `lengthScale / speed`.
   */
  lengthScale?: number;
  /** Standard deviation multiplier of the prior noise (0: deterministic). Undefined: the model's default. */
  noiseScale?: number;
  /** Speaker index for multi-speaker models, null/undefined for single-speaker ones. */
  speakerId?: number | null;
  /** The language of the text (the request's, else the default): a multilingual model's condition. */
  language?: string;
  /**
   * Most output frames this call may produce (set when the model has a `frameRate`): a model checks its
   * predicted durations against it before decoding and throws `OutputLimitError` beyond it.
   */
  maxFrames?: number;
}

/** A text-to-speech model as the Synthesizer drives it. */
export interface SynthesisModel {
  /**
   * What `inference` returns (default 'mel'): a mel spectrogram that the vocoder turns into audio, or a
   * waveform (end-to-end models such as VITS) played as it is, at the vocoder's `sampleRate` (the loader
   * builds both from the model's audio config).
   */
  readonly outputKind?: 'mel' | 'waveform';
  /**
   * tokenIds int64 [1, T]; returns `modelOutputs`: a mel spectrogram [1, frames, C], normalised as the
   * model's audio config says (the vocoder undoes it), or a waveform [1, 1, samples] in [-1, 1]. Called
   * under `noGrad` and `tidy`.
   */
  inference(tokenIds: Tensor, aux: SynthesisAux): { modelOutputs: Tensor };
  /** Switches to inference mode (dropout off, ...). */
  eval(): void;
  /** Speaker names, index = speaker id; absent or empty for single-speaker models. */
  readonly speakers?: string[];
  /**
   * Output frames per second of audio (sample rate / hop length). When given, the Synthesizer bounds each
   * call with `maxFrames` before the decoder runs; without it, the audio is only checked once made.
   */
  readonly frameRate?: number;
}

/** A spectrogram-to-waveform converter. */
export interface Vocoder {
  /** mel [1, frames, C] (as the model emits it) -> mono samples in about [-1, 1] at {@link sampleRate}. */
  vocode(mel: Tensor): Float32Array;
  /** Hz. */
  readonly sampleRate: number;
}

/** What the Synthesizer needs from a tokenizer (`TTSTokenizer` implements it). */
export interface SynthesisTokenizer {
  /** Text -> token ids (cleaned, phonemized, blanks, BOS/EOS as configured). */
  textToIds(text: string, language?: string): Promise<number[]>;
  /** Out-of-vocabulary symbols seen so far with their counts (grows; the Synthesizer diffs it per call). */
  readonly notFoundCharacters: Map<string, number>;
  /**
   * Whether the text goes through a phonemizer: then letters outside the language's scripts are dropped
   * and reported before it (a phonemizer would spell them out by name).
   */
  readonly usePhonemes?: boolean;
  /** Token ids that carry no speech (blank, pad, BOS, EOS): a sentence made only of them is skipped. */
  readonly characters?: { blankId?: number; padId?: number; bosId?: number; eosId?: number };
}

/** Loudness normalisation of the output. */
export type Normalization =
  /** As the model made it, scaled down only when louder than MAX_PEAK (0.95): no output is ever clipped. */
  | { kind: 'none' }
  /** Scale so that max |x| = `peak` (linear, default 0.95: Coqui's `sound_norm`). */
  | { kind: 'peak'; peak?: number }
  /** Scale so that the RMS level is `db` dBFS (default -27, Coqui's `rms_volume_norm`); never clipped (see MAX_PEAK). */
  | { kind: 'rms'; db?: number };

/**
 * What one call may produce and take: the guard against a request that would take the machine (a tiny
 * `speed`, a huge `lengthScale`). Beyond a bound the call is refused with a `SynthesisError` ('too_long' or
 * 'time_limit'); nothing is allocated for a sentence found too long.
 */
export interface SynthesisLimits {
  /** Longest audio one sentence may produce, in seconds (default 40). Checked before the decoder runs. */
  maxSentenceSeconds?: number;
  /** Longest audio one call may produce, all sentences and silences together, in seconds (default 600). */
  maxRequestSeconds?: number;
  /**
   * Wall-clock limit of one call, in seconds (default 300; 0: none). Checked between sentences and between a
   * sentence's model and vocoder steps.
   */
  maxJobSeconds?: number;
}

/** Per-call options of `Synthesizer.synthesize` / `Synthesizer.stream`. */
export interface SynthesisOptions {
  /** Speaker name, or index (number or decimal string) for multi-speaker models. */
  speaker?: string | number | null;
  /**
   * Speaking rate multiplier: 2 is twice as fast (half the duration), 0.5 half as fast. The model gets
   * `lengthScale = (lengthScale option or default) / speed`. Default 1. Must be in (0, 10].
   */
  speed?: number;
  /** Explicit duration multiplier before `speed` is applied (default: the Synthesizer's `lengthScale`). */
  lengthScale?: number;
  /** Prior noise scale reaching the model (default: the Synthesizer's `noiseScale`). */
  noiseScale?: number;
  /** Language of the text, for sentence splitting and phonemization (default: the Synthesizer's). */
  language?: string;
  /** Silence between sentences in milliseconds (default: the Synthesizer's, 200). */
  silenceBetweenSentencesMs?: number;
  /** Loudness normalisation (default: the Synthesizer's). In `stream`, applied to each chunk alone. */
  normalization?: Normalization;
  /** Stops the work between sentences and between a sentence's model and vocoder (an `AbortError` is thrown). */
  signal?: AbortSignal;
}

/** Result of `Synthesizer.synthesize`. */
export interface SynthesisResult {
  /** Mono samples at `sampleRate`. */
  samples: Float32Array;
  /** Hz. */
  sampleRate: number;
  /** Real-time factor: processing seconds / audio seconds (< 1 is faster than real time). */
  rtf: number;
  /** Symbols this call dropped because the vocabulary lacks them, with counts. */
  unknownCharacters: Map<string, number>;
  /** Number of sentences spoken (sentences made only of unknown symbols are skipped). */
  sentences: number;
  /** Audio duration in seconds. */
  seconds: number;
  /** Wall-clock processing time in seconds. */
  processingSeconds: number;
}

/** One piece of `Synthesizer.stream`: a sentence's audio, preceded by the silence before it. */
export interface SynthesisChunk {
  /** Mono samples at the Synthesizer's sample rate (for chunks after the first, starting with the silence). */
  samples: Float32Array;
  /** Index of the sentence among those of the text (0-based; skipped sentences keep their index). */
  sentenceIndex: number;
  /** The sentence's text. */
  text: string;
  /** Number of sentences the text was split into. */
  sentenceCount: number;
  /** Symbols of this sentence that the vocabulary lacks. */
  unknownCharacters: Map<string, number>;
}

/** Summary returned (as the generator's return value) when `Synthesizer.stream` completes. */
export type StreamSummary = Omit<SynthesisResult, 'samples'>;

/** Information about a loaded synthesizer that the server and the CLI show. */
export interface SynthesizerInfo {
  /** Hz. */
  sampleRate: number;
  /** Default language of the text. */
  language: string;
  /** Languages accepted (for now only the default one). */
  languages: string[];
  /** Speaker names (empty for single-speaker models). */
  speakers: string[];
}
