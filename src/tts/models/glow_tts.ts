/**
 * Glow-TTS: a generative flow for text-to-speech via monotonic alignment search
 * (Kim, Kim, Kong & Yoon 2020, https://arxiv.org/abs/2005.11129), after Coqui's `TTS.tts.models.glow_tts`.
 *
 * Training (paper section 3.1-3.3): the text encoder gives a Gaussian prior N(mu, sigma) per token; the
 * flow decoder maps the mel frames y to latents z = f(y) with exact log-determinant; monotonic alignment
 * search (MAS) finds the most likely hard token -> frame alignment A under that prior; the loss is the exact
 * negative log-likelihood of y plus an MSE between predicted and aligned log-durations.
 * Inference: predicted durations -> alignment (generatePath) -> z ~ N(mu_A, sigma_A * noise) -> y = f^-1(z).
 *
 * Public layouts: tokens `[B, T_en]` int64, mels `[B, T_de, C]` (frames x channels), as Coqui's API.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Embedding } from '../../torch/nn/index.ts';
import type { Batch, ModelLogger, StepResult } from '../../trainer/api.ts';
import type { GlowTTSConfig } from '../configs/glow_tts_config.ts';
import type { FlowOutput } from '../layers/generic/normalization.ts';
import { ActNorm } from '../layers/generic/normalization.ts';
import { Decoder } from '../layers/glow_tts/decoder.ts';
import { Encoder, type EncoderOutput } from '../layers/glow_tts/encoder.ts';
import { GlowTTSLoss, type GlowTTSLossDict } from '../layers/losses.ts';
import { attentionMask, expandPrior, monotonicAlignment, paddingMask } from '../utils/alignment.ts';
import { generatePath } from '../utils/helpers.ts';
import { createTTSLogs, logTTSOutputs, type TTSLogs } from '../utils/logging.ts';
import { checkOutputFrames } from '../utils/output_limit.ts';
import { BaseTTS, type TTSBatch, type TTSModelParts } from './base_tts.ts';

/** Speaker conditioning inputs. */
export interface GlowTTSAuxInput {
  /** Speaker ids `[B]` int64 (needs `useSpeakerEmbedding`). */
  speakerIds?: Tensor | null;
  /** External speaker embeddings `[B, D]` (d-vectors). */
  dVectors?: Tensor | null;
}

/** Inputs of {@link GlowTTS.inference} besides the tokens (the Synthesizer's `SynthesisAux` fits). */
export interface GlowTTSInferenceAux extends GlowTTSAuxInput {
  /** `[B]` int64 valid tokens per item (default: all). */
  xLengths?: Tensor | null;
  /** Duration multiplier (default `config.lengthScale`). */
  lengthScale?: number;
  /** Prior noise multiplier (default `config.inferenceNoiseScale`). */
  noiseScale?: number;
  /** One speaker index for the whole batch (instead of `speakerIds`). */
  speakerId?: number | null;
  /** Most output frames per item; more throws `OutputLimitError` before the decoder runs (default: no bound). */
  maxFrames?: number;
}

/** Debug hooks into a forward pass; tensors are only valid during the call unless cloned and kept. */
export interface GlowTTSHooks {
  onEncoder?(out: EncoderOutput): void;
  /** logp `[B, T_en, T_de]`, attnMask `[B, T_en, T_de]`, path `[B, T_en, T_de]`. */
  onMas?(logp: Tensor, attnMask: Tensor, path: Tensor): void;
  /** Output of decoder.flows[index] in the direction run (`[B, C * numSqueeze, T / numSqueeze]`). */
  onFlow?(index: number, out: FlowOutput): void;
}

/** What `forward` returns (Coqui's keys in camelCase). */
export interface GlowTTSForwardOutput {
  /** Flow latents `[B, T_de, C]`, masked. */
  z: Tensor;
  /** Sum of flow log-determinants `[B]`. */
  logdet: Tensor;
  /** Aligned prior means `[B, T_de, C]`. */
  yMean: Tensor;
  /** Aligned prior log-scales `[B, T_de, C]`. */
  yLogScale: Tensor;
  /** Hard alignment `[B, T_de, T_en]` (0/1). */
  alignments: Tensor;
  /** Predicted log(1 + frames per token) `[B, T_en, 1]`. */
  durationsLog: Tensor;
  /** Aligned log(1 + frames per token) `[B, T_en, 1]` (the duration target). */
  totalDurationsLog: Tensor;
}

