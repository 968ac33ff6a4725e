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
import { noGrad, tensor, tidy } from '../torch/index.ts';
import { normalizeAudio } from './normalize.ts';
import type {
  Normalization,
  StreamSummary,
  SynthesisChunk,
  SynthesisModel,
  SynthesisOptions,
  SynthesisResult,
  SynthesisTokenizer,
  SynthesizerInfo,
  Vocoder,
} from './types.ts';

/** Why a synthesis request was refused (a user mistake, not a failure of the model). */
export type SynthesisErrorCode = 'empty_text' | 'no_speakable_text' | 'unknown_speaker' | 'bad_option';

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
}

interface Resolved {
  language: string;
  lengthScale: number;
  noiseScale: number | undefined;
  speakerId: number | null;
  silenceSamples: number;
  normalization: Normalization;
  signal: AbortSignal | undefined;
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
    this.lengthScale = checkPositive(options.lengthScale ?? 1, 'lengthScale');
    this.noiseScale = options.noiseScale === undefined ? undefined : checkNoise(options.noiseScale);
    this.normalization = options.normalization ?? { kind: 'none' };
    this.maxSentenceLength = options.maxSentenceLength ?? 400;
    if (!Number.isInteger(this.maxSentenceLength) || this.maxSentenceLength < 16)
      throw new RangeError(
        `Synthesizer: maxSentenceLength must be an integer >= 16, got ${this.maxSentenceLength}`,
      );
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
    const tally: Tally = { unknown: new Map(), spoken: 0, samples: 0, busyMs: 0 };
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
    const tally: Tally = { unknown: new Map(), spoken: 0, samples: 0, busyMs: 0 };
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
    const speed = o.speed ?? 1;
    if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0 || speed > 10)
      bad('speed', `must be a number in (0, 10], got ${o.speed}`);
    const base = o.lengthScale ?? this.lengthScale;
    if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0)
      bad('lengthScale', `must be a positive number, got ${o.lengthScale}`);
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

  /** Runs the model (and the vocoder, for a mel) on one piece's token ids; returns samples at `sampleRate`. */
  render(
    ids: readonly number[],
    p: Pick<Resolved, 'lengthScale' | 'noiseScale' | 'speakerId'>,
  ): Float32Array {
    const wav = noGrad(() =>
      tidy(() => {
        const x = tensor(
          BigInt64Array.from(ids, (i) => BigInt(i)),
          { shape: [1, ids.length] },
        );
        const xLengths = tensor(BigInt64Array.of(BigInt(ids.length)));
        const { modelOutputs } = this.model.inference(x, {
          xLengths,
          lengthScale: p.lengthScale,
          noiseScale: p.noiseScale,
          speakerId: p.speakerId,
        });
        // a waveform model's output is the audio; a mel goes through the vocoder
        if (this.model.outputKind === 'waveform') return modelOutputs.reshape([-1]).float().toFloat32Array();
        return this.vocoder.vocode(modelOutputs);
      }),
    );
    return this.vocoder.sampleRate === this.sampleRate
      ? wav
      : resample(wav, this.vocoder.sampleRate, this.sampleRate);
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
      p.signal?.throwIfAborted();
      const t0 = performance.now();
      const { ids, unknown } = await this.tokenize(pieces[i]!, p.language);
      mergeCounts(tally.unknown, unknown);
      if (!this.#speakable(pieces[i]!, ids, unknown)) {
        tally.busyMs += performance.now() - t0;
        continue;
      }
      p.signal?.throwIfAborted();
      const samples = this.render(ids, p);
      tally.busyMs += performance.now() - t0;
      const first = tally.spoken === 0;
      tally.spoken++;
      tally.samples += samples.length;
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
      const which = tally.unknown.size ? ` (unknown to the model: ${describeUnknown(tally.unknown)})` : '';
      throw new SynthesisError(
        `text has no symbol this model can speak${which}`,
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

function checkPositive(v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`Synthesizer: ${name} must be a positive number, got ${v}`);
  return v;
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
