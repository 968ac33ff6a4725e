/**
 * What every TTS model shares (Coqui's `BaseTTS`), on top of `BaseTrainerModel` (optimizers and schedulers
 * from the config): the tokenizer and audio processor built from the config, batch formatting, test
 * sentences, and the data loader the Trainer asks for. Model-specific logic (forward, inference, losses,
 * logs) lives in the model files.
 */
import { AudioProcessor } from '../../audio/processor.ts';
import type { BaseTTSConfig } from '../../config/index.ts';
import { TTSDataset } from '../../data/dataset.ts';
import { type LoadedSamples, loadTtsSamples } from '../../data/samples.ts';
import { BaseTrainerModel, type OutputKind } from '../../models/base_model.ts';
import { TTSTokenizer } from '../../text/tokenizer.ts';
import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import type { Batch, BatchSource, LogAssets, TrainerContext } from '../../trainer/api.ts';
import type { LanguageManager } from '../utils/languages.ts';
import {
  batchSpeakerInputs,
  inferenceSpeakerInputs,
  SpeakerManager,
  saveRunSpeakers,
  speakerConfigOf,
} from '../utils/speakers.ts';

/** A batch in the names TTS models use (what `formatBatch` returns). */
export interface TTSBatch extends Batch {
  /** Token ids `[B, T_en]` int64, padded. */
  textInput: Tensor;
  /** `[B]` int64. */
  textLengths: Tensor;
  /** Mel frames `[B, T_de, C]`. */
  melInput: Tensor;
  /** `[B]` int64. */
  melLengths: Tensor;
  /** `[B]` int64 or null. */
  speakerIds: Tensor | null;
  /** `[B, D]` or null. */
  dVectors: Tensor | null;
}

/** Inputs of `inference` besides the tokens that every TTS model accepts (models may take more). */
export interface InferenceAux {
  /** `[B]` int64 valid tokens per item (default: all). */
  xLengths?: Tensor | null;
  /** Duration multiplier (> 1: slower); default: the model's config. */
  lengthScale?: number;
  /** Prior noise multiplier; default: the model's config. */
  noiseScale?: number;
  /** Speaker index of a multi-speaker model. */
  speakerId?: number | null;
  /** Speaker embeddings `[B, D]` of a d-vector model. */
  dVectors?: Tensor | null;
  /** Most output frames per item; more throws `OutputLimitError` before the decoder runs (default: no bound). */
  maxFrames?: number;
  /** Language name of a multilingual model (ignored by the others). */
  language?: string | null;
}

/** The text of a test sentence: a plain text or Coqui's `[text, speaker, style wav, language]` list. */
export function testSentenceText(sentence: string | readonly (string | null)[]): string {
  return typeof sentence === 'string' ? sentence : (sentence[0] ?? '');
}

/** A 2-D tensor `[H, W]` as a dashboard figure. */
export function figureOf(t: Tensor): { data: Float32Array; height: number; width: number } {
  return { data: t.contiguous().float().toFloat32Array(), height: t.size(0), width: t.size(1) };
}

/** Parts a model can be given instead of building them from its config. */
export interface TTSModelParts {
  tokenizer?: TTSTokenizer;
  audioProcessor?: AudioProcessor;
  /** Where data-loader messages go (default: stdout). */
  log?: (line: string) => void;
  /** The speakers (default: from the config's speaker files, else from the datasets' samples). */
  speakerManager?: SpeakerManager | null;
  /** Build only what inference needs (VITS: no discriminator); the loader and `ribbit export` set it. */
  inferenceOnly?: boolean;
}

/**
 * The tokenizer of a config, and the config completed with what the tokenizer decided: the vocabulary
 * (`characters`, so that config.json alone rebuilds the tokenizer) and `numChars` when the model has it.
 */
export function resolveTextConfig<C extends BaseTTSConfig>(
  config: C,
  tokenizer?: TTSTokenizer,
): { config: C; tokenizer: TTSTokenizer } {
  const tok =
    tokenizer ??
    TTSTokenizer.fromConfig(
      config,
      config.phonemeCachePath ? { phonemeCacheDir: config.phonemeCachePath } : {},
    );
  const out: C = { ...config };
  if (!out.characters) {
    const chars = tok.characters.toConfig();
    out.characters = {
      charactersClass: chars.charactersClass ?? null,
      vocabDict: null,
      pad: chars.pad ?? null,
      eos: chars.eos ?? null,
      bos: chars.bos ?? null,
      blank: chars.blank ?? null,
      characters:
        typeof chars.characters === 'string' ? chars.characters : (chars.characters?.join('') ?? null),
      punctuations:
        typeof chars.punctuations === 'string' ? chars.punctuations : (chars.punctuations?.join('') ?? null),
      phonemes: null,
      isUnique: chars.isUnique ?? true,
      isSorted: chars.isSorted ?? true,
    };
  }
  const withChars = out as C & { numChars?: number | null; modelArgs?: { numChars?: number } };
  if ('numChars' in withChars && (withChars.numChars === null || withChars.numChars === undefined)) {
    withChars.numChars = tok.characters.numChars;
  }
  // a model with `modelArgs` (VITS) takes its vocabulary size from the tokenizer (Coqui's `_set_model_args`)
  if (withChars.modelArgs && 'numChars' in withChars.modelArgs) {
    withChars.modelArgs = { ...withChars.modelArgs, numChars: tok.characters.numChars };
  }
  return { config: out, tokenizer: tok };
}