/** What `inference` returns. */
export interface GlowTTSInferenceOutput {
  /** Predicted mels `[B, T_out, C]` (T_out: max predicted length rounded down to numSqueeze). */
  modelOutputs: Tensor;
  /** Expanded prior means `[B, T_y, C]`. */
  yMean: Tensor;
  /** Expanded prior log-scales `[B, T_y, C]`. */
  yLogScale: Tensor;
  /** Alignment from the predicted durations `[B, T_y, T_en]`. */
  alignments: Tensor;
  /** `[B, T_en, 1]`. */
  durationsLog: Tensor;
  /** `[B, T_en, 1]`. */
  totalDurationsLog: Tensor;
  /** Predicted frames per item `[B]` int64 (sum of the per-token durations of valid tokens). */
  yLengths: Tensor;
}

export class GlowTTS extends BaseTTS<GlowTTSConfig, TTSBatch, GlowTTSForwardOutput, GlowTTSLoss> {
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  /** Speaker embedding table `[numSpeakers, hiddenChannelsEnc]` when `useSpeakerEmbedding`. */
  readonly embG: Embedding | null = null;
  /** Conditioning channels of encoder/decoder (0: single speaker). */
  readonly cInChannels: number;
  /** Whether the next training step runs ActNorm's data-dependent initialisation. */
  runDataDepInit: boolean;

  constructor(runConfig: GlowTTSConfig, parts: TTSModelParts = {}) {
    super(runConfig, parts);
    const config = this.config;
    const numChars = config.numChars as number; // set by BaseTTS from the tokenizer when null
    // multi-speaker: embedding table or external d-vectors set the conditioning width (Coqui's init_multispeaker)
    let speakerDim = 0;
    const dVectorDim = this.speakerManager?.embeddingDim ?? 0;
    if (config.useDVectorFile) {
      speakerDim = Number(config.dVectorDim) || dVectorDim || 512;
      if (dVectorDim && dVectorDim !== speakerDim)
        throw new Error(
          `dVectorDim is ${speakerDim} but the d-vector file's vectors have ${dVectorDim} values`,
        );
      config.dVectorDim = speakerDim;
    }
    if (config.useSpeakerEmbedding && !config.useDVectorFile) {
      config.numSpeakers = this.speakerManager?.numSpeakers || config.numSpeakers;
      if (config.numSpeakers < 1)
        throw new Error(
          'useSpeakerEmbedding needs speakers: give numSpeakers, a speakersFile, or datasets whose samples name them',
        );
      speakerDim = config.hiddenChannelsEnc;
      this.embG = this.registerModule('emb_g', new Embedding(config.numSpeakers, config.hiddenChannelsEnc));
      torch.noGrad(() => this.embG?.weight.uniform_(-0.1, 0.1));
    }
    this.cInChannels = speakerDim;
    this.runDataDepInit = config.dataDepInitSteps > 0;
    this.encoder = this.registerModule(
      'encoder',
      new Encoder(
        numChars,
        config.outChannels,
        config.hiddenChannelsEnc,
        config.hiddenChannelsDp,
        config.encoderType,
        config.encoderParams,
        {
          dropoutPDp: config.dropoutPDp,
          meanOnly: config.meanOnly,
          usePrenet: config.useEncoderPrenet,
          cInChannels: this.cInChannels,
        },
      ),
    );
    this.decoder = this.registerModule(
      'decoder',
      new Decoder(
        config.outChannels,
        config.hiddenChannelsDec,
        config.kernelSizeDec,
        config.dilationRate,
        config.numFlowBlocksDec,
        config.numBlockLayers,
        {
          dropoutP: config.dropoutPDec,
          numSplits: config.numSplits,
          numSqueeze: config.numSqueeze,
          sigmoidScale: config.sigmoidScale,
          cInChannels: this.cInChannels,
        },
      ),
    );
  }

  // ----- speaker conditioning -------------------------------------------------------------------------------

  /** L2-normalised speaker vector `[B, C_cond, 1]`, or null for single-speaker input. */
  speakerEmbedding(aux: GlowTTSAuxInput = {}): Tensor | null {
    const ids = aux.speakerIds ?? null;
    const dVectors = aux.dVectors ?? null;
    if (ids !== null && dVectors !== null) throw new Error('cannot use d-vectors and speaker ids together');
    if (ids !== null && this.embG === null) throw new Error('speaker ids need useSpeakerEmbedding');
    const normalize = (v: Tensor): Tensor => v.div(v.norm(2, 1, true).clampMin(1e-12)).unsqueeze(-1);
    if (ids !== null) {
      return torch.tidy(() =>
        normalize((this.embG as Embedding).forward(ids.ndim === 0 ? ids.unsqueeze(0) : ids)),
      );
    }
    if (dVectors !== null) return torch.tidy(() => normalize(dVectors));
    if (this.cInChannels > 0) {
      const what = this.embG ? 'speaker ids (speakerNames in a batch, speakerId at inference)' : 'd-vectors';
      throw new Error(`this Glow-TTS is multi-speaker and needs ${what}, but none were given`);
    }
    return null;
  }

