/**
 * The model loader behind `ribbit speak`, `ribbit serve` and `loadSynthesizer`: a ribbit checkpoint (a
 * `.safetensors` weights file, its checkpoint `.json`, a run folder, or a voice folder written by `ribbit export`) or a Coqui `.pth` (`{"model":
 * state_dict, "config": ..., ...}`), with a ribbit or Coqui `config.json`, becomes a Synthesizer with the
 * model's tokenizer and Griffin-Lim (until a neural vocoder is given).
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
import type { LoadOptions } from './load.ts';
import { Synthesizer } from './synthesizer.ts';
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

/** Speaker names from a Coqui `speakers.json` (`{name: id}`) or a list of names. */
function readSpeakers(path: string): string[] {
  const data = readJsonFile(path);
  if (Array.isArray(data)) return data.map(String);
  if (data && typeof data === 'object') {
    return Object.entries(data as Record<string, number>)
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name);
  }
  throw new Error(`${path}: expected {"speaker name": id, ...} or ["name", ...]`);
}

/**
 * Builds the model of `config` and loads `weights` into it (weight-norm keys in either PyTorch layout).
 * @throws Error listing missing, unexpected and mis-shaped tensors.
 */
export function buildModel(config: unknown, weights: Map<string, Tensor>): BaseTTS {
  // no phoneme disk cache at inference (it would write into the caller's working directory)
  const model = createTTSModel({ ...(config as Record<string, unknown>), phonemeCachePath: null } as {
    model?: unknown;
  });
  model.loadStateDict(weights, { strict: true });
  for (const w of weights.values()) w.dispose();
  model.eval();
  (model as { storeInverse?: () => void }).storeInverse?.();
  return model;
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
  if (options.vocoderPath) {
    throw new Error('neural vocoders are not supported yet: leave out --vocoder-path to use Griffin-Lim');
  }
  const { weights, config: embedded } = readModelWeights(modelPath);
  const rawConfig = configPath ? readJsonFile(configPath) : embedded;
  if (rawConfig === undefined) {
    throw new Error(`${modelPath} carries no config: give --config-path (the run's config.json)`);
  }
  const config = loadConfig(rawConfig as object, { onIgnored: () => {} }) as Record<string, unknown>;
  const model = buildModel(config, weights);
  const speakersPath =
    options.speakersFilePath ?? (model.config as { speakersFile?: string | null }).speakersFile;
  const speakers = speakersPath && existsSync(speakersPath) ? readSpeakers(speakersPath) : [];
  const language =
    options.language ?? (typeof config.phonemeLanguage === 'string' ? config.phonemeLanguage : 'en');
  const synthesisModel = {
    inference: model.inference.bind(model),
    eval: () => model.eval(),
    speakers,
  };
  return new Synthesizer({
    model: synthesisModel,
    tokenizer: model.tokenizer,
    vocoder: new GriffinLimVocoder(model.ap),
    language,
    silenceBetweenSentencesMs: options.silenceBetweenSentencesMs,
    lengthScale: options.lengthScale ?? (typeof config.lengthScale === 'number' ? config.lengthScale : 1),
    noiseScale: options.noiseScale,
    speaker: options.speaker,
    normalization: options.normalization,
  });
}