/**
 * Generics as `BaseTrainerModel`: config `C`, formatted batch `B` (a `TTSBatch`), step outputs `O`,
 * criterion `Cr`.
 */
export abstract class BaseTTS<
  C extends BaseTTSConfig = BaseTTSConfig,
  B extends Batch = TTSBatch,
  O = unknown,
  Cr = unknown,
> extends BaseTrainerModel<C, B, O, Cr> {
  /** A mel `[B, T_de, C]` that a vocoder turns into audio (end-to-end models such as VITS say 'waveform'). */
  readonly outputKind: OutputKind = 'mel';
  /** Text -> token ids as this model was trained. */
  readonly tokenizer: TTSTokenizer;
  /** Waveform <-> features with the config's audio settings. */
  readonly ap: AudioProcessor;
  /** Speaker names -> ids (and d-vectors) of a multi-speaker model; null for a single-speaker one. */
  readonly speakerManager: SpeakerManager | null;
  readonly #log: (line: string) => void;
  #samples: LoadedSamples | null = null;

  constructor(config: C, parts: TTSModelParts = {}) {
    const resolved = resolveTextConfig(config, parts.tokenizer);
    super(resolved.config);
    this.tokenizer = resolved.tokenizer;
    this.ap = parts.audioProcessor ?? new AudioProcessor(config.audio);
    this.#log = parts.log ?? ((line) => console.log(line));
    this.speakerManager =
      parts.speakerManager !== undefined
        ? parts.speakerManager
        : SpeakerManager.initFromConfig(speakerConfigOf(this.config), () => {
            const { train, eval: evalSamples } = this.loadSamples();
            return [...train, ...evalSamples];
          });
  }

  /**
   * Language names -> ids of a model conditioned on a language (a multilingual VITS): its `inference` takes
   * one of these names as `language`. Null for a model that has no language input (the default).
   */
  get conditioningLanguages(): LanguageManager | null {
    return null;
  }

  /**
   * Trainer callback (before config.json is written): writes `speakers.json` into the run folder and records
   * it as `speakersFile` in the run's config (Coqui's `on_init_start`).
   */
  onInitStart(ctx: Pick<TrainerContext, 'runPath'> & Partial<Pick<TrainerContext, 'config' | 'line'>>): void {
    if (!this.speakerManager?.numSpeakers) return;
    const path = saveRunSpeakers(this.speakerManager, ctx.runPath, [this.config, ctx.config ?? this.config]);
    const text = ` > ${this.speakerManager.numSpeakers} speakers saved to ${path}`;
    if (ctx.line) ctx.line(text);
    else this.#log(text);
  }

  /**
   * Maps the data loader's batch (`tokenIds`, `tokenIdsLengths`, `mel`, `melLengths`, ...) or an already
   * formatted one to the TTS names.
   */
  formatBatch(batch: Batch): B {
    const b = batch as Record<string, unknown>;
    const pick = (...keys: string[]): Tensor | null => {
      for (const k of keys) if (b[k] !== undefined && b[k] !== null) return b[k] as Tensor;
      return null;
    };
    const required = (...keys: string[]): Tensor => {
      const t = pick(...keys);
      if (t === null) throw new Error(`batch lacks ${keys.join(' / ')}`);
      return t;
    };
    const textInput = required('textInput', 'tokenIds');
    // speaker ids / d-vectors from the loader's speaker names / clips, unless the batch has them already
    const given = { speakerIds: pick('speakerIds'), dVectors: pick('dVectors') };
    const speakers =
      given.speakerIds || given.dVectors
        ? given
        : batchSpeakerInputs(this.speakerManager, speakerConfigOf(this.config), b, textInput.device);
    return {
      ...batch,
      textInput,
      textLengths: required('textLengths', 'tokenIdsLengths'),
      melInput: required('melInput', 'mel'),
      melLengths: required('melLengths'),
      speakerIds: speakers.speakerIds,
      dVectors: speakers.dVectors,
    } as TTSBatch as unknown as B;
  }

  /**
   * Speech for token ids `[B, T_en]` int64: `modelOutputs` is a mel `[B, T_de, C]` normalised as
   * `config.audio` says (`outputKind` 'mel') or a waveform `[B, 1, T]` in [-1, 1] ('waveform'). The
   * Synthesizer and `testRun` call it in eval mode.
   */
  abstract inference(x: Tensor, aux?: InferenceAux): { modelOutputs: Tensor; alignments?: Tensor };

  /** Waveform `[T]` in [-1, 1] of a mel `[T_de, C]` (Griffin-Lim with the config's audio settings). */
  melToWav(mel: Tensor): Float32Array {
    return torch.noGrad(() =>
      // The audio processor's filterbank lives on the CPU; so does Griffin-Lim.
      torch.tidy(() => this.ap.invMelspectrogram(mel.to('cpu').transpose(0, 1)).toFloat32Array()),
    );
  }

  /**
   * Synthesises `config.testSentences` (the Trainer calls it after each epoch): per sentence the audio
   * (Griffin-Lim of the predicted mel, or the waveform a 'waveform' model returns) and the predicted mel
   * (`[C, T_de]`, channels as rows) or the alignment (`[T_en, T_de]`) as a figure. A sentence given as
   * `[text, speaker, ...]` uses that speaker when the model knows it, else the first speaker.
   */
  override async testRun(_step: number): Promise<LogAssets> {
    const audios: Record<string, Float32Array> = {};
    const figures: NonNullable<LogAssets['figures']> = {};
    for (const [i, sentence] of this.config.testSentences.entries()) {
      const ids = await this.tokenizer.textToIds(testSentenceText(sentence));
      if (ids.length === 0) continue;
      torch.noGrad(() =>
        torch.tidy(() => {
          const named = typeof sentence === 'string' ? null : (sentence[1] ?? null);
          const known = named === null ? undefined : this.speakerManager?.ids.get(named);
          // Coqui picks one at random; the first is stable
          const speaker = this.speakerManager?.numSpeakers ? (known ?? 0) : null;
          const aux = {
            ...inferenceSpeakerInputs(this.speakerManager, speakerConfigOf(this.config), speaker),
            language: typeof sentence === 'string' ? null : (sentence[3] ?? null),
          };
          const x = torch.tensor([ids], { dtype: 'int64', device: this.parameters()[0]?.device ?? 'cpu' });
          const out = this.inference(x, aux);
          if (this.outputKind === 'waveform') {
            audios[`${i}-audio`] = out.modelOutputs.reshape([-1]).float().toFloat32Array();
            if (out.alignments) figures[`${i}-alignment`] = figureOf(out.alignments.select(0, 0));
            return;
          }
          const mel = out.modelOutputs.select(0, 0);
          figures[`${i}-prediction`] = figureOf(mel.transpose(0, 1));
          audios[`${i}-audio`] = this.melToWav(mel);
        }),
      );
    }
    return { audios, figures, sampleRate: this.ap.sampleRate };
  }

  /** The train and eval samples of `config.datasets` (loaded once, split with `evalSplitSize`). */
  loadSamples(): LoadedSamples {
    if (!this.#samples) {
      const c = this.config;
      this.#samples = loadTtsSamples(c.datasets, {
        evalSplit: c.runEval,
        evalSplitSize: c.evalSplitSize,
        evalSplitMaxSize: c.evalSplitMaxSize,
        skipMissing: c.skipBadSamples,
        onProblem: (p) => this.#log(` ! ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`),
      });
    }
    return this.#samples;
  }

  /** A length-sorted, prefetching batch source over the train or eval samples (token ids, mels or waveforms). */
  async getDataLoader(options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource> {
    const c = this.config;
    const samples = this.loadSamples();
    const dataset = new TTSDataset({
      samples: options.isEval ? samples.eval : samples.train,
      tokenizer: this.tokenizer,
      audio: this.ap,
      batchSize: options.batchSize,
      batchGroupSize: c.batchGroupSize,
      minTextLen: c.minTextLen,
      maxTextLen: c.maxTextLen,
      minAudioLen: c.minAudioLen,
      maxAudioLen: c.maxAudioLen,
      shuffle: !options.isEval,
      dropLast: !options.isEval && c.dropLast,
      seed: options.seed,
      log: this.#log,
      // end-to-end models train on the waveform (Coqui's VitsDataset); the others on mels
      output: this.outputKind === 'waveform' ? 'waveform' : 'mel',
    });
    await dataset.prepare();
    return dataset;
  }
}