  // ----- training-time forward (paper section 3.1-3.3) -----------------------------------------------------

  /**
   * x: tokens `[B, T_en]` int64; xLengths `[B]`; y: mels `[B, T_de, C]`; yLengths `[B]`.
   * Odd lengths are floored to a multiple of numSqueeze (Coqui's preprocess).
   */
  forward(
    x: Tensor,
    xLengths: Tensor,
    y: Tensor,
    yLengths: Tensor,
    aux: GlowTTSAuxInput = {},
    hooks: GlowTTSHooks = {},
  ): GlowTTSForwardOutput {
    return torch.tidy(() => {
      const g = this.speakerEmbedding(aux);
      // 1. text encoder: prior N(oMean, exp(oLogScale)) per token and predicted log-durations
      const enc = this.encoder.forward(x, xLengths, g);
      hooks.onEncoder?.(enc);
      const { xM: oMean, xLogs: oLogScale, logw: oDurLog, xMask } = enc;
      // 2. drop frames beyond a multiple of numSqueeze; masks
      const sq = this.config.numSqueeze;
      const yMaxLength = Math.floor(y.size(1) / sq) * sq;
      const yT = y.transpose(1, 2).slice(2, 0, yMaxLength); // [B, C, T_de]
      const yLens = yLengths.div(sq, 'floor').mul(sq);
      const yMask = paddingMask(yLens, yMaxLength, xMask.dtype); // [B, 1, T_de]
      const attnMask = attentionMask(xMask, yMask); // [B, 1, T_en, T_de]
      // 3. flow decoder: z = f(y), log|det df/dy|
      const { z, logdet } = this.decoder.forward(yT, yMask, g, false, hooks.onFlow);
      // 4. monotonic alignment search on log N(z_j; mu_i, sigma_i)
      const { path: attn, logp } = monotonicAlignment(z, oMean, oLogScale, attnMask);
      hooks.onMas?.(logp, attnMask.squeeze(1), attn.squeeze(1));
      // 5. expand the prior along the alignment; duration targets
      const { yMean, yLogScale, oAttnDur } = expandPrior(attn, oMean, oLogScale, xMask);
      return {
        z: z.transpose(1, 2),
        logdet: logdet as Tensor,
        yMean: yMean.transpose(1, 2),
        yLogScale: yLogScale.transpose(1, 2),
        alignments: attn.squeeze(1).permute(0, 2, 1),
        durationsLog: oDurLog.transpose(1, 2),
        totalDurationsLog: oAttnDur.transpose(1, 2),
      };
    });
  }

  // ----- inference (paper section 3.4) ---------------------------------------------------------------------

  /**
   * Synthesises mels for tokens `[B, T_en]` (int64). Durations: ceil((exp(logw) - 1) * lengthScale), at
   * least 1 frame; z = mu + exp(logs) * eps * inferenceNoiseScale.
   */
  inference(x: Tensor, aux: GlowTTSInferenceAux = {}, hooks: GlowTTSHooks = {}): GlowTTSInferenceOutput {
    return torch.noGrad(() =>
      torch.tidy(() => {
        const xLengths =
          aux.xLengths ?? torch.full([x.size(0)], x.size(1), { dtype: 'int64', device: x.device });
        const lengthScale = aux.lengthScale ?? this.config.lengthScale;
        const noise = aux.noiseScale ?? this.config.inferenceNoiseScale;
        const speakerIds =
          aux.speakerIds ??
          (aux.speakerId !== undefined && aux.speakerId !== null
            ? torch.tensor([aux.speakerId], { dtype: 'int64', device: x.device })
            : null);
        const g = this.speakerEmbedding({ speakerIds, dVectors: aux.dVectors ?? null });
        const enc = this.encoder.forward(x, xLengths, g);
        hooks.onEncoder?.(enc);
        const { xM: oMean, xLogs: oLogScale, logw: oDurLog, xMask } = enc;
        const w = oDurLog.exp().sub(1).mul(xMask).mul(lengthScale);
        const wCeil = w.ceil().clampMin(1); // [B, 1, T_en]
        checkOutputFrames(wCeil.sum([1, 2]), aux.maxFrames);
        // As in Coqui, the mask length also counts one frame per padded token (clampMin above); those frames
        // hold z = 0. The returned yLengths are the frames the alignment actually covers.
        const maskLengths = wCeil.sum([1, 2]).clampMin(1).long();
        const yLengths = wCeil.mul(xMask).sum([1, 2]).clampMin(1).long();
        const yMask = paddingMask(maskLengths, undefined, xMask.dtype);
        const attnMask = attentionMask(xMask, yMask);
        const attn = generatePath(wCeil.squeeze(1), attnMask.squeeze(1)).unsqueeze(1);
        const { yMean, yLogScale, oAttnDur } = expandPrior(attn, oMean, oLogScale, xMask);
        const zPrior =
          noise === 0 ? yMean : yMean.add(yLogScale.exp().mul(torch.randnLike(yMean)).mul(noise));
        const z = zPrior.mul(yMask);
        const { z: yOut } = this.decoder.forward(z, yMask, g, true, hooks.onFlow);
        return {
          modelOutputs: yOut.transpose(1, 2),
          yMean: yMean.transpose(1, 2),
          yLogScale: yLogScale.transpose(1, 2),
          alignments: attn.squeeze(1).permute(0, 2, 1),
          durationsLog: oDurLog.transpose(1, 2),
          totalDurationsLog: oAttnDur.transpose(1, 2),
          yLengths,
        };
      }),
    );
  }

