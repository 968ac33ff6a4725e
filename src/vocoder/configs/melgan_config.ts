/** MelGAN vocoder config: Coqui's `MelganConfig` (TTS 0.22) with Coqui's defaults. */
import { type ConfigOf, f, registerConfig } from '../../config/index.ts';
import { BaseGANVocoderConfig } from './shared_configs.ts';

/** The MelGAN-family overrides shared by `MelganConfig` and `FullbandMelganConfig`. */
export const melganTraining = {
  batchSize: f.int(16, { min: 1, help: 'training batch size' }),
  seqLen: f.int(8192, { min: 1, help: 'waveform segment length in samples (a multiple of hop length)' }),
  padShort: f.int(2000, { min: 0, help: 'extra zero padding for wavs shorter than seqLen' }),
  useNoiseAugment: f.bool(true, { help: 'add N(0, 1/32768²) noise to training audio segments' }),
  useCache: f.bool(true, { help: 'keep loaded audio and mels in memory' }),
  useSubbandStftLoss: f.bool(false, { help: 'multi-resolution STFT loss on the PQMF sub-bands' }),
  useHingeGanLoss: f.bool(false, { help: 'hinge GAN losses (not with the MSE ones)' }),
  useL1SpecLoss: f.bool(false, { help: 'L1 loss of log mel spectrograms' }),
  stftLossWeight: f.number(0.5, { help: 'weight of the STFT loss (magnitude + spectral convergence)' }),
  mseGLossWeight: f.number(2.5, { coquiName: 'mse_G_loss_weight', help: 'weight of the MSE generator loss' }),
  featMatchLossWeight: f.number(108, { help: 'weight of the feature matching loss' }),
  l1SpecLossWeight: f.number(0, { help: 'weight of the L1 mel loss' }),
};

export const MelganConfig = registerConfig(
  BaseGANVocoderConfig.extend(
    'MelganConfig',
    {
      model: f.literal('melgan'),
      discriminatorModel: f.enum(['melgan_multiscale_discriminator'], 'melgan_multiscale_discriminator', {
        help: 'discriminator network',
      }),
      discriminatorModelParams: f.record(
        { base_channels: 16, max_channels: 1024, downsample_factors: [4, 4, 4, 4] },
        { help: 'MelganMultiscaleDiscriminator arguments (Coqui names)' },
      ),
      generatorModel: f.enum(['melgan_generator'], 'melgan_generator', { help: 'generator network' }),
      generatorModelParams: f.record(
        { upsample_factors: [8, 8, 2, 2], num_res_blocks: 3 },
        { help: 'MelganGenerator arguments (Coqui names)' },
      ),
      ...melganTraining,
    },
    { help: 'MelGAN vocoder (Kumar et al. 2019)' },
  ),
);
/** The MelGAN vocoder config. */
export type MelganConfig = ConfigOf<typeof MelganConfig>;
