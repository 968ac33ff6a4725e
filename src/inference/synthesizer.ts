/**
 * Synthesizer: text of any length -> audio, sentence by sentence.
 *
 * The text is split into sentences in its language (`Intl.Segmenter`, abbreviations kept together); a
 * sentence longer than `maxSentenceLength` characters is cut further at clause punctuation or spaces, so
 * nothing is ever truncated. Each piece is tokenized, run through `model.inference` under `noGrad` and
 * `tidy` (no tensor outlives the call), vocoded, and joined with `silenceBetweenSentencesMs` of silence.
 * `stream()` yields each sentence as soon as it is ready; `synthesize()` returns the whole signal. Both
 * report the real-time factor and the symbols the vocabulary lacks.
 */
import { resample } from '../audio/resample.ts';
import { splitSentences } from '../text/sentences.ts';
import { noGrad, type Tensor, tensor, tidy } from '../torch/index.ts';
import { OutputLimitError } from '../tts/utils/output_limit.ts';
import { normalizeAudio } from './normalize.ts';
import { dropForeignLetters } from './scripts.ts';
import type {
  Normalization,
  StreamSummary,
  SynthesisChunk,
  SynthesisLimits,
  SynthesisModel,
  SynthesisOptions,
  SynthesisResult,
  SynthesisTokenizer,
  SynthesizerInfo,
  Vocoder,
} from './types.ts';

/**
 * Why a synthesis request was refused: a user mistake ('empty_text', 'no_speakable_text', 'unknown_speaker',
 * 'bad_option'), or more than the {@link SynthesisLimits} allow ('too_long': audio, 'time_limit': wall clock).
 */
export type SynthesisErrorCode =
  | 'empty_text'
  | 'no_speakable_text'
  | 'unknown_speaker'
  | 'bad_option'
  | 'too_long'
  | 'time_limit';

/**
 * Default {@link SynthesisLimits}: 40 s of audio per sentence (a 400-character piece at normal speed is about
 * 25 s; decoding and Griffin-Lim take about 12 MB per second of a sentence's audio), 10 minutes per call,
 * 5 minutes of work per call.
 */
export const DEFAULT_LIMITS: Readonly<Required<SynthesisLimits>> = {
  maxSentenceSeconds: 40,
  maxRequestSeconds: 600,
  maxJobSeconds: 300,
};

/** Accepted `speed` (rate multiplier) range, inclusive. */
export const SPEED_RANGE: readonly [number, number] = [0.1, 10];
/** Accepted explicit `lengthScale` (duration multiplier) range, inclusive. */
export const LENGTH_SCALE_RANGE: readonly [number, number] = [0.05, 20];

/** A request the Synthesizer cannot honour; `parameter` names the offending input ('text', 'speaker', ...). */
export class SynthesisError extends Error {
  override name = 'SynthesisError';
  constructor(
    message: string,
    readonly code: SynthesisErrorCode,
    readonly parameter: string,
  ) {
    super(message);
  }
}

/** Options of the {@link Synthesizer} constructor. */
export interface SynthesizerOptions {
  model: SynthesisModel;
  tokenizer: SynthesisTokenizer;
  vocoder: Vocoder;
  /** Default language of the text (BCP 47 / espeak code; default 'en'). */
  language?: string;
  /** Other languages the tokenizer accepts (the default one is always accepted). */
  languages?: string[];
  /** Output sample rate in Hz (default: the vocoder's; otherwise the audio is resampled). */
  sampleRate?: number;
  /** Silence between sentences in milliseconds (default 200). */
  silenceBetweenSentencesMs?: number;
  /** Default duration multiplier given to the model before `speed` (default 1). */
  lengthScale?: number;
  /** Default prior noise scale (default undefined: the model's own default). */
  noiseScale?: number;
  /** Default speaker (name or index) of a multi-speaker model (default: speaker 0). */
  speaker?: string | number | null;
  /** Default loudness normalisation (default none). */
  normalization?: Normalization;
  /** Longest piece (characters) given to the model at once; longer sentences are cut (default 400). */
  maxSentenceLength?: number;
  /** Bounds of one call (default {@link DEFAULT_LIMITS}; each field alone). */
  limits?: SynthesisLimits;
}

