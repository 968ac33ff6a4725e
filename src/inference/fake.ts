/**
 * A fake text-to-speech stack for tests, demos and benchmarks of the serving path: a deterministic "model"
 * that turns each token id into a few mel frames, a "vocoder" that turns frames into tones, and the real
 * grapheme tokenizer. No weights, no training, fully reproducible; optionally slow (`delayMs`) to stand in
 * for a real model's compute.
 *
 * This module doubles as a loader module (it exports `loadSynthesizer`), so server workers can load it:
 * `ribbit serve --loader fake`.
 */
import { Graphemes, TTSTokenizer } from '../text/index.ts';
import { type Tensor, tensor } from '../torch/index.ts';
import { Synthesizer, type SynthesizerOptions } from './synthesizer.ts';
import type { SynthesisAux, SynthesisLimits, SynthesisModel, Vocoder } from './types.ts';

/** What a {@link FakeModel} saw in one `inference` call. */
export interface FakeInferenceCall {
  tokenIds: number[];
  lengthScale: number | undefined;
  noiseScale: number | undefined;
  speakerId: number | null | undefined;
}

/** Options of {@link FakeModel}. */
export interface FakeModelOptions {
  /** Speaker names (default none: single speaker). */
  speakers?: string[];
  /** Mel channels C (default 80). */
  numMels?: number;
  /** Frames per token at lengthScale 1 (default 4); frames = max(1, round(framesPerToken * lengthScale)). */
  framesPerToken?: number;
  /** Busy-wait this many milliseconds per `inference` call, standing in for compute (default 0). */
  delayMs?: number;
  /** Keep at most this many recent calls in `calls` (default 1000). */
  maxRecordedCalls?: number;
}

/**
 * Deterministic model: token id k becomes `framesPerToken * lengthScale` frames whose channel 0 is
 * `((k % 16) + 1) / 17` and channel 1 is `speakerId / 8` (other channels 0).
 */
export class FakeModel implements SynthesisModel {
  readonly speakers: string[] | undefined;
  readonly numMels: number;
  readonly framesPerToken: number;
  delayMs: number;
  /** Recent calls, oldest first (a spy for tests). */
  readonly calls: FakeInferenceCall[] = [];
  /** Called at the start of each `inference` (a hook for tests). */
  onInference: ((call: FakeInferenceCall) => void) | null = null;
  evalCalled = false;
  readonly #maxCalls: number;

  constructor(options: FakeModelOptions = {}) {
    this.speakers = options.speakers?.length ? [...options.speakers] : undefined;
    this.numMels = options.numMels ?? 80;
    this.framesPerToken = options.framesPerToken ?? 4;
    this.delayMs = options.delayMs ?? 0;
    this.#maxCalls = options.maxRecordedCalls ?? 1000;
  }

  eval(): void {
    this.evalCalled = true;
  }

  /** Frames the model emits for `tokens` ids at `lengthScale`. */
  framesFor(tokens: number, lengthScale = 1): number {
    return tokens * Math.max(1, Math.round(this.framesPerToken * lengthScale));
  }

  inference(tokenIds: Tensor, aux: SynthesisAux): { modelOutputs: Tensor } {
    if (tokenIds.ndim !== 2 || tokenIds.size(0) !== 1 || tokenIds.dtype !== 'int64')
      throw new Error(`FakeModel: tokenIds must be int64 [1, T], got ${tokenIds.dtype} [${tokenIds.shape}]`);
    if (aux.xLengths.item() !== tokenIds.size(1)) throw new Error('FakeModel: xLengths does not match T');
    const ids = tokenIds.toArray();
    const call: FakeInferenceCall = {
      tokenIds: ids,
      lengthScale: aux.lengthScale,
      noiseScale: aux.noiseScale,
      speakerId: aux.speakerId,
    };
    this.calls.push(call);
    if (this.calls.length > this.#maxCalls) this.calls.shift();
    this.onInference?.(call);
    if (this.delayMs > 0) {
      const until = performance.now() + this.delayMs;
      while (performance.now() < until) {
        // busy: real inference holds the thread too
      }
    }
    const per = Math.max(1, Math.round(this.framesPerToken * (aux.lengthScale ?? 1)));
    const c = this.numMels;
    const frames = ids.length * per;
    const mel = new Float32Array(frames * c);
    const speaker = (aux.speakerId ?? 0) / 8;
    for (let t = 0; t < ids.length; t++) {
      const v = ((ids[t]! % 16) + 1) / 17;
      for (let f = 0; f < per; f++) {
        const row = (t * per + f) * c;
        mel[row] = v;
        if (c > 1) mel[row + 1] = speaker;
      }
    }
    return { modelOutputs: tensor(mel, { shape: [1, frames, c] }) };
  }
}

/** Options of {@link FakeVocoder}. */
export interface FakeVocoderOptions {
  /** Hz (default 22050). */
  sampleRate?: number;
  /** Samples per frame (default 256). */
  hopLength?: number;
}

/**
 * Deterministic vocoder: each frame becomes `hopLength` samples of a sine whose amplitude is
 * `0.2 + 0.3 * mel[f, 0]` and frequency `200 + 400 * mel[f, 0] + 100 * mel[f, 1]` Hz (continuous phase).
 */
export class FakeVocoder implements Vocoder {
  readonly sampleRate: number;
  readonly hopLength: number;
  /** Number of `vocode` calls so far. */
  calls = 0;

