/**
 * The model loader behind `ribbit speak`, `ribbit serve` and `loadSynthesizer`: a ribbit checkpoint (a
 * `.safetensors` weights file, its checkpoint `.json`, a run folder, or a voice folder written by `ribbit export`) or a Coqui `.pth` (`{"model":
 * state_dict, "config": ..., ...}`), with a ribbit or Coqui `config.json`, becomes a Synthesizer with the
 * model's tokenizer and a vocoder: the trained GAN vocoder given with `vocoderPath`, else the voice folder's own
 * (`vocoder/`, written by `ribbit export --vocoder-path`), else Griffin-Lim (`vocoder: 'griffin-lim'` forces it).
 *
 * Without a model path the bundled default voice (`voices/default/`) is used.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AudioProcessor, type AudioProcessorConfig } from '../audio/processor.ts';
import { loadConfig, readJsonFile } from '../config/index.ts';
import type { Tensor } from '../torch/index.ts';
import { fromRaw } from '../torch/io.ts';
import { readPth, stateDictOf, toPlain } from '../torch/serialization/index.ts';
import { loadCheckpointWeights, resolveCheckpoint } from '../trainer/checkpoint.ts';
import { type BaseTTS, createTTSModel } from '../tts/models/index.ts';
import { locateLanguageIds } from '../tts/utils/languages.ts';
import {
  inferenceSpeakerInputs,
  loadModelSpeakers,
  type SpeakerManager,
  speakerConfigOf,
} from '../tts/utils/speakers.ts';
import type { BaseGANVocoderConfig } from '../vocoder/configs/shared_configs.ts';
import {
  buildInferenceVocoder,
  CopySynthesizer,
  type Denormalizer,
  NeuralVocoder,
} from '../vocoder/inference.ts';
import type { LoadOptions } from './load.ts';
import { SynthesisError, Synthesizer } from './synthesizer.ts';
import type { SynthesisAux, Vocoder } from './types.ts';
import { GriffinLimVocoder } from './vocoder.ts';

/** Folder of the bundled default voice (model.safetensors + config.json). */
export const DEFAULT_VOICE_DIR: string = fileURLToPath(new URL('../../voices/default/', import.meta.url));

/** A model's weights and, when the checkpoint carries one, its config. */
interface LoadedWeights {
  weights: Map<string, Tensor>;
  /** Config found beside or inside the checkpoint (undefined: none). */
  config?: unknown;
}

/** What {@link readModelWeights} accepts, for error messages. */
const ACCEPTED_MODELS =
  'a ribbit .safetensors checkpoint, its checkpoint .json, a run or voice folder, or a Coqui/PyTorch .pth';

/**
 * The kind of a model file, from its first bytes (not its name): a folder, a PyTorch checkpoint (zip archive
 * or pickle), a safetensors file (8-byte little-endian header length, then a JSON header) or a JSON file.
 * @throws Error naming the file and the accepted formats when it is none of them.
 */
export function modelFileKind(path: string): 'folder' | 'pth' | 'safetensors' | 'json' {
  if (!existsSync(path)) throw new Error(`model not found: ${path}`);
  const stat = statSync(path);
  if (stat.isDirectory()) return 'folder';
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && ((head[0] === 0x50 && head[1] === 0x4b) || head[0] === 0x80)) return 'pth';
  if (n >= 9) {
    const headerBytes = head.readBigUInt64LE(0);
    if (headerBytes > 1n && headerBytes <= BigInt(stat.size - 8) && head[8] === 0x7b) return 'safetensors';
  }
  const text = head.subarray(0, n).toString('latin1').trimStart();
  if (text.startsWith('{')) return 'json';
  throw new Error(`${path} is not a model file ribbit can read (accepted: ${ACCEPTED_MODELS})`);
}

