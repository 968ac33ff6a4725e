/**
 * The vocoder models, registered in the model registry on import (src/models/index.ts imports this family):
 * every GAN vocoder config (`hifigan`, `melgan`, `multiband_melgan`, `fullband_melgan`) builds a `GAN`.
 */
import { registerModel } from '../../models/registry.ts';
import { FullbandMelganConfig } from '../configs/fullband_melgan_config.ts';
import { HifiganConfig } from '../configs/hifigan_config.ts';
import { MelganConfig } from '../configs/melgan_config.ts';
import { MultibandMelganConfig } from '../configs/multiband_melgan_config.ts';
import type { BaseGANVocoderConfig } from '../configs/shared_configs.ts';
import type { VocoderParts } from './base_vocoder.ts';
import { GAN } from './gan.ts';

for (const cls of [HifiganConfig, MelganConfig, MultibandMelganConfig, FullbandMelganConfig]) {
  registerModel<BaseGANVocoderConfig, VocoderParts>(cls, (config, parts) => new GAN(config, parts));
}

export { BaseVocoder, type VocoderInferenceOutput, type VocoderParts } from './base_vocoder.ts';
export { GAN, type GANBatch, type GANOutputs } from './gan.ts';
export { setupDiscriminator, setupGenerator, type VocoderGenerator } from './setup.ts';
