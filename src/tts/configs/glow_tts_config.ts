/**
 * Glow-TTS configuration: Coqui's `GlowTTSConfig` fields in camelCase, with Coqui's defaults.
 *
 * TODO(config): extend `BaseTTSConfig` from src/config once it lands; until then the training fields the
 * model reads (optimizer, scheduler, lr, ...) are declared here.
 */

/** Encoder hyper-parameters; which keys matter depends on `encoderType`. */
export interface GlowTTSEncoderParams {
  kernelSize: number;
  dropoutP?: number;
  numLayers: number;
  /** rel_pos_transformer only. */
  numHeads?: number;
  /** rel_pos_transformer only: feed-forward hidden channels. */
  hiddenChannelsFfn?: number;
  /** rel_pos_transformer only: relative attention window (null: plain dot-product attention). */
  relAttnWindowSize?: number | null;
  /** rel_pos_transformer only: band limit of attention (null: unlimited). */
  inputLength?: number | null;
  /** residual_conv_bn only. */
  dilations?: number[];
  /** residual_conv_bn only. */
  numConvBlocks?: number;
  /** residual_conv_bn only. */
  numResBlocks?: number;
}

export type GlowTTSEncoderType =
  | 'rel_pos_transformer'
  | 'gated_conv'
  | 'residual_conv_bn'
  | 'time_depth_separable';

/** Model architecture and inference fields of `GlowTTSConfig`. */
export interface GlowTTSArgs {
  numChars: number;
  encoderType: GlowTTSEncoderType;
  encoderParams: GlowTTSEncoderParams;
  useEncoderPrenet: boolean;
  hiddenChannelsEnc: number;
  hiddenChannelsDec: number;
  hiddenChannelsDp: number;
  dropoutPDp: number;
  dropoutPDec: number;
  /** Predict means only; log-scales are fixed to 0. */
  meanOnly: boolean;
  /** Mel channels. */
  outChannels: number;
  numFlowBlocksDec: number;
  /** Std scale of the prior sample at inference (0: deterministic). */
  inferenceNoiseScale: number;
  kernelSizeDec: number;
  dilationRate: number;
  /** WaveNet layers per coupling block. */
  numBlockLayers: number;
  numSpeakers: number;
  /** Conditioning channels (speaker embedding / d-vector size); set from the speaker fields. */
  cInChannels: number;
  /** Channel groups of InvConvNear. */
  numSplits: number;
  numSqueeze: number;
  sigmoidScale: boolean;
  dVectorDim: number;
  /** Training steps that run ActNorm's data-dependent initialisation. */
  dataDepInitSteps: number;
  /** Duration multiplier at inference (> 1: slower speech). */
  lengthScale: number;
  useSpeakerEmbedding: boolean;
  useDVectorFile: boolean;
}

/** The training fields the model itself reads. */
export interface GlowTTSTrainingArgs {
  optimizer: string;
  optimizerParams: Record<string, unknown>;
  lrScheduler: string | null;
  lrSchedulerParams: Record<string, unknown>;
  lr: number;
  gradClip: number;
  testSentences: string[];
}

export type GlowTTSConfig = GlowTTSArgs & GlowTTSTrainingArgs & { model: 'glow_tts' };

/** Coqui's defaults (GlowTTSConfig in TTS 0.22). */
export function glowTtsDefaults(): GlowTTSConfig {
  return {
    model: 'glow_tts',
    numChars: 0,
    encoderType: 'rel_pos_transformer',
    encoderParams: {
      kernelSize: 3,
      dropoutP: 0.1,
      numLayers: 6,
      numHeads: 2,
      hiddenChannelsFfn: 768,
      inputLength: null,
    },
    useEncoderPrenet: true,
    hiddenChannelsEnc: 192,
    hiddenChannelsDec: 192,
    hiddenChannelsDp: 256,
    dropoutPDp: 0.1,
    dropoutPDec: 0.05,
    meanOnly: true,
    outChannels: 80,
    numFlowBlocksDec: 12,
    inferenceNoiseScale: 0.0,
    kernelSizeDec: 5,
    dilationRate: 1,
    numBlockLayers: 4,
    numSpeakers: 0,
    cInChannels: 0,
    numSplits: 4,
    numSqueeze: 2,
    sigmoidScale: false,
    dVectorDim: 0,
    dataDepInitSteps: 10,
    lengthScale: 1.0,
    useSpeakerEmbedding: false,
    useDVectorFile: false,
    optimizer: 'RAdam',
    optimizerParams: { betas: [0.9, 0.998], weight_decay: 1e-6 },
    lrScheduler: 'NoamLR',
    lrSchedulerParams: { warmup_steps: 4000 },
    lr: 1e-3,
    gradClip: 5.0,
    testSentences: [
      'It took me quite a long time to develop a voice, and now that I have it I am not going to be silent.',
      'Be a voice, not an echo.',
      "I'm sorry Dave. I'm afraid I can't do that.",
      "This cake is great. It's so delicious and moist.",
      'Prior to November 22, 1963.',
    ],
  };
}

/** A config from defaults plus overrides. */
export function glowTtsConfig(overrides: Partial<GlowTTSConfig> = {}): GlowTTSConfig {
  const base = glowTtsDefaults();
  return {
    ...base,
    ...overrides,
    encoderParams: { ...base.encoderParams, ...(overrides.encoderParams ?? {}) },
  };
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Reads a Coqui `config.json` (snake_case, as Coqpit writes it) into a GlowTTSConfig. Unknown fields are
 * ignored; `encoder_params` keys are converted too. Optimizer/scheduler params keep Coqui's names.
 */
export function glowTtsConfigFromCoqui(json: Record<string, unknown>): GlowTTSConfig {
  const base = glowTtsDefaults();
  const known = new Set(Object.keys(base));
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(json)) {
    const key = camel(k);
    if (!known.has(key) || v === undefined) continue;
    if (key === 'encoderParams' && v !== null && typeof v === 'object') {
      const params: Record<string, unknown> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) params[camel(pk)] = pv;
      out[key] = params;
    } else {
      out[key] = v;
    }
  }
  if (out.model !== 'glow_tts') out.model = 'glow_tts';
  return out as unknown as GlowTTSConfig;
}

/** Parses JSON as Python's json module writes it (bare `Infinity`, `-Infinity`, `NaN` allowed). */
export function parsePythonJson(text: string): Record<string, unknown> {
  const quoted = text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1"\\u0000$2"');
  return JSON.parse(quoted, (_key, value) =>
    typeof value === 'string' && value.startsWith('\u0000') ? Number(value.slice(1)) : value,
  );
}
