/**
 * The model registry: which model class a config builds, for every kind of model (TTS, vocoder, ...). A model
 * registers its config class (whose literal `model` field is the key, e.g. `"glow_tts"`) and a factory;
 * `createModel(config)` is what `ribbit train` calls (the TTS loader uses `createTTSModel` beside the TTS
 * models). Model families register on import: src/models/index.ts imports them all.
 */
import type { AnyConfigClass } from '../config/index.ts';
import type { AnyModel } from './base_model.ts';

/** How to build one kind of model. */
export interface ModelEntry {
  /** The model's config class (registered with `registerConfig`). */
  configClass: AnyConfigClass;
  /** Builds the model from a validated config of that class and optional prebuilt parts. */
  create(config: never, parts: never): AnyModel;
}

const models = new Map<string, ModelEntry>();

/**
 * Registers a model under its config's `model` name; a second registration of the name replaces the first.
 * `P` is what the factory accepts besides the config (e.g. `TTSModelParts`: a tokenizer, an audio processor).
 */
export function registerModel<C, P extends object = object>(
  configClass: AnyConfigClass,
  create: (config: C, parts: P) => AnyModel,
): void {
  const name = configClass.modelName;
  if (!name) throw new Error(`${configClass.name} has no literal "model" field to register a model under`);
  models.set(name, { configClass, create: create as ModelEntry['create'] });
}

/** Names of the registered models. */
export function registeredModelNames(): string[] {
  return [...models.keys()].sort();
}

/**
 * Builds the model a config describes (its `model` field picks the class); the config is validated against
 * that model's config class first. `parts` go to the factory as they are.
 * @throws Error naming the registered models when `model` is unknown.
 */
export function createModel(
  config: { readonly model?: unknown; readonly [field: string]: unknown },
  parts: object = {},
): AnyModel {
  const name = String(config.model ?? '');
  const entry = models.get(name);
  if (!entry) {
    throw new Error(`no model is registered as "${name}" (registered: ${registeredModelNames().join(', ')})`);
  }
  return entry.create(entry.configClass.parse(config) as never, parts as never);
}