/** Reads weights (and an embedded or neighbouring config) from a ribbit or Coqui checkpoint path. */
export function readModelWeights(modelPath: string): LoadedWeights {
  const kind = modelFileKind(modelPath);
  if (kind === 'pth') {
    // one read: the state dict and the config Coqui's Trainer stores beside it
    const root = readPth(modelPath);
    const weights = new Map<string, Tensor>();
    for (const [k, v] of stateDictOf(root, modelPath)) weights.set(k, fromRaw(v));
    let config: unknown;
    if (root instanceof Map && root.get('config') instanceof Map) {
      try {
        config = toPlain(root.get('config'));
      } catch (e) {
        throw new Error(`${modelPath}: its config cannot be read: ${(e as Error).message}`);
      }
    }
    return { weights, config };
  }
  // a voice folder (`ribbit export`, the bundled voice): model.safetensors + config.json
  const voiceWeights = join(modelPath, 'model.safetensors');
  if (statSync(modelPath).isDirectory() && existsSync(voiceWeights)) modelPath = voiceWeights;
  let loaded: ReturnType<typeof loadCheckpointWeights>;
  try {
    loaded = loadCheckpointWeights(modelPath);
  } catch (e) {
    const message = (e as Error).message;
    if (message.includes(modelPath)) throw e;
    throw new Error(`${modelPath}: ${message} (accepted: ${ACCEPTED_MODELS})`);
  }
  const { weights, path } = loaded;
  // the run's config.json beside the checkpoint, or the config recorded in the checkpoint JSON
  let config: unknown;
  const besideConfig = join(dirname(path), 'config.json');
  if (existsSync(besideConfig)) config = readJsonFile(besideConfig);
  else {
    try {
      const doc = readJsonFile(resolveCheckpoint(modelPath)) as { config?: unknown };
      config = doc.config;
    } catch {
      config = undefined;
    }
  }
  return { weights, config };
}

/**
 * Folders where a model's side files (`speakers.json`, the d-vector file) are looked for: the config's folder
 * and the checkpoint's (the run or voice folder itself when `modelPath` is one).
 */
export function modelFolders(modelPath: string, configPath?: string): string[] {
  const dirs = configPath ? [dirname(configPath)] : [];
  dirs.push(existsSync(modelPath) && statSync(modelPath).isDirectory() ? modelPath : dirname(modelPath));
  return [...new Set(dirs)];
}

/**
 * Builds the model of `config` and loads `weights` into it (weight-norm keys in either PyTorch layout).
 * `speakerManager`: the speakers of a multi-speaker model (see `loadModelSpeakers`); the datasets are never read.
 * @throws Error listing missing, unexpected and mis-shaped tensors.
 */
export function buildModel(
  config: unknown,
  weights: Map<string, Tensor>,
  speakerManager: SpeakerManager | null = null,
): BaseTTS {
  // no phoneme disk cache at inference (it would write into the caller's working directory)
  const model = createTTSModel(
    { ...(config as Record<string, unknown>), phonemeCachePath: null } as { model?: unknown },
    { speakerManager, inferenceOnly: true }, // no GAN discriminator (VITS): its weights are skipped
  );
  model.loadStateDict(weights, { strict: true });
  for (const w of weights.values()) w.dispose();
  model.eval();
  (model as { storeInverse?: () => void }).storeInverse?.();
  return model;
}

/**
 * A trained GAN vocoder for `--vocoder-path`: a Coqui `.pth` or a ribbit checkpoint / run folder, with its
 * config from `configPath`, the checkpoint or the run folder. It vocodes mels normalised as `modelAp` says.
 */
export function loadNeuralVocoder(
  path: string,
  configPath: string | undefined,
  modelAp: Denormalizer,
): NeuralVocoder {
  if (
    !configPath &&
    existsSync(path) &&
    statSync(path).isDirectory() &&
    existsSync(join(path, 'config.json'))
  ) {
    configPath = join(path, 'config.json');
  }
  const { weights, config: embedded } = readModelWeights(path);
  const raw = configPath ? readJsonFile(configPath) : embedded;
  if (raw === undefined) throw new Error(`${path} carries no config: give --vocoder-config-path`);
  const config = loadConfig(raw as object, { onIgnored: () => {} }) as BaseGANVocoderConfig;
  const model = buildInferenceVocoder(config, weights);
  for (const w of weights.values()) w.dispose();
  return new NeuralVocoder(model, model.ap, modelAp);
}

