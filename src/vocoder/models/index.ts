/**
 * The vocoder models, registered in the model registry on import (src/models/index.ts imports this family):
 * every GAN vocoder config (`hifigan`, `melgan`, `multiband_melgan`, `fullband_melgan`) builds a `GAN`.
 */
import { registerModel } from '../../models/registry.js';
import { FullbandMelganConfig } from '../configs/fullband_melgan_config.js';
import { HifiganConfig } from '../configs/hifigan_config.js';
import { MelganConfig } from '../configs/melgan_config.js';
import { MultibandMelganConfig } from '../configs/multiband_melgan_config.js';
import type { BaseGANVocoderConfig } from '../configs/shared_configs.js';
import type { VocoderParts } from './base_vocoder.js';
import { GAN } from './gan.js';

for (const cls of [HifiganConfig, MelganConfig, MultibandMelganConfig, FullbandMelganConfig]) {
  registerModel<BaseGANVocoderConfig, VocoderParts>(cls, (config, parts) => new GAN(config, parts));
}

export { BaseVocoder, type VocoderInferenceOutput, type VocoderParts } from './base_vocoder.js';
export { GAN, type GANBatch, type GANOutputs } from './gan.js';
export { setupDiscriminator, setupGenerator, type VocoderGenerator } from './setup.js';
