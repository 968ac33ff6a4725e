/**
 * ribbit, the package entry (`import { loadSynthesizer } from 'ribbit'`): the Synthesizer and its loaders,
 * Coqui's released models by name, the model registry and base model API, and WAV writing. Subpaths hold the
 * rest: `ribbit/torch`, `ribbit/audio`, `ribbit/text`, `ribbit/config`, `ribbit/data`, `ribbit/trainer`,
 * `ribbit/models`, `ribbit/eval`, `ribbit/server`.
 *
 *     import { loadSynthesizer, writeWav } from 'ribbit';
 *     const synth = await loadSynthesizer({});            // the bundled voice
 *     const { samples, sampleRate } = await synth.synthesize('Hello world.');
 *     writeWav('hello.wav', samples, sampleRate);
 */
export { encodeWav, readWav, writeWav } from './audio/wav.ts';
export * from './inference/index.ts';
export {
  type CatalogueEntry,
  COQUI_CATALOGUE,
  findEntry,
  readCatalogue,
} from './inference/model_catalogue.ts';
export {
  type CachedModel,
  type DownloadProgress,
  downloadModel,
  fixConfigPaths,
  type ModelManagerOptions,
  modelsHome,
  progressBar,
  resolveModelName,
} from './inference/model_manager.ts';
export { DEFAULT_VOICE_DIR } from './inference/tts_loader.ts';
export * from './models/index.ts';