interface Resolved {
  language: string;
  lengthScale: number;
  noiseScale: number | undefined;
  speakerId: number | null;
  silenceSamples: number;
  normalization: Normalization;
  signal: AbortSignal | undefined;
  /** performance.now() past which the call fails with 'time_limit' (Infinity: none). */
  deadline: number;
}

/** A sentence's raw audio as the internal generator produces it. */
interface RawPiece {
  samples: Float32Array;
  sentenceIndex: number;
  text: string;
  sentenceCount: number;
  unknownCharacters: Map<string, number>;
  /** Whether this is the first spoken sentence (no silence before it). */
  first: boolean;
}

interface Tally {
  unknown: Map<string, number>;
  /** Letters dropped because they are not written in a script of the language (also in `unknown`). */
  foreign: Map<string, number>;
  spoken: number;
  samples: number;
  busyMs: number;
}

const MAX_LISTED_SPEAKERS = 40;

function mergeCounts(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function describeUnknown(unknown: Map<string, number>): string {
  return [...unknown.keys()].map((c) => JSON.stringify(c)).join(', ');
}

/**
 * Cuts `sentence` into pieces of at most `max` characters (UTF-16 units), preferring the last clause
 * punctuation, then the last space, then a hard cut (never inside a surrogate pair).
 */
export function splitLongSentence(sentence: string, max: number): string[] {
  const out: string[] = [];
  let rest = sentence.trim();
  while (rest.length > max) {
    const head = rest.slice(0, max + 1);
    let cut = -1;
    const clause = /[,;:\u2014\u2013\u3001\uff0c\uff1b]\s*/gu;
    for (let m = clause.exec(head); m; m = clause.exec(head)) if (m.index + 1 <= max) cut = m.index + 1;
    if (cut < max / 3) {
      const space = head.lastIndexOf(' ');
      if (space > 0) cut = space;
    }
    if (cut <= 0) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    const piece = rest.slice(0, cut).trim();
    if (piece) out.push(piece);
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * Index of `speaker` (a name, an index, or an index as a decimal string; names win) among `speakers`.
 * @throws SynthesisError('unknown_speaker', parameter 'speaker') listing the speakers, or saying the model
 *   has a single speaker when `speakers` is empty.
 */
export function findSpeaker(speakers: readonly string[], speaker: string | number): number {
  if (speakers.length === 0) {
    throw new SynthesisError(
      `this model has a single speaker; no speaker can be chosen (got ${JSON.stringify(speaker)})`,
      'unknown_speaker',
      'speaker',
    );
  }
  if (typeof speaker === 'string') {
    const byName = speakers.indexOf(speaker);
    if (byName >= 0) return byName;
    if (/^\d+$/.test(speaker)) speaker = Number(speaker);
  }
  if (typeof speaker === 'number' && Number.isInteger(speaker) && speaker >= 0 && speaker < speakers.length)
    return speaker;
  const shown = speakers.slice(0, MAX_LISTED_SPEAKERS).map((s, i) => `${i}: ${s}`);
  const more =
    speakers.length > MAX_LISTED_SPEAKERS ? `, ... (${speakers.length - MAX_LISTED_SPEAKERS} more)` : '';
  throw new SynthesisError(
    `unknown speaker ${JSON.stringify(speaker)}; this model has ${speakers.length} speakers (name or index): ${shown.join(', ')}${more}`,
    'unknown_speaker',
    'speaker',
  );
}

/** Turns text into speech with a model, a tokenizer and a vocoder. */
export class Synthesizer {
  readonly model: SynthesisModel;
  readonly tokenizer: SynthesisTokenizer;
  readonly vocoder: Vocoder;
  /** Default language of the text. */
  readonly language: string;
  /** Accepted languages (the default first). */
  readonly languages: string[];
  /** Output sample rate (Hz). */
  readonly sampleRate: number;
  readonly silenceBetweenSentencesMs: number;
  readonly lengthScale: number;
  readonly noiseScale: number | undefined;
  readonly normalization: Normalization;
  readonly maxSentenceLength: number;
  /** Bounds of one call. */
  readonly limits: Readonly<Required<SynthesisLimits>>;
  /** Speaker names (empty for single-speaker models). */
  readonly speakers: string[];
  /** Resolved default speaker id (null for single-speaker models). */
  readonly defaultSpeakerId: number | null;
  #tokenizing: Promise<unknown> = Promise.resolve();
  #silent = new Set<number>();

  constructor(options: SynthesizerOptions) {
    this.model = options.model;
    this.tokenizer = options.tokenizer;
    this.vocoder = options.vocoder;
    this.language = options.language ?? 'en';
    this.languages = [this.language, ...(options.languages ?? []).filter((l) => l !== this.language)];
    this.sampleRate = options.sampleRate ?? options.vocoder.sampleRate;
    if (!Number.isInteger(this.sampleRate) || this.sampleRate <= 0)
      throw new RangeError(`Synthesizer: sampleRate must be a positive integer (Hz), got ${this.sampleRate}`);
    this.silenceBetweenSentencesMs = checkSilence(options.silenceBetweenSentencesMs ?? 200);
    this.lengthScale = checkRange(options.lengthScale ?? 1, LENGTH_SCALE_RANGE, 'lengthScale');
    this.noiseScale = options.noiseScale === undefined ? undefined : checkNoise(options.noiseScale);
    this.normalization = options.normalization ?? { kind: 'none' };
    this.maxSentenceLength = options.maxSentenceLength ?? 400;
    if (!Number.isInteger(this.maxSentenceLength) || this.maxSentenceLength < 16)
      throw new RangeError(
        `Synthesizer: maxSentenceLength must be an integer >= 16, got ${this.maxSentenceLength}`,
      );
    this.limits = checkLimits({ ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) });
    this.speakers = [...(options.model.speakers ?? [])];
    const chars = options.tokenizer.characters;
    for (const id of [chars?.blankId, chars?.padId, chars?.bosId, chars?.eosId])
      if (typeof id === 'number' && id >= 0) this.#silent.add(id);
    this.defaultSpeakerId = this.speakers.length ? 0 : null;
    this.defaultSpeakerId = this.resolveSpeaker(options.speaker ?? null);
    this.model.eval();
  }

  /** Sample rate, languages and speakers (what a server's /api/speakers or `list-speakers` shows). */
  info(): SynthesizerInfo {
    return {
      sampleRate: this.sampleRate,
      language: this.language,
      languages: [...this.languages],
      speakers: [...this.speakers],
    };
  }

  /**
   * Speaker id for a name, an index or a decimal string (null/'' -> the default speaker).
   * @throws SynthesisError('unknown_speaker') listing the speakers.
   */
  resolveSpeaker(speaker: string | number | null | undefined): number | null {
    if (speaker === null || speaker === undefined || speaker === '') return this.defaultSpeakerId;
    return findSpeaker(this.speakers, speaker);
  }

  /** The pieces the text is spoken in: sentences in `language`, long ones cut at `maxSentenceLength`. */
  splitText(text: string, language = this.language): string[] {
    return splitSentences(text, language).flatMap((s) => splitLongSentence(s, this.maxSentenceLength));
  }

  /**
   * Speaks the whole text and returns the signal with its real-time factor and the unknown symbols.
   * Normalisation applies to the whole signal.
   * @throws SynthesisError for empty text, text without any known symbol, a bad speaker or option;
   *   the signal's reason (an AbortError) when `signal` aborts.
   */
  async synthesize(text: string, options: SynthesisOptions = {}): Promise<SynthesisResult> {
    const p = this.resolve(options);
    const tally: Tally = { unknown: new Map(), foreign: new Map(), spoken: 0, samples: 0, busyMs: 0 };
    const parts: Float32Array[] = [];
    let sentences = 0;
    for await (const piece of this.#pieces(text, p, tally)) {
      if (!piece.first) parts.push(new Float32Array(p.silenceSamples));
      parts.push(piece.samples);
      sentences++;
    }
    const t0 = performance.now();
    let samples = concat(parts);
    samples = normalizeAudio(samples, p.normalization);
    tally.busyMs += performance.now() - t0;
    const seconds = samples.length / this.sampleRate;
    const processingSeconds = tally.busyMs / 1000;
    return {
      samples,
      sampleRate: this.sampleRate,
      rtf: seconds > 0 ? processingSeconds / seconds : 0,
      unknownCharacters: tally.unknown,
      sentences,
      seconds,
      processingSeconds,
    };
  }

  /**
   * Speaks the text sentence by sentence, yielding each as soon as it is ready: the first audio arrives
   * after one sentence's work, not the whole text's. Every chunk after the first starts with the silence
   * between sentences, so the concatenated chunks equal `synthesize()`'s samples (without normalisation;
   * with it, each chunk is normalised alone). The generator's return value is the summary (RTF counts only
   * the time spent inside the generator, not the consumer's).
   * @throws as {@link synthesize}; errors about the text surface on the first `next()`.
   */
  async *stream(text: string, options: SynthesisOptions = {}): AsyncGenerator<SynthesisChunk, StreamSummary> {
    const p = this.resolve(options);
    const tally: Tally = { unknown: new Map(), foreign: new Map(), spoken: 0, samples: 0, busyMs: 0 };
    let total = 0;
    let sentences = 0;
    for await (const piece of this.#pieces(text, p, tally)) {
      const t0 = performance.now();
      const speech = normalizeAudio(piece.samples, p.normalization);
      let samples = speech;
      if (!piece.first) {
        samples = new Float32Array(p.silenceSamples + speech.length);
        samples.set(speech, p.silenceSamples);
      }
      total += samples.length;
      sentences++;
      tally.busyMs += performance.now() - t0;
      yield {
        samples,
        sentenceIndex: piece.sentenceIndex,
        text: piece.text,
        sentenceCount: piece.sentenceCount,
        unknownCharacters: piece.unknownCharacters,
      };
    }
    const seconds = total / this.sampleRate;
    const processingSeconds = tally.busyMs / 1000;
    return {
      sampleRate: this.sampleRate,
      rtf: seconds > 0 ? processingSeconds / seconds : 0,
      unknownCharacters: tally.unknown,
      sentences,
      seconds,
      processingSeconds,
    };
  }

  /** Validates and resolves per-call options against the defaults. @throws SynthesisError('bad_option'). */
  resolve(o: SynthesisOptions): Resolved {
    const bad = (parameter: string, message: string): never => {
      throw new SynthesisError(`${parameter}: ${message}`, 'bad_option', parameter);
    };
    const language = o.language || this.language;
    if (!this.languages.includes(language))
      bad(
        'language',
        `unsupported language ${JSON.stringify(language)}; supported: ${this.languages.join(', ')}`,
      );
    const inRange = (v: unknown, [lo, hi]: readonly [number, number]) =>
      typeof v === 'number' && v >= lo && v <= hi;
    const speed = o.speed ?? 1;
    if (!inRange(speed, SPEED_RANGE))
      bad('speed', `must be a number in [${SPEED_RANGE.join(', ')}], got ${o.speed}`);
    const base = o.lengthScale ?? this.lengthScale;
    if (!inRange(base, LENGTH_SCALE_RANGE))
      bad('lengthScale', `must be a number in [${LENGTH_SCALE_RANGE.join(', ')}], got ${o.lengthScale}`);
    const noise = o.noiseScale ?? this.noiseScale;
    if (
      noise !== undefined &&
      (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0 || noise > 10)
    )
      bad('noiseScale', `must be a number in [0, 10], got ${o.noiseScale}`);
    const silenceMs = o.silenceBetweenSentencesMs ?? this.silenceBetweenSentencesMs;
    if (typeof silenceMs !== 'number' || !Number.isFinite(silenceMs) || silenceMs < 0 || silenceMs > 60_000)
      bad('silenceBetweenSentencesMs', `must be a number of milliseconds in [0, 60000], got ${silenceMs}`);
    return {
      language,
      lengthScale: base / speed,
      noiseScale: noise,
      speakerId: this.resolveSpeaker(o.speaker),
      silenceSamples: Math.round((silenceMs / 1000) * this.sampleRate),
      normalization: o.normalization ?? this.normalization,
      signal: o.signal,
      deadline:
        this.limits.maxJobSeconds > 0 ? performance.now() + this.limits.maxJobSeconds * 1000 : Infinity,
    };
  }

  /** Tokenizes one piece and reports the symbols it dropped (serialised: the tokenizer's map is shared). */
  async tokenize(text: string, language: string): Promise<{ ids: number[]; unknown: Map<string, number> }> {
    const run = async () => {
      const before = new Map(this.tokenizer.notFoundCharacters);
      const ids = await this.tokenizer.textToIds(text, language);
      const unknown = new Map<string, number>();
      for (const [c, n] of this.tokenizer.notFoundCharacters) {
        const d = n - (before.get(c) ?? 0);
        if (d > 0) unknown.set(c, d);
      }
      return { ids, unknown };
    };
    const next = this.#tokenizing.then(run, run);
    this.#tokenizing = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs the model (and the vocoder, for a mel) on one piece's token ids; returns samples at `sampleRate`.
   * `maxFrames` bounds the model's output (see `SynthesisAux.maxFrames`): beyond it `OutputLimitError`.
   */
  render(
    ids: readonly number[],
    p: Pick<Resolved, 'lengthScale' | 'noiseScale' | 'speakerId' | 'language'>,
    maxFrames?: number,
  ): Float32Array {
    const mel = this.#model(ids, p, maxFrames);
    try {
      return this.#vocode(mel);
    } finally {
      mel.dispose();
    }
  }

  /** The model's output for one piece: a mel `[1, frames, C]` or a waveform (the caller disposes it). */
  #model(
    ids: readonly number[],
    p: Pick<Resolved, 'lengthScale' | 'noiseScale' | 'speakerId' | 'language'>,
    maxFrames: number | undefined,
  ): Tensor {
    return noGrad(() =>
      tidy(() => {
        const x = tensor(
          BigInt64Array.from(ids, (i) => BigInt(i)),
          { shape: [1, ids.length] },
        );
        const xLengths = tensor(BigInt64Array.of(BigInt(ids.length)));
        const aux = {
          xLengths,
          lengthScale: p.lengthScale,
          noiseScale: p.noiseScale,
          speakerId: p.speakerId,
          language: p.language,
        };
        return this.model.inference(x, maxFrames === undefined ? aux : { ...aux, maxFrames }).modelOutputs;
      }),
    );
  }

  /** Samples at `sampleRate` from the model's output (a waveform model's output is the audio itself). */
  #vocode(out: Tensor): Float32Array {
    const wav =
      this.model.outputKind === 'waveform'
        ? noGrad(() => tidy(() => out.reshape([-1]).float().toFloat32Array()))
        : noGrad(() => tidy(() => this.vocoder.vocode(out)));
    return this.vocoder.sampleRate === this.sampleRate
      ? wav
      : resample(wav, this.vocoder.sampleRate, this.sampleRate);
  }

  /**
   * One piece under the limits: at most `maxSeconds` of audio (checked on the model's predicted durations
   * when it has a `frameRate`, on the audio otherwise); the signal and the deadline are checked between the
   * model and the vocoder.
   * @throws SynthesisError('too_long' / 'time_limit'), the signal's reason.
   */
  async #renderBounded(
    ids: readonly number[],
    p: Resolved,
    maxSeconds: number,
    why: string,
    which: string,
  ): Promise<Float32Array> {
    const rate = this.model.frameRate;
    const maxFrames = rate && rate > 0 ? Math.floor(maxSeconds * rate) : undefined;
    const tooLong = (seconds: number): never => {
      const amount = Number.isFinite(seconds) ? `${seconds.toFixed(1)} s` : 'unboundedly long';
      throw new SynthesisError(
        `${which} would be ${amount} of audio, over the limit of ${maxSeconds.toFixed(1)} s ${why}; raise the speed or lower the length scale`,
        'too_long',
        'text',
      );
    };
    let mel: Tensor;
    try {
      mel = this.#model(ids, p, maxFrames);
    } catch (e) {
      if (e instanceof OutputLimitError && rate) return tooLong(e.frames / rate);
      throw e;
    }
    try {
      await new Promise<void>((r) => setImmediate(r));
      this.#checkRunning(p);
      const samples = this.#vocode(mel);
      if (samples.length > maxSeconds * this.sampleRate) tooLong(samples.length / this.sampleRate);
      return samples;
    } finally {
      mel.dispose();
    }
  }

  /** @throws the signal's reason when aborted; SynthesisError('time_limit') past the deadline. */
  #checkRunning(p: Resolved): void {
    p.signal?.throwIfAborted();
    if (performance.now() > p.deadline)
      throw new SynthesisError(
        `synthesis took longer than the limit of ${this.limits.maxJobSeconds} s per request`,
        'time_limit',
        'text',
      );
  }

  /**
   * Whether a piece has something to say: a token that is not blank/pad/BOS/EOS, and a letter or digit
   * in the text that the vocabulary did not drop (punctuation and spaces alone are not speech).
   */
  #speakable(text: string, ids: readonly number[], unknown: Map<string, number>): boolean {
    if (!ids.some((id) => !this.#silent.has(id))) return false;
    for (const ch of text)
      if (/[\p{L}\p{N}]/u.test(ch) && !unknown.has(ch) && !unknown.has(ch.toLowerCase())) return true;
    return false;
  }

  async *#pieces(text: string, p: Resolved, tally: Tally): AsyncGenerator<RawPiece> {
    if (typeof text !== 'string') throw new SynthesisError('text must be a string', 'empty_text', 'text');
    const pieces = this.splitText(text, p.language);
    if (pieces.length === 0)
      throw new SynthesisError('text is empty: there is nothing to say', 'empty_text', 'text');
    for (let i = 0; i < pieces.length; i++) {
      // Let the event loop run between sentences: aborts (and, in a server thread, other I/O) get through.
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      this.#checkRunning(p);
      const t0 = performance.now();
      // a phonemizer would spell out letters of another script by name: drop and report them instead
      const { text: kept, dropped } = this.tokenizer.usePhonemes
        ? dropForeignLetters(pieces[i]!, p.language)
        : { text: pieces[i]!, dropped: new Map<string, number>() };
      const { ids, unknown } = kept ? await this.tokenize(kept, p.language) : { ids: [], unknown: new Map() };
      mergeCounts(unknown, dropped);
      mergeCounts(tally.unknown, unknown);
      mergeCounts(tally.foreign, dropped);
      if (!this.#speakable(kept, ids, unknown)) {
        tally.busyMs += performance.now() - t0;
        continue;
      }
      this.#checkRunning(p);
      const silence = tally.spoken === 0 ? 0 : p.silenceSamples;
      const left =
        (this.limits.maxRequestSeconds * this.sampleRate - tally.samples - silence) / this.sampleRate;
      const perSentence = this.limits.maxSentenceSeconds <= left;
      const samples = await this.#renderBounded(
        ids,
        p,
        perSentence ? this.limits.maxSentenceSeconds : Math.max(0, left),
        perSentence ? 'per sentence' : `left in this request (${this.limits.maxRequestSeconds} s in all)`,
        `sentence ${i + 1} of ${pieces.length}`,
      );
      tally.busyMs += performance.now() - t0;
      const first = tally.spoken === 0;
      tally.spoken++;
      tally.samples += silence + samples.length;
      yield {
        samples,
        sentenceIndex: i,
        text: pieces[i]!,
        sentenceCount: pieces.length,
        unknownCharacters: unknown,
        first,
      };
    }
    if (tally.spoken === 0) {
      const unknown = new Map([...tally.unknown].filter(([c]) => !tally.foreign.has(c)));
      const which = [
        tally.foreign.size
          ? `${describeUnknown(tally.foreign)} are not letters of its language (${p.language})`
          : '',
        unknown.size ? `unknown to the model: ${describeUnknown(unknown)}` : '',
      ].filter(Boolean);
      throw new SynthesisError(
        `text has no symbol this model can speak${which.length ? ` (${which.join('; ')})` : ''}`,
        'no_speakable_text',
        'text',
      );
    }
  }
}

function concat(parts: Float32Array[]): Float32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkRange(v: number, [lo, hi]: readonly [number, number], name: string): number {
  if (!(v >= lo && v <= hi)) throw new RangeError(`Synthesizer: ${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkLimits(l: Required<SynthesisLimits>): Required<SynthesisLimits> {
  for (const [k, v] of Object.entries(l))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && k !== 'maxJobSeconds'))
      throw new RangeError(`Synthesizer: limits.${k} must be a positive number of seconds, got ${v}`);
  return l;
}

function checkNoise(v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`Synthesizer: noiseScale must be >= 0, got ${v}`);
  return v;
}

function checkSilence(v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 60_000)
    throw new RangeError(`Synthesizer: silenceBetweenSentencesMs must be in [0, 60000] ms, got ${v}`);
  return v;
}
