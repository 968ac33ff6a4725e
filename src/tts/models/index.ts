/**
 * The TTS models, registered in the model registry (src/models/registry.ts) on import, and `createTTSModel`,
 * which builds a TTS model (tokenizer, audio processor, mel or waveform inference) from a config: what the
 * Synthesizer loader and recipes call. `registerModel`/`createModel` are re-exported from the registry.
 */
import { createModel, registerModel } from '../../models/registry.ts';
import { GlowTTSConfig } from '../configs/glow_tts_config.ts';
import { BaseTTS, type TTSModelParts } from './base_tts.ts';
import { GlowTTS } from './glow_tts.ts';

/**
 * Builds the TTS model a config describes (see `createModel`).
 * @throws Error when the config's model is not a TTS model (a vocoder, ...), or is not registered.
 */
export function createTTSModel(
  config: { readonly model?: unknown; readonly [field: string]: unknown },
  parts: TTSModelParts = {},
): BaseTTS {
  const model = createModel(config, parts);
  if (!(model instanceof BaseTTS)) {
    throw new Error(
      `model "${String(config.model)}" is not a text-to-speech model (it does not extend BaseTTS)`,
    );
  }
  return model;
}

registerModel<GlowTTSConfig, TTSModelParts>(GlowTTSConfig, (config, parts) => new GlowTTS(config, parts));

export { createModel, registeredModelNames, registerModel } from '../../models/registry.ts';
export { BaseTTS, type TTSBatch, type TTSModelParts } from './base_tts.ts';
export { GlowTTS } from './glow_tts.ts';
