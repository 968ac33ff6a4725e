/**
 * ribbit datasets: Coqui's dataset formatters (LJSpeech, VCTK, ...), train/eval splits, the TTS dataset and
 * the espeak-ng demo dataset (`import { loadTtsSamples, TTSDataset } from 'ribbit/data'`).
 */
export * from './dataset.ts';
export * from './demo.ts';
export * from './formatters.ts';
export * from './random.ts';
export * from './samples.ts';
