/**
 * VITS configuration: Coqui's `VitsArgs`, `VitsAudioConfig` and `VitsConfig` (TTS 0.22) in camelCase with
 * Coqui's defaults and field order. The architecture sits in `modelArgs` (Coqui's `model_args`); the config
 * adds the two optimizers' settings, the loss weights and the data-loader switches.
 *
 * Sizes that no field changes (as in Coqui): the stochastic duration predictor has 192 channels, the
 * deterministic one 256, and the flow has 4 residual coupling layers.
 */
import {
  BaseAudioConfig,
  BaseTTSConfig,
  type ConfigOf,
  defineConfig,
  f,
  registerConfig,
} from '../../config/index.ts';

const ints = f.array(f.int());

/** The VITS architecture and its inference/training switches (Coqui's `VitsArgs`). */
export const VitsArgs = defineConfig(
  'VitsArgs',
  {
    numChars: f.int(100, {
      min: 1,
      help: 'vocabulary size (set from the tokenizer when the model is built)',
    }),
    outChannels: f.int(513, {
      min: 1,
      help: 'linear-spectrogram bins fed to the posterior encoder (fftSize / 2 + 1)',
    }),
    specSegmentSize: f.int(32, {
      min: 1,
      help: 'frames of z decoded per training item (x hop = waveform samples)',
    }),
    hiddenChannels: f.int(192, { min: 2, help: 'channels of the latent z and of every encoder' }),
    hiddenChannelsFfnTextEncoder: f.int(768, { min: 1, help: 'feed-forward channels of the text encoder' }),
    numHeadsTextEncoder: f.int(2, { min: 1, help: 'attention heads of the text encoder' }),
    numLayersTextEncoder: f.int(6, { min: 1, help: 'transformer layers of the text encoder' }),
    kernelSizeTextEncoder: f.int(3, { min: 1, help: 'kernel size of the text encoder feed-forward convs' }),
    dropoutPTextEncoder: f.number(0.1, { min: 0, max: 1, help: 'text-encoder dropout' }),
    dropoutPDurationPredictor: f.number(0.5, { min: 0, max: 1, help: 'duration-predictor dropout' }),
    kernelSizePosteriorEncoder: f.int(5, { min: 1, help: 'WaveNet kernel size of the posterior encoder' }),
    dilationRatePosteriorEncoder: f.int(1, {
      min: 1,
      help: 'WaveNet dilation growth of the posterior encoder',
    }),
    numLayersPosteriorEncoder: f.int(16, { min: 1, help: 'WaveNet layers of the posterior encoder' }),
    kernelSizeFlow: f.int(5, { min: 1, help: 'WaveNet kernel size in the flow coupling layers' }),
    dilationRateFlow: f.int(1, { min: 1, help: 'WaveNet dilation growth in the flow coupling layers' }),
    numLayersFlow: f.int(4, { min: 1, help: 'WaveNet layers per flow coupling layer' }),
    resblockTypeDecoder: f.enum(['1', '2'], '1', { help: 'HiFiGAN decoder residual block type' }),
    resblockKernelSizesDecoder: f.array(f.int(), [3, 7, 11], {
      help: 'HiFiGAN decoder resblock kernel sizes',
    }),
    resblockDilationSizesDecoder: f.array(
      ints,
      [
        [1, 3, 5],
        [1, 3, 5],
        [1, 3, 5],
      ],
      { help: 'HiFiGAN decoder resblock dilations' },
    ),
    upsampleRatesDecoder: f.array(f.int(), [8, 8, 2, 2], {
      help: 'HiFiGAN decoder upsampling factors (product = hop)',
    }),
    upsampleInitialChannelDecoder: f.int(512, {
      min: 1,
      help: 'channels of the first decoder upsampling layer',
    }),
    upsampleKernelSizesDecoder: f.array(f.int(), [16, 16, 4, 4], { help: 'decoder upsampling kernel sizes' }),
    periodsMultiPeriodDiscriminator: f.array(f.int(), [2, 3, 5, 7, 11], {
      help: 'periods of the multi-period discriminator',
    }),
    scaleDiscriminatorChannels: f.array(f.int(), [16, 64, 256, 1024, 1024, 1024], {
      help: "output channels of the scale discriminator's 6 convs (ribbit; Coqui hard-codes these)",
    }),
    periodDiscriminatorChannels: f.array(f.int(), [32, 128, 512, 1024, 1024], {
      help: "output channels of each period discriminator's 5 convs (ribbit; Coqui hard-codes these)",
    }),
    useSdp: f.bool(true, { help: 'stochastic duration predictor (false: the deterministic one)' }),
    noiseScale: f.number(1.0, { min: 0, help: 'std multiplier of the posterior sample in training' }),
    inferenceNoiseScale: f.number(0.667, { min: 0, help: 'std multiplier of the prior sample at inference' }),
    lengthScale: f.number(1, { min: 0, help: 'duration multiplier at inference (> 1: slower speech)' }),
    noiseScaleDp: f.number(1.0, { min: 0, help: 'SDP noise multiplier in training' }),
    inferenceNoiseScaleDp: f.number(1.0, { min: 0, help: 'SDP noise multiplier at inference' }),
    maxInferenceLen: f.int(null, { nullable: true, min: 1, help: 'cap on decoded frames at inference' }),
    initDiscriminator: f.bool(true, { help: 'build the discriminator (false: inference only)' }),
    useSpectralNormDisriminator: f.bool(false, {
      help: 'spectral instead of weight norm in the discriminator (Coqui spells it "disriminator")',
    }),
    useSpeakerEmbedding: f.bool(false, { help: 'learn a speaker-embedding table (numSpeakers)' }),
    numSpeakers: f.int(0, { min: 0, help: 'speakers of the speaker-embedding table' }),
    speakersFile: f.string(null, { nullable: true, help: 'speakers.json of a multi-speaker model' }),
    dVectorFile: f.union([f.string(), f.array(f.string())], null, {
      nullable: true,
      help: 'file(s) with the d-vector of every sample',
    }),
    speakerEmbeddingChannels: f.int(256, { min: 1, help: 'speaker-embedding size' }),
    useDVectorFile: f.bool(false, { help: 'condition on external d-vectors' }),
    dVectorDim: f.int(0, { min: 0, help: 'd-vector size' }),
    detachDpInput: f.bool(true, { help: 'stop duration-predictor gradients into the text encoder' }),
    useLanguageEmbedding: f.bool(false, { help: 'learn a language-embedding table' }),
    embeddedLanguageDim: f.int(4, { min: 1, help: 'language-embedding size' }),
    numLanguages: f.int(0, { min: 0, help: 'languages of the language-embedding table' }),
    languageIdsFile: f.string(null, { nullable: true, help: 'language_ids.json of a multilingual model' }),
    useSpeakerEncoderAsLoss: f.bool(false, { help: 'speaker consistency loss (needs a speaker encoder)' }),
    speakerEncoderConfigPath: f.string('', { help: 'speaker-encoder config for the consistency loss' }),
    speakerEncoderModelPath: f.string('', { help: 'speaker-encoder checkpoint for the consistency loss' }),
    conditionDpOnSpeaker: f.bool(true, { help: 'condition the duration predictor on the speaker' }),
    freezeEncoder: f.bool(false, { help: 'freeze the text encoder (and language embedding)' }),
    freezeDp: f.bool(false, { coquiName: 'freeze_DP', help: 'freeze the duration predictor' }),
    freezePe: f.bool(false, { coquiName: 'freeze_PE', help: 'freeze the posterior encoder' }),
    freezeFlowDecoder: f.bool(false, { help: 'freeze the flow' }),
    freezeWaveformDecoder: f.bool(false, { help: 'freeze the waveform decoder' }),
    encoderSampleRate: f.int(null, {
      nullable: true,
      min: 1,
      help: 'sample rate of the encoder side when it differs from audio.sampleRate',
    }),
    interpolateZ: f.bool(true, { help: 'upsample z to the decoder rate when encoderSampleRate is set' }),
    reinitDp: f.bool(false, {
      coquiName: 'reinit_DP',
      help: 're-initialise the duration predictor at start',
    }),
    reinitTextEncoder: f.bool(false, { help: 're-initialise the text encoder at start' }),
  },
  {
    help: 'VITS architecture (Coqui VitsArgs)',
    check(cfg, report) {
      if (cfg.useSpeakerEmbedding && cfg.useDVectorFile) {
        report('useDVectorFile', 'speaker embedding and d-vectors cannot be used together');
      }
      if (cfg.scaleDiscriminatorChannels.length !== 6) {
        report(
          'scaleDiscriminatorChannels',
          `expected 6 widths, got ${cfg.scaleDiscriminatorChannels.length}`,
        );
      }
      if (cfg.periodDiscriminatorChannels.length !== 5) {
        report(
          'periodDiscriminatorChannels',
          `expected 5 widths, got ${cfg.periodDiscriminatorChannels.length}`,
        );
      }
      const n = cfg.resblockKernelSizesDecoder.length;
      if (cfg.resblockDilationSizesDecoder.length !== n) {
        report('resblockDilationSizesDecoder', `expected ${n} lists (one per resblock kernel size)`);
      }
      if (cfg.upsampleKernelSizesDecoder.length !== cfg.upsampleRatesDecoder.length) {
        report(
          'upsampleKernelSizesDecoder',
          `expected ${cfg.upsampleRatesDecoder.length} sizes (one per rate)`,
        );
      }
    },
  },
);
/** The VITS architecture and its inference/training switches. */
export type VitsArgs = ConfigOf<typeof VitsArgs>;