  constructor(options: FakeVocoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? 22050;
    this.hopLength = options.hopLength ?? 256;
  }

  vocode(mel: Tensor): Float32Array {
    this.calls++;
    const [b, frames, c] = mel.shape as [number, number, number];
    if (mel.ndim !== 3 || b !== 1)
      throw new Error(`FakeVocoder: expected mel [1, frames, C], got [${mel.shape}]`);
    const data = mel.toFloat32Array();
    const out = new Float32Array(frames * this.hopLength);
    let phase = 0;
    for (let f = 0; f < frames; f++) {
      const v = data[f * c]!;
      const s = c > 1 ? data[f * c + 1]! : 0;
      const amp = 0.2 + 0.3 * v;
      const step = (2 * Math.PI * (200 + 400 * v + 100 * s)) / this.sampleRate;
      for (let i = 0; i < this.hopLength; i++) {
        out[f * this.hopLength + i] = amp * Math.sin(phase);
        phase += step;
      }
      phase %= 2 * Math.PI;
    }
    return out;
  }
}

/** Options of {@link createFakeSynthesizer} (JSON-serialisable, so workers can receive them). */
export interface FakeSynthesizerOptions extends FakeModelOptions, FakeVocoderOptions {
  language?: string;
  /** Other languages it accepts (as a multilingual model's; the text is spoken the same). */
  languages?: string[];
  silenceBetweenSentencesMs?: number;
  /** Tokenizer puts a blank between tokens (default false). */
  addBlank?: boolean;
}

/** The grapheme tokenizer the fake stack uses (Coqui's default Graphemes, basic cleaners, silent). */
export function createFakeTokenizer(addBlank = false): TTSTokenizer {
  return new TTSTokenizer({
    characters: new Graphemes(),
    textCleaner: 'basic_cleaners',
    addBlank,
    onNotFound: () => {},
  });
}

/** A Synthesizer over FakeModel + FakeVocoder + the grapheme tokenizer. */
export function createFakeSynthesizer(
  options: FakeSynthesizerOptions = {},
  overrides: Partial<SynthesizerOptions> = {},
): Synthesizer {
  return new Synthesizer({
    model: new FakeModel(options),
    vocoder: new FakeVocoder(options),
    tokenizer: createFakeTokenizer(options.addBlank),
    language: options.language ?? 'en',
    languages: options.languages,
    silenceBetweenSentencesMs: options.silenceBetweenSentencesMs,
    ...overrides,
  });
}

/**
 * Loader-module entry point (see `load.ts`): builds the fake stack from the options' `fake` field. From the
 * command line (`--loader fake`), where that field cannot be given, the environment supplies defaults:
 * `RIBBIT_FAKE_SPEAKERS` (comma-separated names) and `RIBBIT_FAKE_DELAY_MS` (compute per sentence).
 */
export async function loadSynthesizer(
  options: { fake?: FakeSynthesizerOptions; limits?: SynthesisLimits } = {},
): Promise<Synthesizer> {
  const env: FakeSynthesizerOptions = {};
  const speakers = process.env.RIBBIT_FAKE_SPEAKERS;
  if (speakers)
    env.speakers = speakers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const delay = Number(process.env.RIBBIT_FAKE_DELAY_MS);
  if (Number.isFinite(delay) && delay > 0) env.delayMs = delay;
  return createFakeSynthesizer({ ...env, ...options.fake }, options.limits ? { limits: options.limits } : {});
}