/** Subfolder of a voice folder that holds its vocoder (a `ribbit export` of a GAN vocoder). */
export const VOICE_VOCODER_DIR = 'vocoder';

/** The vocoder folder paired with the voice folder of `modelPath` (the folder itself or a file in it), or null. */
export function voiceVocoderPath(modelPath: string): string | null {
  const dir = existsSync(modelPath) && statSync(modelPath).isDirectory() ? modelPath : dirname(modelPath);
  const path = join(dir, VOICE_VOCODER_DIR);
  return existsSync(join(path, 'model.safetensors')) && existsSync(join(path, 'config.json')) ? path : null;
}

/**
 * The vocoder a model speaks with: `vocoderPath`, else Griffin-Lim when `options.vocoder` is 'griffin-lim', else
 * the voice folder's `vocoder/`, else Griffin-Lim ('neural' then fails). `ap`: the model's audio processor.
 */
export function selectVocoder(options: LoadOptions, modelPath: string, ap: AudioProcessor): Vocoder {
  const choice = options.vocoder ?? 'auto';
  if (choice === 'griffin-lim') {
    if (options.vocoderPath) throw new Error('--vocoder griffin-lim and --vocoder-path exclude each other');
    return new GriffinLimVocoder(ap);
  }
  const path = options.vocoderPath ?? voiceVocoderPath(modelPath);
  if (path) return loadNeuralVocoder(path, options.vocoderPath ? options.vocoderConfigPath : undefined, ap);
  if (choice === 'neural') throw new Error(`${modelPath} has no ${VOICE_VOCODER_DIR}/: give --vocoder-path`);
  return new GriffinLimVocoder(ap);
}

/**
 * The vocoder a model speaks with (see {@link selectVocoder}) and its audio processor, the acoustic model itself
 * left out: copy synthesis of recordings (`ribbit eval --copy-synthesis`).
 */
export function loadCopySynthesizer(options: LoadOptions): CopySynthesizer {
  const { modelPath, configPath } = resolveModelPaths(options);
  const raw = configPath ? readJsonFile(configPath) : readModelWeights(modelPath).config;
  if (raw === undefined) throw new Error(`${modelPath} carries no config: give --config-path`);
  const config = loadConfig(raw as object, { onIgnored: () => {} }) as { audio?: AudioProcessorConfig };
  const ap = new AudioProcessor(config.audio);
  return new CopySynthesizer(selectVocoder(options, modelPath, ap), ap);
}

/** The model and config paths of `options`: the bundled voice without a model path, a run's config.json. */
function resolveModelPaths(options: LoadOptions): { modelPath: string; configPath?: string } {
  let modelPath = options.modelPath;
  let configPath = options.configPath;
  if (!modelPath) {
    if (configPath) throw new Error('--config-path needs --model-path');
    modelPath = join(DEFAULT_VOICE_DIR, 'model.safetensors');
    configPath = join(DEFAULT_VOICE_DIR, 'config.json');
    if (!existsSync(modelPath)) {
      throw new Error(
        `no bundled voice in ${DEFAULT_VOICE_DIR}; give --model-path (a checkpoint) and --config-path`,
      );
    }
  }
  if (existsSync(modelPath) && statSync(modelPath).isDirectory() && !configPath) {
    const inRun = join(modelPath, 'config.json');
    if (existsSync(inRun)) configPath = inRun;
  }
  return { modelPath, configPath };
}