/**
 * The audio settings VITS reads (Coqui's `VitsAudioConfig`: fftSize, sampleRate, winLength, hopLength,
 * numMels, melFmin, melFmax; same defaults). It is a full `BaseAudioConfig` so that the shared audio code can
 * build an AudioProcessor from it; the fields Coqui's VitsAudioConfig lacks take the values Coqui's
 * AudioProcessor constructor gives them when built from a VitsAudioConfig: no silence trimming, no
 * normalisation.
 */
export const VitsAudioConfig = BaseAudioConfig.extend(
  'VitsAudioConfig',
  {
    doTrimSilence: f.bool(false, { help: 'trim leading and trailing silence (off for VITS, as in Coqui)' }),
    signalNorm: f.bool(false, { help: 'normalise spectrograms (off for VITS, as in Coqui)' }),
  },
  { help: 'VITS audio settings (Coqui VitsAudioConfig)' },
);
/** The audio settings VITS reads. */
export type VitsAudioConfig = ConfigOf<typeof VitsAudioConfig>;

/** Coqui's `[text, speaker_name?, style_wav?, language?]` test sentence, or a plain text. */
const testSentence = f.union([f.string(), f.array(f.string(null, { nullable: true }))]);

/** Top-level fields that Coqui's `VitsConfig.__post_init__` copies from `model_args`. */
const MIRRORED_ARGS = [
  'numSpeakers',
  'useSpeakerEmbedding',
  'speakersFile',
  'speakerEmbeddingChannels',
  'languageIdsFile',
  'useLanguageEmbedding',
  'useDVectorFile',
  'dVectorFile',
  'dVectorDim',
] as const;

