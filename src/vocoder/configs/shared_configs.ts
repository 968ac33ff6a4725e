/**
 * The shared vocoder configs of Coqui TTS 0.22 (`TTS.vocoder.configs.shared_configs`) in camelCase with Coqui's
 * defaults and field order: `BaseVocoderConfig` (audio, data, segment length, optimizer) and
 * `BaseGANVocoderConfig` (loss switches and weights, the two optimizers' learning rates and schedulers, PQMF,
 * discriminator warm-up). Model configs (`HifiganConfig`, `MelganConfig`, ...) extend the GAN one with a literal
 * `model` name, their generator / discriminator names and parameters.
 *
 * `generatorModelParams` / `discriminatorModelParams` and the loss parameters are records with Coqui's
 * snake_case keys (as in Coqui's config.json).
 */
import { BaseAudioConfig, BaseTrainingConfig, type ConfigOf, f } from '../../config/index.ts';

const numbers = f.array(f.number());

/** Generator networks ribbit implements (Coqui's `generator_model` names). */
export const GENERATOR_MODELS = [
  'hifigan_generator',
  'melgan_generator',
  'multiband_melgan_generator',
  'fullband_melgan_generator',
] as const;
export type GeneratorModelName = (typeof GENERATOR_MODELS)[number];
/** Discriminator networks ribbit implements (Coqui's `discriminator_model` names). */
export const DISCRIMINATOR_MODELS = ['hifigan_discriminator', 'melgan_multiscale_discriminator'] as const;
export type DiscriminatorModelName = (typeof DISCRIMINATOR_MODELS)[number];

/** Fields shared by all vocoders (Coqui's `BaseVocoderConfig`). */
export const BaseVocoderConfig = BaseTrainingConfig.extend(
  'BaseVocoderConfig',
  {
    audio: f.config(BaseAudioConfig, undefined, { help: 'audio processing' }),
    useNoiseAugment: f.bool(false, { help: 'add N(0, 1/32768²) noise to training audio segments' }),
    evalSplitSize: f.int(10, { min: 0, help: 'wav files held out for evaluation' }),
    dataPath: f.string('', { help: 'root folder searched recursively for .wav files' }),
    featurePath: f.string(null, {
      nullable: true,
      help: 'folder of precomputed mels (.npy, same stems as the wavs; e.g. a TTS model output)',
    }),
    seqLen: f.int(1000, { min: 1, help: 'waveform segment length in samples (a multiple of hop length)' }),
    padShort: f.int(0, { min: 0, help: 'extra zero padding for wavs shorter than seqLen' }),
    convPad: f.int(0, { min: 0, help: 'extra mel frames on each side of a segment' }),
    useCache: f.bool(false, { help: 'keep loaded audio and mels in memory' }),
    epochs: f.int(10000, { min: 0, help: 'epochs to train' }),
    wd: f.number(0.0, { min: 0, help: 'weight decay (Coqui field; optimizerParams.weight_decay is used)' }),
    optimizer: f.union([f.string(), f.array(f.string())], 'AdamW', {
      nullable: true,
      help: 'optimizer name (both optimizers of a GAN)',
    }),
    optimizerParams: f.union(
      [f.record(), f.array(f.record())],
      { betas: [0.8, 0.99], weight_decay: 0.0 },
      { nullable: true, help: 'optimizer keyword arguments (Coqui names)' },
    ),
  },
  { help: 'fields shared by vocoders' },
);
/** Fields shared by all vocoders. */
export type BaseVocoderConfig = ConfigOf<typeof BaseVocoderConfig>;

const schedulerParams = { gamma: 0.999, last_epoch: -1 };