/** Loads a TTS model and wraps it in a Synthesizer (the installed model loader). */
export async function loadTtsSynthesizer(options: LoadOptions): Promise<Synthesizer> {
  const { modelPath, configPath } = resolveModelPaths(options);
  const { weights, config: embedded } = readModelWeights(modelPath);
  const rawConfig = configPath ? readJsonFile(configPath) : embedded;
  if (rawConfig === undefined) {
    throw new Error(`${modelPath} carries no config: give --config-path (the run's config.json)`);
  }
  const config = locateLanguageIds(
    loadConfig(rawConfig as object, { onIgnored: () => {} }) as Record<string, unknown>,
    modelFolders(modelPath, configPath),
  );
  const speakerManager = loadModelSpeakers(
    config,
    modelFolders(modelPath, configPath),
    options.speakersFilePath,
  );
  const model = buildModel(config, weights, speakerManager);
  // speakers by name from the manager; a multi-speaker model without its speakers file speaks by id
  const { numSpeakers } = model.config as { numSpeakers?: unknown };
  const speakerCount = typeof numSpeakers === 'number' ? numSpeakers : 0;
  const speakers = speakerManager?.speakerNames ?? Array.from({ length: speakerCount }, (_, i) => String(i));
  const speakerConfig = speakerConfigOf(model.config);
  const { language, languages } = modelLanguages(model, config, options.language);
  const synthesisModel = {
    inference: (x: Tensor, aux: SynthesisAux) =>
      model.inference(x, {
        ...aux,
        ...inferenceSpeakerInputs(speakerManager, speakerConfig, aux.speakerId, x.device),
        language: aux.language ?? language, // the request's language: a multilingual model's condition (VITS)
      }),
    eval: () => model.eval(),
    speakers,
    outputKind: model.outputKind,
    frameRate: model.ap.sampleRate / model.ap.hopLength,
  };
  return new Synthesizer({
    model: synthesisModel,
    tokenizer: model.tokenizer,
    vocoder: selectVocoder(options, modelPath, model.ap),
    language,
    languages,
    silenceBetweenSentencesMs: options.silenceBetweenSentencesMs,
    lengthScale: options.lengthScale ?? (typeof config.lengthScale === 'number' ? config.lengthScale : 1),
    noiseScale: options.noiseScale,
    speaker: options.speaker,
    normalization: options.normalization,
    limits: options.limits,
  });
}

/**
 * The languages a model speaks, the default first. A multilingual model (a language embedding, VITS) speaks
 * the languages of its `language_ids.json` (default: `wanted`, else the config's `phonemeLanguage` when it is
 * one of them, else the first by id); the name also picks the phonemizer, as in training. Otherwise a
 * phonemizing model speaks the languages of its phonemizer (one per key of a per-language phonemizer, else
 * the config's `phonemeLanguage`). `wanted` must be one of them: the same rule as the server's `language_id`.
 * A character model takes the text as it is, so `wanted` (it only steers sentence splitting) is accepted as
 * given.
 * @throws SynthesisError('bad_option', 'language') naming the languages the model speaks.
 */
function modelLanguages(
  model: BaseTTS,
  config: Record<string, unknown>,
  wanted: string | undefined,
): { language: string; languages: string[] } {
  const own =
    typeof config.phonemeLanguage === 'string' && config.phonemeLanguage ? config.phonemeLanguage : 'en';
  const conditioned = model.conditioningLanguages?.languageNames ?? [];
  const { tokenizer } = model;
  if (!conditioned.length && !tokenizer.usePhonemes)
    return { language: wanted ?? own, languages: [wanted ?? own] };
  const p = tokenizer.phonemizer;
  const languages = conditioned.length
    ? conditioned
    : !p
      ? [own]
      : 'phonemize' in p
        ? [String(p.language || own)]
        : Object.keys(p);
  if (wanted === undefined) {
    const language = conditioned.includes(own) ? own : (languages[0] ?? own);
    return { language, languages: [language, ...languages.filter((l) => l !== language)] };
  }
  if (!languages.includes(wanted))
    throw new SynthesisError(
      `language: unsupported language ${JSON.stringify(wanted)}; this voice speaks ${languages.join(', ')} ${conditioned.length ? '(the languages of its language_ids.json)' : '(the language its phonemizer was trained with)'}`,
      'bad_option',
      'language',
    );
  return { language: wanted, languages: [wanted, ...languages.filter((l) => l !== wanted)] };
}