/** The VITS run config (Coqui's `VitsConfig`). */
export const VitsConfig = registerConfig(
  BaseTTSConfig.extend(
    'VitsConfig',
    {
      model: f.literal('vits'),
      modelArgs: f.config(VitsArgs, undefined, { help: 'architecture (Coqui model_args)' }),
      audio: f.config(VitsAudioConfig, undefined, { help: 'audio settings' }),
      // ----- optimizers: index 0 the discriminator, index 1 the generator (Coqui's order)
      gradClip: f.union([f.number(), f.array(f.number())], [1000, 1000], {
        nullable: true,
        help: 'gradient norm clip per optimizer [discriminator, generator]',
      }),
      lrGen: f.number(0.0002, { min: 0, help: 'generator learning rate' }),
      lrDisc: f.number(0.0002, { min: 0, help: 'discriminator learning rate' }),
      lrSchedulerGen: f.string('ExponentialLR', { nullable: true, help: 'generator LR scheduler' }),
      lrSchedulerGenParams: f.record(
        { gamma: 0.999875, last_epoch: -1 },
        { nullable: true, help: 'generator LR scheduler arguments' },
      ),
      lrSchedulerDisc: f.string('ExponentialLR', { nullable: true, help: 'discriminator LR scheduler' }),
      lrSchedulerDiscParams: f.record(
        { gamma: 0.999875, last_epoch: -1 },
        { nullable: true, help: 'discriminator LR scheduler arguments' },
      ),
      schedulerAfterEpoch: f.bool(true, { help: 'step LR schedulers per epoch, not per step' }),
      optimizer: f.union([f.string(), f.array(f.string())], 'AdamW', {
        nullable: true,
        help: 'optimizer of both networks',
      }),
      optimizerParams: f.union(
        [f.record(), f.array(f.record())],
        { betas: [0.8, 0.99], eps: 1e-9, weight_decay: 0.01 },
        { nullable: true, help: 'optimizer keyword arguments (Coqui names)' },
      ),
      // ----- loss weights
      klLossAlpha: f.number(1.0, { min: 0, help: 'weight of the KL loss' }),
      discLossAlpha: f.number(1.0, { min: 0, help: 'weight of the discriminator loss' }),
      genLossAlpha: f.number(1.0, { min: 0, help: 'weight of the generator adversarial loss' }),
      featLossAlpha: f.number(1.0, { min: 0, help: 'weight of the feature-matching loss' }),
      melLossAlpha: f.number(45.0, { min: 0, help: 'weight of the mel L1 loss' }),
      durLossAlpha: f.number(1.0, { min: 0, help: 'weight of the duration loss' }),
      speakerEncoderLossAlpha: f.number(1.0, { min: 0, help: 'weight of the speaker consistency loss' }),
      // ----- data loader
      returnWav: f.bool(true, { help: 'the data loader returns waveforms (always on for VITS)' }),
      computeLinearSpec: f.bool(true, { help: 'the data loader returns linear spectrograms (always on)' }),
      useWeightedSampler: f.bool(false, { help: 'balance batches by weightedSamplerAttrs' }),
      weightedSamplerAttrs: f.record({}, { help: 'sample attribute -> balancing weight' }),
      weightedSamplerMultipliers: f.record({}, { help: 'attribute -> value -> sampling multiplier' }),
      r: f.int(1, { min: 1, max: 1, help: 'reduction factor (always 1)' }),
      addBlank: f.bool(true, { help: 'insert a blank token between tokens' }),
      testSentences: f.array(
        testSentence,
        [
          [
            "It took me quite a long time to develop a voice, and now that I have it I'm not going to be silent.",
          ],
          ['Be a voice, not an echo.'],
          ["I'm sorry Dave. I'm afraid I can't do that."],
          ["This cake is great. It's so delicious and moist."],
          ['Prior to November 22, 1963.'],
        ],
        { help: 'test sentences: text, or [text, speaker, style wav, language]' },
      ),
      // ----- speakers and languages (copies of the modelArgs fields, as Coqui keeps them)
      numSpeakers: f.int(0, { min: 0, help: 'copy of modelArgs.numSpeakers' }),
      useSpeakerEmbedding: f.bool(false, { help: 'copy of modelArgs.useSpeakerEmbedding' }),
      speakersFile: f.string(null, { nullable: true, help: 'copy of modelArgs.speakersFile' }),
      speakerEmbeddingChannels: f.int(256, { min: 1, help: 'copy of modelArgs.speakerEmbeddingChannels' }),
      languageIdsFile: f.string(null, { nullable: true, help: 'copy of modelArgs.languageIdsFile' }),
      useLanguageEmbedding: f.bool(false, { help: 'copy of modelArgs.useLanguageEmbedding' }),
      useDVectorFile: f.bool(false, { help: 'copy of modelArgs.useDVectorFile' }),
      dVectorFile: f.union([f.string(), f.array(f.string())], null, {
        nullable: true,
        help: 'copy of modelArgs.dVectorFile',
      }),
      dVectorDim: f.int(null, { nullable: true, min: 0, help: 'copy of modelArgs.dVectorDim' }),
    },
    {
      help: 'VITS (Kim et al. 2021): conditional VAE with flows, adversarial training, end-to-end TTS',
      check(cfg, report) {
        // Coqui's VitsConfig.__post_init__: the model_args values win over the top-level copies.
        const mirror = cfg as unknown as Record<string, unknown>;
        for (const key of MIRRORED_ARGS) mirror[key] = cfg.modelArgs[key];
        const bins = Math.floor(cfg.audio.fftSize / 2) + 1;
        if (cfg.modelArgs.outChannels !== bins) {
          report(
            'modelArgs.outChannels',
            `expected audio.fftSize / 2 + 1 (${bins}), got ${cfg.modelArgs.outChannels}`,
          );
        }
        const upsampling = cfg.modelArgs.upsampleRatesDecoder.reduce((a, b) => a * b, 1);
        if (cfg.modelArgs.encoderSampleRate === null && upsampling !== cfg.audio.hopLength) {
          report(
            'modelArgs.upsampleRatesDecoder',
            `expected a product equal to audio.hopLength (${cfg.audio.hopLength}), got ${upsampling}`,
          );
        }
        // useSpeakerEmbedding with numSpeakers 0 is valid: the speakers of the data size the table (Coqui)
      },
    },
  ),
);
/** The VITS run config. */
export type VitsConfig = ConfigOf<typeof VitsConfig>;