/** Fields shared by GAN vocoders (Coqui's `BaseGANVocoderConfig`). */
export const BaseGANVocoderConfig = BaseVocoderConfig.extend(
  'BaseGANVocoderConfig',
  {
    model: f.string('gan', { help: 'model name' }),
    // losses
    useStftLoss: f.bool(true, { help: 'multi-resolution STFT loss on the generator output' }),
    useSubbandStftLoss: f.bool(true, { help: 'multi-resolution STFT loss on the PQMF sub-bands' }),
    useMseGanLoss: f.bool(true, { help: 'least-squares GAN losses' }),
    useHingeGanLoss: f.bool(true, { help: 'hinge GAN losses (not with the MSE ones)' }),
    useFeatMatchLoss: f.bool(true, { help: 'discriminator feature matching loss' }),
    useL1SpecLoss: f.bool(true, { help: 'L1 loss of log mel spectrograms' }),
    stftLossWeight: f.number(0, { help: 'weight of the STFT loss (magnitude + spectral convergence)' }),
    subbandStftLossWeight: f.number(0, { help: 'weight of the sub-band STFT loss' }),
    mseGLossWeight: f.number(1, { coquiName: 'mse_G_loss_weight', help: 'weight of the MSE generator loss' }),
    hingeGLossWeight: f.number(0, {
      coquiName: 'hinge_G_loss_weight',
      help: 'Coqui field; the hinge generator loss weight is always 0 in Coqui (misspelt key) and here',
    }),
    featMatchLossWeight: f.number(100, { help: 'weight of the feature matching loss' }),
    l1SpecLossWeight: f.number(45, { help: 'weight of the L1 mel loss' }),
    stftLossParams: f.record(
      { n_ffts: [1024, 2048, 512], hop_lengths: [120, 240, 50], win_lengths: [600, 1200, 240] },
      { help: 'STFT loss resolutions (n_ffts, hop_lengths, win_lengths)' },
    ),
    subbandStftLossParams: f.record(null, {
      nullable: true,
      help: 'sub-band STFT loss resolutions (n_ffts, hop_lengths, win_lengths)',
    }),
    l1SpecLossParams: f.record(
      {
        use_mel: true,
        sample_rate: 22050,
        n_fft: 1024,
        hop_length: 256,
        win_length: 1024,
        n_mels: 80,
        mel_fmin: 0.0,
        mel_fmax: null,
      },
      { help: 'spectrogram of the L1 mel loss (Coqui TorchSTFT arguments)' },
    ),
    targetLoss: f.string('loss_0', { nullable: true, help: 'loss that selects the best model' }),
    // optimizers: index 0 the discriminator, 1 the generator (Coqui's order)
    gradClip: f.union([f.number(), numbers], [5, 5], {
      nullable: true,
      help: 'gradient norm clip per optimizer [discriminator, generator] (<= 0: off)',
    }),
    lrGen: f.number(0.0002, { min: 0, help: 'generator learning rate' }),
    lrDisc: f.number(0.0002, { min: 0, help: 'discriminator learning rate' }),
    lrSchedulerGen: f.string('ExponentialLR', { nullable: true, help: 'generator LR scheduler' }),
    lrSchedulerGenParams: f.record(schedulerParams, {
      nullable: true,
      help: 'generator LR scheduler arguments',
    }),
    lrSchedulerDisc: f.string('ExponentialLR', { nullable: true, help: 'discriminator LR scheduler' }),
    lrSchedulerDiscParams: f.record(schedulerParams, {
      nullable: true,
      help: 'discriminator LR scheduler arguments',
    }),
    usePqmf: f.bool(false, { help: 'multi-band generator output combined by PQMF synthesis' }),
    stepsToStartDiscriminator: f.int(0, { min: 0, help: 'train the generator alone for this many steps' }),
    diffSamplesForGAndD: f.bool(false, {
      coquiName: 'diff_samples_for_G_and_D',
      help: 'the discriminator step uses a different batch item than the generator step',
    }),
    // networks (the names select classes from src/vocoder/models/index.ts)
    generatorModel: f.enum(GENERATOR_MODELS, 'hifigan_generator', { help: 'generator network' }),
    generatorModelParams: f.record({}, { help: 'generator arguments (Coqui names)' }),
    discriminatorModel: f.enum(DISCRIMINATOR_MODELS, 'hifigan_discriminator', {
      help: 'discriminator network',
    }),
    discriminatorModelParams: f.record(null, {
      nullable: true,
      help: 'discriminator arguments (Coqui names; hifigan: period_channels / scale_channels widths)',
    }),
  },
  // Coqui's defaults here enable both GAN losses and a seqLen that is no multiple of the hop: the loss and the
  // dataset check those when they are built, as Coqui does.
  { help: 'fields shared by GAN vocoders' },
);
/** Fields shared by GAN vocoders. */
export type BaseGANVocoderConfig = ConfigOf<typeof BaseGANVocoderConfig>;
