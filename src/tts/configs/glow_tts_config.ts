/**
 * Glow-TTS configuration: Coqui's `GlowTTSConfig` (TTS 0.22) in camelCase with Coqui's defaults and field
 * order. The architecture fields (`GlowTTSArgs` in the guide's terms) sit directly in the config, as in
 * Coqui; `encoderParams` is a nested config whose keys depend on `encoderType`.
 */
import { BaseTTSConfig, type ConfigOf, defineConfig, f, registerConfig } from '../../config/index.ts';

/** Text-encoder hyper-parameters; which keys matter depends on `encoderType` (null: the layer's default). */
export const GlowTTSEncoderParams = defineConfig(
  'GlowTTSEncoderParams',
  {
    kernelSize: f.int(3, { min: 1, help: 'convolution kernel size of the encoder layers' }),
    dropoutP: f.number(0.1, { min: 0, max: 1, help: 'dropout probability inside the encoder' }),
    numLayers: f.int(6, { min: 1, help: 'transformer layers (rel_pos_transformer, gated_conv)' }),
    numHeads: f.int(2, { min: 1, help: 'attention heads (rel_pos_transformer)' }),
    hiddenChannelsFfn: f.int(768, { min: 1, help: 'feed-forward channels (rel_pos_transformer)' }),
    relAttnWindowSize: f.int(null, {
      nullable: true,
      min: 1,
      help: 'relative attention window in tokens (rel_pos_transformer; null: plain attention)',
    }),
    inputLength: f.int(null, {
      nullable: true,
      min: 1,
      help: 'band limit of attention in tokens (rel_pos_transformer; null: unlimited)',
    }),
    dilations: f.array(f.int(), null, { nullable: true, help: 'dilation per conv layer (residual_conv_bn)' }),
    numConvBlocks: f.int(null, {
      nullable: true,
      min: 1,
      help: 'conv blocks per residual block (residual_conv_bn)',
    }),
    numResBlocks: f.int(null, { nullable: true, min: 1, help: 'residual blocks (residual_conv_bn)' }),
  },
  { help: 'Glow-TTS text-encoder parameters' },
);
/** Text-encoder hyper-parameters. */
export type GlowTTSEncoderParams = ConfigOf<typeof GlowTTSEncoderParams>;

export const GLOW_TTS_ENCODER_TYPES = [
  'rel_pos_transformer',
  'gated_conv',
  'residual_conv_bn',
  'time_depth_separable',
] as const;
export type GlowTTSEncoderType = (typeof GLOW_TTS_ENCODER_TYPES)[number];

