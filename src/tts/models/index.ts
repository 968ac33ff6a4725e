/**
 * The model registry: which model class a config builds. A model registers its config class (whose literal
 * `model` field is the key, e.g. `"glow_tts"`) and a factory; `createModel(config)` is what `ribbit train`,
 * the Synthesizer loader and recipes call.
 */
import type { AnyConfigClass } from '../../config/index.ts';
import { configClassFor } from '../../config/index.ts';
import { GlowTTSConfig } from '../configs/glow_tts_config.ts';
import type { BaseTTS, TTSModelParts } from './base_tts.ts';
import { GlowTTS } from './glow_tts.ts';

/** How to build one kind of model. */
export interface ModelEntry {
  /** The model's config class (registered with `registerConfig`). */
  configClass: AnyConfigClass;
  /** Builds the model from a validated config of that class. */
  create(config: never, parts: TTSModelParts): BaseTTS;
}

const models = new Map<string, ModelEntry>();

/** Registers a model under its config's `model` name; a second registration of the name replaces the first. */
export function registerModel<C>(
  configClass: AnyConfigClass,
  create: (config: C, parts: TTSModelParts) => BaseTTS,
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
 * Builds the model a config describes (its `model` field picks the class). The config is validated against
 * that model's config class first.
 * @throws Error naming the registered models when `model` is unknown.
 */
export function createModel(config: { model?: unknown }, parts: TTSModelParts = {}): BaseTTS {
  const name = String(config.model ?? '');
  const entry = models.get(name);
  if (!entry) {
    throw new Error(`no model is registered as "${name}" (registered: ${registeredModelNames().join(', ')})`);
  }
  const cls = entry.configClass ?? configClassFor(config);
  return entry.create(cls.parse(config) as never, parts);
}

registerModel<GlowTTSConfig>(GlowTTSConfig, (config, parts) => new GlowTTS(config, parts));

export { BaseTTS, type TTSBatch, type TTSModelParts } from './base_tts.ts';
export { GlowTTS } from './glow_tts.ts';
