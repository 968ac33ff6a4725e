/** The vocoder configs (each registered under its `model` name on import). */
export { FullbandMelganConfig } from './fullband_melgan_config.ts';
export { HifiganConfig } from './hifigan_config.ts';
export { MelganConfig } from './melgan_config.ts';
export { MultibandMelganConfig } from './multiband_melgan_config.ts';
export * from './shared_configs.ts';
