/**
 * What the Vits model (src/tts/models/vits.ts) takes and returns: its parts, the training batch, the
 * conditioning inputs, and the outputs of `forward`, `inference` and `trainStep` (Coqui's keys in camelCase).
 */

import type { Tensor } from '../../../torch/index.ts';
import type { Module } from '../../../torch/nn/index.ts';
import type { Batch, StepResult } from '../../../trainer/api.ts';
import type { InferenceAux, TTSModelParts } from '../../models/base_tts.ts';
import type { LanguageManager } from '../../utils/languages.ts';
import type { NoiseSource } from '../../utils/noise.ts';
import type { VitsDiscriminatorOutput } from './discriminator.ts';
import type {
  VitsDiscriminatorLoss,
  VitsDiscriminatorLossDict,
  VitsGeneratorLoss,
  VitsGeneratorLossDict,
} from './losses.ts';

/** The waveform decoder: z `[B, hidden, T]` and speaker `[B, C_g, 1]` -> waveform `[B, 1, T * hop]`. */
export interface VitsWaveformDecoder extends Module {
  forward(z: Tensor, g?: Tensor): Tensor;
}

/** The discriminator (scale + multi-period): generated and real waveforms `[B, 1, T]` -> scores, features. */
export interface VitsDiscriminatorModule extends Module {
  forward(fake: Tensor, real: Tensor): VitsDiscriminatorOutput;
}

/** Parts handed to the model instead of building them from the config. */
export interface VitsParts extends TTSModelParts {
  /** Registered as `waveform_decoder` (default: the HiFiGAN generator of `modelArgs`). */
  waveformDecoder?: VitsWaveformDecoder;
  /**
   * Registered as `disc` (default: the VITS discriminator of `modelArgs` when `initDiscriminator` and not
   * `inferenceOnly`); null: none (the model then only runs inference).
   */
  discriminator?: VitsDiscriminatorModule | null;
  /** Language names -> ids (default: `languageIdsFile`, else the datasets' languages with useLanguageEmbedding). */
  languageManager?: LanguageManager | null;
}

/** A training batch (Coqui's names after `format_batch_on_device`, in camelCase). */
export interface VitsBatch extends Batch {
  /** `[B, T_en]` int64 and `[B]`. */
  tokens: Tensor;
  tokenLens: Tensor;
  /** Linear spectrograms `[B, C_spec, T_spec]`, log-mels `[B, C_mel, T_spec]`, valid frames `[B]`. */
  spec: Tensor;
  mel: Tensor;
  specLens: Tensor;
  /** `[B, 1, T_wav]`. */
  waveform: Tensor;
  speakerIds?: Tensor | null;
  dVectors?: Tensor | null;
  languageIds?: Tensor | null;
}

/** The losses, indexed by optimizer: 0 the discriminator's, 1 the generator's (Coqui's order). */
export type VitsCriterion = readonly [VitsDiscriminatorLoss, VitsGeneratorLoss];

/** What `trainStep` returns for one optimizer (the Trainer's `StepResult`). */
export interface VitsStepResult extends StepResult<VitsForwardOutput> {
  lossDict: VitsDiscriminatorLossDict | VitsGeneratorLossDict;
}

/** Speaker and language conditioning of a batch (all optional). */
export interface VitsAuxInput {
  /** `[B]` int64 speaker ids (speaker-embedding models). */
  speakerIds?: Tensor | null;
  /** `[B, C]` external d-vectors (L2-normalised here). */
  dVectors?: Tensor | null;
  /** `[B]` int64 language ids. */
  languageIds?: Tensor | null;
  /** Where random numbers come from (default: the model's `noise`). */
  noise?: NoiseSource;
}

/** What `forward` returns. */
export interface VitsForwardOutput {
  /** Decoded waveform of the z segment `[B, 1, seg * hop]`. */
  modelOutputs: Tensor;
  /** MAS path `[B, T_en, T_spec]` (0/1). */
  alignments: Tensor;
  /** Prior means / log-scales expanded to frames `[B, hidden, T_spec]`. */
  mP: Tensor;
  logsP: Tensor;
  /** Posterior sample `[B, hidden, T_spec]` and its image under the flow. */
  z: Tensor;
  zP: Tensor;
  /** Posterior means / log-scales `[B, hidden, T_spec]`. */
  mQ: Tensor;
  logsQ: Tensor;
  /** The real waveform under the decoded segment `[B, 1, seg * hop]`. */
  waveformSeg: Tensor;
  /** Segment start frames `[B]` int64. */
  sliceIds: Tensor;
  /** Duration loss per item `[B]`, divided by the batch's total valid tokens. */
  lossDuration: Tensor;
}

/** Inference inputs besides the tokens. */
export interface VitsInferenceAux extends VitsAuxInput, InferenceAux {
  /** Given durations `[T_en]` in frames instead of predicted ones. */
  durations?: Tensor | null;
  /** SDP noise multiplier (default: the config's inferenceNoiseScaleDp); `noiseScale` and `lengthScale`
   * default to the config's inferenceNoiseScale and lengthScale. */
  noiseScaleDp?: number;
}

/** What `inference` returns. */
export interface VitsInferenceOutput {
  /** Waveform `[B, 1, T_de * hop]` in (-1, 1). */
  modelOutputs: Tensor;
  /** Token -> frame path `[B, T_en, T_de]`. */
  alignments: Tensor;
  /** Frames per token `[B, 1, T_en]` (ceil of the predicted durations). */
  durations: Tensor;
  z: Tensor;
  zP: Tensor;
  mP: Tensor;
  logsP: Tensor;
  /** Frame mask `[B, 1, T_de]`. */
  yMask: Tensor;
}
