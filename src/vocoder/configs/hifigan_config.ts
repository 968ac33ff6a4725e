/** HiFiGAN vocoder config: Coqui's `HifiganConfig` (TTS 0.22) with Coqui's defaults. */
import { type ConfigOf, f, registerConfig } from '../../config/index.ts';
import { BaseGANVocoderConfig } from './shared_configs.ts';

export const HifiganConfig = registerConfig(
  BaseGANVocoderConfig.extend(
    'HifiganConfig',
    {
      model: f.literal('hifigan'),
      discriminatorModel: f.enum(['hifigan_discriminator'], 'hifigan_discriminator', {
        help: 'discriminator network',
      }),
      generatorModel: f.enum(['hifigan_generator'], 'hifigan_generator', { help: 'generator network' }),
      generatorModelParams: f.record(
        {
          upsample_factors: [8, 8, 2, 2],
          upsample_kernel_sizes: [16, 16, 4, 4],
          upsample_initial_channel: 512,
          resblock_kernel_sizes: [3, 7, 11],
          resblock_dilation_sizes: [
            [1, 3, 5],
            [1, 3, 5],
            [1, 3, 5],
          ],
          resblock_type: '1',
        },
        { help: 'HifiganGenerator arguments (Coqui names)' },
      ),
      useStftLoss: f.bool(false, { help: 'multi-resolution STFT loss on the generator output' }),
      useSubbandStftLoss: f.bool(false, { help: 'multi-resolution STFT loss on the PQMF sub-bands' }),
      useHingeGanLoss: f.bool(false, { help: 'hinge GAN losses (not with the MSE ones)' }),
      featMatchLossWeight: f.number(108, { help: 'weight of the feature matching loss' }),
      lr: f.union([f.number(), f.array(f.number())], 1e-4, { help: 'Coqui field (lrGen / lrDisc are used)' }),
      wd: f.number(1e-6, {
        min: 0,
        help: 'weight decay (Coqui field; optimizerParams.weight_decay is used)',
      }),
    },
    { help: 'HiFiGAN vocoder (Kong et al. 2020): MRF generator, multi-period + multi-scale discriminators' },
  ),
);
/** The HiFiGAN vocoder config. */
export type HifiganConfig = ConfigOf<typeof HifiganConfig>;
