/** Multi-band MelGAN vocoder config: Coqui's `MultibandMelganConfig` (TTS 0.22) with Coqui's defaults. */
import { type ConfigOf, f, registerConfig } from '../../config/index.ts';
import { BaseGANVocoderConfig } from './shared_configs.ts';

const milestones = { gamma: 0.5, milestones: [100000, 200000, 300000, 400000, 500000, 600000] };

export const MultibandMelganConfig = registerConfig(
  BaseGANVocoderConfig.extend(
    'MultibandMelganConfig',
    {
      model: f.literal('multiband_melgan'),
      discriminatorModel: f.enum(['melgan_multiscale_discriminator'], 'melgan_multiscale_discriminator', {
        help: 'discriminator network',
      }),
      discriminatorModelParams: f.record(
        { base_channels: 16, max_channels: 512, downsample_factors: [4, 4, 4] },
        { help: 'MelganMultiscaleDiscriminator arguments (Coqui names)' },
      ),
      generatorModel: f.enum(['multiband_melgan_generator'], 'multiband_melgan_generator', {
        help: 'generator network',
      }),
      generatorModelParams: f.record(
        { upsample_factors: [8, 4, 2], num_res_blocks: 4 },
        { help: 'MultibandMelganGenerator arguments (Coqui names)' },
      ),
      usePqmf: f.bool(true, { help: 'multi-band generator output combined by PQMF synthesis' }),
      lrGen: f.number(0.0001, { min: 0, help: 'generator learning rate' }),
      lrDisc: f.number(0.0001, { min: 0, help: 'discriminator learning rate' }),
      lrSchedulerGen: f.string('MultiStepLR', { nullable: true, help: 'generator LR scheduler' }),
      lrSchedulerGenParams: f.record(milestones, {
        nullable: true,
        help: 'generator LR scheduler arguments',
      }),
      lrSchedulerDisc: f.string('MultiStepLR', { nullable: true, help: 'discriminator LR scheduler' }),
      lrSchedulerDiscParams: f.record(milestones, {
        nullable: true,
        help: 'discriminator LR scheduler arguments',
      }),
      batchSize: f.int(64, { min: 1, help: 'training batch size' }),
      seqLen: f.int(16384, { min: 1, help: 'waveform segment length in samples (a multiple of hop length)' }),
      padShort: f.int(2000, { min: 0, help: 'extra zero padding for wavs shorter than seqLen' }),
      useCache: f.bool(true, { help: 'keep loaded audio and mels in memory' }),
      stepsToStartDiscriminator: f.int(200000, {
        min: 0,
        help: 'train the generator alone for this many steps',
      }),
      useHingeGanLoss: f.bool(false, { help: 'hinge GAN losses (not with the MSE ones)' }),
      useFeatMatchLoss: f.bool(false, { help: 'discriminator feature matching loss' }),
      useL1SpecLoss: f.bool(false, { help: 'L1 loss of log mel spectrograms' }),
      subbandStftLossParams: f.record(
        { n_ffts: [384, 683, 171], hop_lengths: [30, 60, 10], win_lengths: [150, 300, 60] },
        { nullable: true, help: 'sub-band STFT loss resolutions (n_ffts, hop_lengths, win_lengths)' },
      ),
      stftLossWeight: f.number(0.5, { help: 'weight of the STFT loss (magnitude + spectral convergence)' }),
      mseGLossWeight: f.number(2.5, {
        coquiName: 'mse_G_loss_weight',
        help: 'weight of the MSE generator loss',
      }),
      featMatchLossWeight: f.number(108, { help: 'weight of the feature matching loss' }),
      l1SpecLossWeight: f.number(0, { help: 'weight of the L1 mel loss' }),
      lr: f.union([f.number(), f.array(f.number())], 1e-4, { help: 'Coqui field (lrGen / lrDisc are used)' }),
      wd: f.number(1e-6, {
        min: 0,
        help: 'weight decay (Coqui field; optimizerParams.weight_decay is used)',
      }),
    },
    { help: 'multi-band MelGAN vocoder (Yang et al. 2020): 4 PQMF sub-bands' },
  ),
);
/** The multi-band MelGAN vocoder config. */
export type MultibandMelganConfig = ConfigOf<typeof MultibandMelganConfig>;
