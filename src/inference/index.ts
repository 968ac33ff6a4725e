/**
 * ribbit inference: the Synthesizer (text -> speech, sentence by sentence, streaming), vocoder adapters,
 * loudness normalisation, pluggable model loading and a fake stack for tests and benchmarks.
 */
export {
  createFakeSynthesizer,
  createFakeTokenizer,
  type FakeInferenceCall,
  FakeModel,
  type FakeModelOptions,
  type FakeSynthesizerOptions,
  FakeVocoder,
  type FakeVocoderOptions,
} from './fake.ts';
export {
  DEFAULT_LOADER_MODULE,
  FAKE_LOADER_MODULE,
  getModelLoader,
  type LoadOptions,
  loadFromModule,
  loadSynthesizer,
  type ModelLoader,
  resolveLoaderModule,
  setModelLoader,
} from './load.ts';
export {
  DEFAULT_PEAK,
  DEFAULT_RMS_DB,
  normalizeAudio,
  parseNormalization,
  peakOf,
  rmsOf,
} from './normalize.ts';
export { dropForeignLetters, scriptsOf } from './scripts.ts';
export {
  DEFAULT_LIMITS,
  findSpeaker,
  LENGTH_SCALE_RANGE,
  SPEED_RANGE,
  SynthesisError,
  type SynthesisErrorCode,
  Synthesizer,
  type SynthesizerOptions,
  splitLongSentence,
} from './synthesizer.ts';
export type {
  Normalization,
  StreamSummary,
  SynthesisAux,
  SynthesisChunk,
  SynthesisLimits,
  SynthesisModel,
  SynthesisOptions,
  SynthesisResult,
  SynthesisTokenizer,
  SynthesizerInfo,
  Vocoder,
} from './types.ts';
export { GriffinLimVocoder, type InverseMelProcessor } from './vocoder.ts';
