/**
 * The model loader behind `ribbit speak`, `ribbit serve` and `loadSynthesizer`: a ribbit checkpoint (a
 * `.safetensors` weights file, its checkpoint `.json`, a run folder, or a voice folder written by `ribbit export`) or a Coqui `.pth` (`{"model":
 * state_dict, "config": ..., ...}`), with a ribbit or Coqui `config.json`, becomes a Synthesizer with the
 * model's tokenizer and Griffin-Lim, or the trained GAN vocoder given with `vocoderPath`.
 *
 * Without a model path the bundled default voice (`voices/default/`) is used.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { buildInferenceVocoder, type Denormalizer, NeuralVocoder } from '../vocoder/inference.ts';
import type { LoadOptions } from './load.ts';
import { Synthesizer } from './synthesizer.ts';
import type { SynthesisAux } from './types.ts';
import { GriffinLimVocoder } from './vocoder.ts';

/** Folder of the bundled default voice (model.safetensors + config.json). */
export const DEFAULT_VOICE_DIR: string = fileURLToPath(new URL('../../voices/default/', import.meta.url));

/** A model's weights and, when the checkpoint carries one, its config. */
interface LoadedWeights {
  weights: Map<string, Tensor>;
  /** Config found beside or inside the checkpoint (undefined: none). */
  config?: unknown;
}

function isPth(path: string): boolean {
  return /\.(pth|pt|ckpt|tar)$/i.test(path);
}

/** Reads weights (and an embedded or neighbouring config) from a ribbit or Coqui checkpoint path. */
export function readModelWeights(modelPath: string): LoadedWeights {
  if (!existsSync(modelPath)) throw new Error(`model not found: ${modelPath}`);
  if (isPth(modelPath)) {
    // one read: the state dict and the config Coqui's Trainer stores beside it
    const root = readPth(modelPath);
    const weights = new Map<string, Tensor>();
    for (const [k, v] of stateDictOf(root, modelPath)) weights.set(k, fromRaw(v));
    let config: unknown;
    if (root instanceof Map && root.get('config') instanceof Map) config = toPlain(root.get('config'));
    return { weights, config };
  }
  // a voice folder (`ribbit export`, the bundled voice): model.safetensors + config.json
  const voiceWeights = join(modelPath, 'model.safetensors');
  if (statSync(modelPath).isDirectory() && existsSync(voiceWeights)) modelPath = voiceWeights;
  const { weights, path } = loadCheckpointWeights(modelPath);
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

/** Loads a TTS model and wraps it in a Synthesizer (the installed model loader). */
export async function loadTtsSynthesizer(options: LoadOptions): Promise<Synthesizer> {
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
  const language =
    options.language ?? (typeof config.phonemeLanguage === 'string' ? config.phonemeLanguage : 'en');
  const synthesisModel = {
    inference: (x: Tensor, aux: SynthesisAux) =>
      model.inference(x, {
        ...aux,
        ...inferenceSpeakerInputs(speakerManager, speakerConfig, aux.speakerId, x.device),
        language: options.language, // a multilingual model's language (VITS)
      }),
    eval: () => model.eval(),
    outputKind: model.outputKind,
    speakers,
  };
  return new Synthesizer({
    model: synthesisModel,
    tokenizer: model.tokenizer,
    vocoder: options.vocoderPath
      ? loadNeuralVocoder(options.vocoderPath, options.vocoderConfigPath, model.ap)
      : new GriffinLimVocoder(model.ap),
    language,
    silenceBetweenSentencesMs: options.silenceBetweenSentencesMs,
    lengthScale: options.lengthScale ?? (typeof config.lengthScale === 'number' ? config.lengthScale : 1),
    noiseScale: options.noiseScale,
    speaker: options.speaker,
    normalization: options.normalization,
  });
}
