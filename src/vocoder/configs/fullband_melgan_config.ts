/** Full-band MelGAN vocoder config: Coqui's `FullbandMelganConfig` (TTS 0.22) with Coqui's defaults. */
import { type ConfigOf, f, registerConfig } from '../../config/index.ts';
import { melganTraining } from './melgan_config.ts';
import { BaseGANVocoderConfig } from './shared_configs.ts';

export const FullbandMelganConfig = registerConfig(
  BaseGANVocoderConfig.extend(
    'FullbandMelganConfig',
    {
      model: f.literal('fullband_melgan'),
      discriminatorModel: f.enum(['melgan_multiscale_discriminator'], 'melgan_multiscale_discriminator', {
        help: 'discriminator network',
      }),
      discriminatorModelParams: f.record(
        { base_channels: 16, max_channels: 512, downsample_factors: [4, 4, 4] },
        { help: 'MelganMultiscaleDiscriminator arguments (Coqui names)' },
      ),
      generatorModel: f.enum(['melgan_generator', 'fullband_melgan_generator'], 'melgan_generator', {
        help: 'generator network',
      }),
      generatorModelParams: f.record(
        { upsample_factors: [8, 8, 2, 2], num_res_blocks: 4 },
        { help: 'FullbandMelganGenerator arguments (Coqui names)' },
      ),
      ...melganTraining,
    },
    { help: 'full-band MelGAN vocoder (Yang et al. 2020, without sub-bands)' },
  ),
);
/** The full-band MelGAN vocoder config. */
export type FullbandMelganConfig = ConfigOf<typeof FullbandMelganConfig>;
