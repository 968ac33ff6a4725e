/**
 * ribbit audio: WAV reading/writing, STFT and mel filterbanks, Griffin-Lim, resampling, trimming and the
 * Coqui-compatible AudioProcessor (`import { readWav, AudioProcessor } from 'ribbit/audio'`).
 */
export * from './effects.ts';
export * from './griffinLim.ts';
export * from './mel.ts';
export * from './processor.ts';
export * from './resample.ts';
export * from './stft.ts';
export * from './wav.ts';