/** The Glow-TTS run config: `BaseTTSConfig` plus the model's architecture, inference and training fields. */
export const GlowTTSConfig = registerConfig(
  BaseTTSConfig.extend(
    'GlowTTSConfig',
    {
      model: f.literal('glow_tts'),
      // ----- architecture (Coqui's GlowTTS args)
      numChars: f.int(null, {
        nullable: true,
        min: 1,
        help: 'vocabulary size (null: taken from the tokenizer when the model is built)',
      }),
      encoderType: f.enum(GLOW_TTS_ENCODER_TYPES, 'rel_pos_transformer', { help: 'text-encoder type' }),
      encoderParams: f.config(GlowTTSEncoderParams, undefined, { help: 'text-encoder parameters' }),
      useEncoderPrenet: f.bool(true, { help: 'conv prenet before the encoder layers' }),
      hiddenChannelsEnc: f.int(192, { min: 1, help: 'text-encoder channels' }),
      hiddenChannelsDec: f.int(192, { min: 1, help: 'flow-decoder WaveNet channels' }),
      hiddenChannelsDp: f.int(256, { min: 1, help: 'duration-predictor channels' }),
      dropoutPDp: f.number(0.1, { min: 0, max: 1, help: 'duration-predictor dropout' }),
      dropoutPDec: f.number(0.05, { min: 0, max: 1, help: 'flow-decoder dropout' }),
      meanOnly: f.bool(true, { help: 'predict prior means only (log-scales fixed to 0)' }),
      outChannels: f.int(80, { min: 1, help: 'mel channels (= audio.numMels)' }),
      numFlowBlocksDec: f.int(12, { min: 1, help: 'flow blocks (ActNorm + InvConvNear + coupling)' }),
      inferenceNoiseScale: f.number(0.0, { min: 0, help: 'std multiplier of the prior sample at inference' }),
      kernelSizeDec: f.int(5, { min: 1, help: 'WaveNet kernel size in the coupling layers' }),
      dilationRate: f.int(1, { min: 1, help: 'WaveNet dilation growth per layer' }),
      numBlockLayers: f.int(4, { min: 1, help: 'WaveNet layers per coupling block' }),
      numSpeakers: f.int(0, {
        min: 0,
        help: 'speakers of the speaker-embedding table (0: counted from speakersFile or the datasets)',
      }),
      cInChannels: f.int(0, { min: 0, help: 'conditioning channels (set from the speaker fields)' }),
      numSplits: f.int(4, { min: 1, help: 'channel groups of InvConvNear' }),
      numSqueeze: f.int(2, { min: 1, help: 'frames folded into channels by squeeze' }),
      sigmoidScale: f.bool(false, { help: 'sigmoid instead of exp for the coupling scale' }),
      dVectorDim: f.union([f.int(), f.bool()], 0, { help: 'd-vector size (0: 512 when d-vectors are used)' }),
      dataDepInitSteps: f.int(10, {
        min: 0,
        help: 'first training steps that re-initialise ActNorm from data',
      }),
      styleWavForTest: f.string(null, { nullable: true, help: 'unused by Glow-TTS (Coqui field)' }),
      lengthScale: f.number(1.0, { min: 0, help: 'duration multiplier at inference (> 1: slower speech)' }),
      useSpeakerEmbedding: f.bool(false, { help: 'learn a speaker-embedding table (numSpeakers)' }),
      speakersFile: f.string(null, {
        nullable: true,
        help: "Coqui speakers.json (name -> id); training writes the run's own and records it here",
      }),
      useDVectorFile: f.bool(false, { help: 'condition on external d-vectors' }),
      dVectorFile: f.union([f.string(), f.bool()], false, {
        nullable: true,
        help: 'file with the d-vector of every sample',
      }),
      // ----- training (Coqui's GlowTTSConfig overrides of BaseTTSConfig)
      minSeqLen: f.int(3, { min: 0, help: 'legacy Coqui field (use minTextLen)' }),
      maxSeqLen: f.int(500, { min: 1, help: 'legacy Coqui field (use maxTextLen)' }),
      r: f.int(1, { min: 1, max: 1, help: 'reduction factor (always 1 for Glow-TTS)' }),
      optimizer: f.union([f.string(), f.array(f.string())], 'RAdam', {
        nullable: true,
        help: 'optimizer name',
      }),
      optimizerParams: f.union(
        [f.record(), f.array(f.record())],
        { betas: [0.9, 0.998], weight_decay: 1e-6 },
        { nullable: true, help: 'optimizer keyword arguments (Coqui names)' },
      ),
      lrScheduler: f.union([f.string(), f.array(f.string())], 'NoamLR', {
        nullable: true,
        help: 'LR scheduler name ("": none)',
      }),
      lrSchedulerParams: f.record({ warmup_steps: 4000 }, { nullable: true, help: 'LR scheduler arguments' }),
      gradClip: f.union([f.number(), f.array(f.number())], 5.0, {
        nullable: true,
        help: 'gradient norm clip (<= 0: off)',
      }),
      lr: f.union([f.number(), f.array(f.number())], 1e-3, { help: 'learning rate' }),
      testSentences: f.array(
        f.string(),
        [
          'It took me quite a long time to develop a voice, and now that I have it I am not going to be silent.',
          'Be a voice, not an echo.',
          "I'm sorry Dave. I'm afraid I can't do that.",
          "This cake is great. It's so delicious and moist.",
          'Prior to November 22, 1963.',
        ],
        { help: 'sentences synthesised at test time' },
      ),
    },
    {
      help: 'Glow-TTS (Kim et al. 2020): flow decoder, monotonic alignment search',
      check(cfg, report) {
        if (cfg.outChannels !== cfg.audio.numMels) {
          report('outChannels', `expected audio.numMels (${cfg.audio.numMels}), got ${cfg.outChannels}`);
        }
        if ((cfg.outChannels * cfg.numSqueeze) % cfg.numSplits !== 0) {
          report(
            'numSplits',
            `expected a divisor of outChannels * numSqueeze (${cfg.outChannels * cfg.numSqueeze})`,
          );
        }
      },
    },
  ),
);
/** The Glow-TTS run config. */
export type GlowTTSConfig = ConfigOf<typeof GlowTTSConfig>;
