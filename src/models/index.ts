/**
 * Every model family, registered: importing this module registers the TTS models (src/tts/models) and
 * exposes the model-agnostic registry and base. `ribbit train` imports it; a new family adds its import here.
 */
import '../tts/models/index.ts';
import '../vocoder/models/index.ts';

export * from './base_model.ts';
export * from './registry.ts';