  /** Precomputes flow inverses for fast inference (call after loading, in eval mode). */
  storeInverse(): void {
    this.decoder.storeInverse();
  }

  // ----- ActNorm data-dependent initialisation -------------------------------------------------------------

  /** Makes every ActNorm re-initialise from the next batch. */
  unlockActNormLayers(): void {
    for (const f of this.decoder.flows) if (f instanceof ActNorm) f.setDdi(true);
  }

  /** Freezes the ActNorm statistics. */
  lockActNormLayers(): void {
    for (const f of this.decoder.flows) if (f instanceof ActNorm) f.setDdi(false);
  }

  /** Trainer callback: data-dependent init during the first `dataDepInitSteps` steps. */
  onTrainStepStart(trainer: { step: number }): void {
    this.runDataDepInit = trainer.step < this.config.dataDepInitSteps;
  }

  // ----- Trainer API ---------------------------------------------------------------------------------------

  getCriterion(): GlowTTSLoss {
    return new GlowTTSLoss();
  }

  /**
   * Forward + loss. During data-dependent-init steps the ActNorm layers are first initialised from this
   * batch (a no-grad forward pass, as in Coqui); unlike Coqui, the step then also trains on the batch, since
   * the Trainer always expects a loss.
   */
  trainStep(batch: Batch, criterion: GlowTTSLoss): StepResult<GlowTTSForwardOutput> {
    const b = this.formatBatch(batch);
    const aux = { speakerIds: b.speakerIds, dVectors: b.dVectors };
    if (this.runDataDepInit && this.training) {
      this.unlockActNormLayers();
      torch.noGrad(() =>
        torch.tidy(() => void this.forward(b.textInput, b.textLengths, b.melInput, b.melLengths, aux)),
      );
      this.lockActNormLayers();
    }
    const outputs = this.forward(b.textInput, b.textLengths, b.melInput, b.melLengths, aux);
    const lossDict = this.computeLoss(criterion, outputs, b);
    return { outputs, lossDict };
  }

  evalStep(batch: Batch, criterion: GlowTTSLoss): StepResult<GlowTTSForwardOutput> {
    return torch.noGrad(() => this.trainStep(batch, criterion));
  }

  /** The Glow-TTS loss of forward outputs, with the raw (not floored) mel lengths as Coqui does. */
  computeLoss(criterion: GlowTTSLoss, outputs: GlowTTSForwardOutput, batch: TTSBatch): GlowTTSLossDict {
    return criterion.forward(
      outputs.z.float(),
      outputs.yMean.float(),
      outputs.yLogScale.float(),
      outputs.logdet.float(),
      batch.melLengths,
      outputs.durationsLog.float(),
      outputs.totalDurationsLog.float(),
      batch.textLengths,
    );
  }

  override trainLog(batch: TTSBatch, outputs: GlowTTSForwardOutput, logger: ModelLogger, step: number): void {
    logTTSOutputs(logger, 'train', step, this.createLogs(batch, outputs));
  }

  override evalLog(batch: TTSBatch, outputs: GlowTTSForwardOutput, logger: ModelLogger, step: number): void {
    logTTSOutputs(logger, 'eval', step, this.createLogs(batch, outputs));
  }

  /** Figures (prediction, ground truth, MAS alignment) and Griffin-Lim audio of the batch's first item. */
  createLogs(batch: Batch, outputs: { alignments?: Tensor }): TTSLogs {
    return createTTSLogs(this, this.formatBatch(batch), outputs.alignments);
  }
}
