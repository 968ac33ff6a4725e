/**
 * VITS (Kim et al. 2021, "Conditional Variational Autoencoder with Adversarial Learning for End-to-End
 * Text-to-Speech", https://arxiv.org/abs/2106.06103), as Coqui TTS 0.22's `TTS.tts.models.vits.Vits`.
 *
 *     training (paper figure 1a)
 *       linear spec --posterior encoder--> z ~ q(z | spec) --flow--> z_p
 *       tokens --text encoder--> prior N(m_p, exp(logs_p)) per token
 *       monotonic alignment search of z_p under the prior -> alignment, durations -> duration loss
 *       prior expanded to frames (KL term with z_p); a random segment of z --waveform decoder--> audio
 *     inference (figure 1b)
 *       tokens --text encoder--> prior; duration predictor -> ceil(durations) -> alignment
 *       z_p ~ N(m_p, exp(logs_p) * noise) --flow^-1--> z --waveform decoder--> audio
 *
 * The waveform decoder (HiFiGAN generator) and the discriminator are injected parts (`VitsParts`): the model
 * runs everything up to the decoder input without them. State-dict names are Coqui's (`text_encoder`,
 * `posterior_encoder`, `flow`, `duration_predictor`, `waveform_decoder`, `disc`, `emb_g`, `emb_l`).
 * Random draws go through a `NoiseSource` so tests can replay Coqui's.
 */

import type { OptimizerGroups } from '../../models/base_model.ts';
import type { Tensor } from '../../torch/index.js';
import * as torch from '../../torch/index.js';
import { Embedding, Module } from '../../torch/nn/index.js';
import { xavierUniform_ } from '../../torch/nn/init.js';
import type { StepResult } from '../../trainer/api.js';
import type { VitsArgs, VitsConfig } from '../configs/vits_config.js';
import { DurationPredictor } from '../layers/glow_tts/duration_predictor.js';
import {
  VitsDiscriminatorLoss,
  type VitsDiscriminatorLossDict,
  VitsGeneratorLoss,
  type VitsGeneratorLossDict,
} from '../layers/vits/losses.js';
import { PosteriorEncoder, ResidualCouplingBlocks, TextEncoder } from '../layers/vits/networks.js';
import { wavToMel } from '../layers/vits/spectrogram.js';
import { StochasticDurationPredictor } from '../layers/vits/stochastic_duration_predictor.js';
import { expandPrior, gaussianLogLikelihood } from '../utils/alignment.ts';
import { generatePath, maximumPath, sequenceMask } from '../utils/helpers.js';
import { type NoiseSource, torchNoise } from '../utils/noise.js';
import { checkOutputFrames } from '../utils/output_limit.ts';
import { randSegments, segment } from '../utils/segments.js';
import type { InferenceAux } from './base_tts.js';

/** Channels of the stochastic / deterministic duration predictors (fixed in Coqui). */
const SDP_CHANNELS = 192;
const DP_CHANNELS = 256;

/** The waveform decoder: z `[B, hidden, T]` and speaker `[B, C_g, 1]` -> waveform `[B, 1, T * hop]`. */
export interface VitsWaveformDecoder extends Module {
  forward(z: Tensor, g?: Tensor | null): Tensor;
}

/** Scores `[B, N]` per sub-discriminator and features per sub-discriminator and layer, for both inputs. */
export interface VitsDiscriminatorOutput {
  fakeScores: Tensor[];
  fakeFeats: Tensor[][];
  realScores: Tensor[];
  realFeats: Tensor[][];
}

/** The discriminator (multi-period + scale): generated and real waveforms `[B, 1, T]` -> scores, features. */
export interface VitsDiscriminator extends Module {
  forward(fake: Tensor, real: Tensor): VitsDiscriminatorOutput;
}

/** Parts built elsewhere and handed to the model (the vocoder side). */
export interface VitsParts {
  /** HiFiGAN generator with `hiddenChannels` inputs (registered as `waveform_decoder`). */
  waveformDecoder?: VitsWaveformDecoder | null;
  /** The VITS discriminator (registered as `disc`); not needed at inference. */
  discriminator?: VitsDiscriminator | null;
}

/** A training batch (Coqui's names after `format_batch_on_device`, in camelCase). */
export interface VitsBatch {
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
  /** Where random numbers come from (default: the global generator). */
  noise?: NoiseSource;
}

/** What `forward` returns (Coqui's keys in camelCase). */
export interface VitsForwardOutput {
  /** Decoded waveform of the z segment `[B, 1, seg * hop]`; null without a waveform decoder. */
  modelOutputs: Tensor | null;
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
  /** Waveform `[B, 1, T_de * hop]`; null without a waveform decoder. */
  modelOutputs: Tensor | null;
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

export class Vits extends Module {
  readonly outputKind = 'waveform' as const;
  readonly args: VitsArgs;
  readonly textEncoder: TextEncoder;
  readonly posteriorEncoder: PosteriorEncoder;
  readonly flow: ResidualCouplingBlocks;
  readonly durationPredictor: StochasticDurationPredictor | DurationPredictor;
  readonly waveformDecoder: VitsWaveformDecoder | null;
  readonly disc: VitsDiscriminator | null;
  readonly embG: Embedding | null = null;
  readonly embL: Embedding | null = null;
  /** Channels of the speaker condition g (0: single speaker). */
  readonly embeddedSpeakerDim: number;
  /** Channels of the language embedding (0: none). */
  readonly embeddedLanguageDim: number;
  /** Where `forward` and `inference` draw when the call gives no source (tests replay recorded draws). */
  noise: NoiseSource = torchNoise;

  constructor(
    readonly config: VitsConfig,
    parts: VitsParts = {},
  ) {
    super();
    const a = config.modelArgs;
    this.args = a;
    if (a.encoderSampleRate !== null) throw new Error('Vits: encoderSampleRate is not supported yet');
    if (a.useSpeakerEncoderAsLoss) throw new Error('Vits: useSpeakerEncoderAsLoss is not supported yet');
    // speakers: an embedding table or external d-vectors; languages: an embedding table
    this.embeddedSpeakerDim = 0;
    if (a.useSpeakerEmbedding && a.numSpeakers > 0) {
      this.embeddedSpeakerDim = a.speakerEmbeddingChannels;
      this.embG = this.registerModule('emb_g', new Embedding(a.numSpeakers, a.speakerEmbeddingChannels));
    } else if (a.useDVectorFile) {
      this.embeddedSpeakerDim = a.dVectorDim;
    }
    this.embeddedLanguageDim = 0;
    if (a.useLanguageEmbedding && a.numLanguages > 0) {
      this.embeddedLanguageDim = a.embeddedLanguageDim;
      this.embL = this.registerModule('emb_l', new Embedding(a.numLanguages, a.embeddedLanguageDim));
      xavierUniform_(this.embL.weight);
    }
    const g = this.embeddedSpeakerDim;
    this.textEncoder = this.registerModule(
      'text_encoder',
      new TextEncoder({
        numChars: a.numChars,
        outChannels: a.hiddenChannels,
        hiddenChannels: a.hiddenChannels,
        hiddenChannelsFfn: a.hiddenChannelsFfnTextEncoder,
        numHeads: a.numHeadsTextEncoder,
        numLayers: a.numLayersTextEncoder,
        kernelSize: a.kernelSizeTextEncoder,
        dropoutP: a.dropoutPTextEncoder,
        languageEmbDim: this.embeddedLanguageDim,
      }),
    );
    this.posteriorEncoder = this.registerModule(
      'posterior_encoder',
      new PosteriorEncoder(a.outChannels, a.hiddenChannels, {
        hiddenChannels: a.hiddenChannels,
        kernelSize: a.kernelSizePosteriorEncoder,
        dilationRate: a.dilationRatePosteriorEncoder,
        numLayers: a.numLayersPosteriorEncoder,
        condChannels: g,
      }),
    );
    this.flow = this.registerModule(
      'flow',
      new ResidualCouplingBlocks(a.hiddenChannels, {
        hiddenChannels: a.hiddenChannels,
        kernelSize: a.kernelSizeFlow,
        dilationRate: a.dilationRateFlow,
        numLayers: a.numLayersFlow,
        condChannels: g,
      }),
    );
    this.durationPredictor = this.registerModule(
      'duration_predictor',
      a.useSdp
        ? new StochasticDurationPredictor({
            inChannels: a.hiddenChannels,
            hiddenChannels: SDP_CHANNELS,
            kernelSize: 3,
            dropoutP: a.dropoutPDurationPredictor,
            numFlows: 4,
            condChannels: a.conditionDpOnSpeaker ? g : 0,
            languageEmbDim: this.embeddedLanguageDim,
          })
        : new DurationPredictor(a.hiddenChannels, DP_CHANNELS, 3, a.dropoutPDurationPredictor, {
            condChannels: g,
            languageEmbDim: this.embeddedLanguageDim,
          }),
    );
    this.waveformDecoder = parts.waveformDecoder ?? null;
    if (this.waveformDecoder !== null) this.registerModule('waveform_decoder', this.waveformDecoder);
    this.disc = parts.discriminator ?? null;
    if (this.disc !== null) this.registerModule('disc', this.disc);
  }

  // ----- conditioning -------------------------------------------------------------------------------------

  /** Speaker condition g `[B, C_g, 1]` from ids (embedding table) or d-vectors (L2-normalised), or null. */
  speakerCondition(aux: VitsAuxInput): Tensor | null {
    const ids = aux.speakerIds ?? null;
    const dVectors = aux.dVectors ?? null;
    if (ids !== null && dVectors !== null) throw new Error('cannot use d-vectors and speaker ids together');
    if (ids !== null && this.embG === null) throw new Error('speaker ids need useSpeakerEmbedding');
    return torch.tidy(() => {
      if (ids !== null)
        return (this.embG as Embedding).forward(ids.ndim === 0 ? ids.unsqueeze(0) : ids).unsqueeze(-1);
      if (dVectors !== null) return dVectors.div(dVectors.norm(2, 1, true).clampMin(1e-12)).unsqueeze(-1);
      return null;
    });
  }

  /** Language embedding `[B, C_lang, 1]`, or null. */
  languageEmbedding(aux: VitsAuxInput): Tensor | null {
    const ids = aux.languageIds ?? null;
    if (ids === null || this.embL === null) return null;
    return torch.tidy(() =>
      (this.embL as Embedding).forward(ids.ndim === 0 ? ids.unsqueeze(0) : ids).unsqueeze(-1),
    );
  }

  // ----- training-time forward (paper section 2.1-2.5) -------------------------------------------------------

  /**
   * x: tokens `[B, T_en]` int64; xLengths `[B]`; y: linear spectrograms `[B, C_spec, T_spec]`; yLengths `[B]`;
   * waveform `[B, 1, T_wav]`. Draws, in order: the posterior sample, the SDP noise (useSdp), the segments.
   */
  forward(
    x: Tensor,
    xLengths: Tensor,
    y: Tensor,
    yLengths: Tensor,
    waveform: Tensor,
    aux: VitsAuxInput = {},
  ): VitsForwardOutput {
    return torch.tidy(() => {
      const noise = aux.noise ?? this.noise;
      const g = this.speakerCondition(aux);
      const langEmb = this.languageEmbedding(aux);
      // 1. prior p(z | text) per token; 2. posterior q(z | spec) and its image under the flow
      const text = this.textEncoder.forward(x, xLengths, langEmb);
      const { z, mQ, logsQ, yMask } = this.posteriorEncoder.forward(y, yLengths, g, noise);
      const zP = this.flow.forward(z, yMask, g);
      // 3. monotonic alignment search and the duration loss
      const attn = this.alignment(zP, text.mP, text.logsP, text.xMask, yMask);
      const lossDuration = this.durationLoss(text.x, text.xMask, attn.sum(3), g, langEmb, noise);
      // 4. the prior expanded to frames (for the KL term)
      const { yMean: mP, yLogScale: logsP } = expandPrior(attn, text.mP, text.logsP, text.xMask);
      // 5. decode a random segment of z; the matching real audio
      const seg = this.args.specSegmentSize;
      const hop = this.config.audio.hopLength;
      const { segments: zSlice, starts: sliceIds } = randSegments(z, yLengths, seg, noise);
      const modelOutputs = this.waveformDecoder === null ? null : this.waveformDecoder.forward(zSlice, g);
      const waveformSeg = segment(waveform, sliceIds.mul(hop), seg * hop, true);
      return {
        modelOutputs,
        alignments: attn.squeeze(1),
        mP,
        logsP,
        z,
        zP,
        mQ,
        logsQ,
        waveformSeg,
        sliceIds,
        lossDuration,
      };
    });
  }

  /**
   * The most likely monotonic alignment `[B, 1, T_en, T_spec]` of z_p under the per-token prior (no gradient).
   * zP `[B, C, T_spec]`, mP / logsP `[B, C, T_en]`, masks `[B, 1, T]`.
   */
  alignment(zP: Tensor, mP: Tensor, logsP: Tensor, xMask: Tensor, yMask: Tensor): Tensor {
    return torch.noGrad(() =>
      torch.tidy(() => {
        const attnMask = xMask.unsqueeze(-1).mul(yMask.unsqueeze(2)); // [B, 1, T_en, T_spec]
        const logp = gaussianLogLikelihood(zP, mP, logsP); // [B, T_en, T_spec]
        return maximumPath(logp, attnMask.squeeze(1)).unsqueeze(1);
      }),
    );
  }

  /**
   * Duration loss per item `[B]` for the MAS durations `[B, 1, T_en]`: the SDP's negative log-likelihood, or
   * the squared error of the deterministic predictor's log-durations; divided by the batch's valid tokens.
   * With `detachDpInput` no gradient reaches the text encoder or the speaker/language embeddings.
   */
  durationLoss(
    x: Tensor,
    xMask: Tensor,
    durations: Tensor,
    g: Tensor | null,
    langEmb: Tensor | null,
    noise: NoiseSource = torchNoise,
  ): Tensor {
    return torch.tidy(() => {
      const detach = (t: Tensor | null) => (t !== null && this.args.detachDpInput ? t.detach() : t);
      const xDp = detach(x) as Tensor;
      const tokens = xMask.sum();
      const dp = this.durationPredictor;
      if (dp instanceof StochasticDurationPredictor) {
        return dp
          .forward(xDp, xMask, durations, { g: detach(g), langEmb: detach(langEmb), noise })
          .div(tokens);
      }
      const target = durations.add(1e-6).log().mul(xMask);
      const logw = dp.forward(xDp, xMask, detach(g), detach(langEmb));
      return logw.sub(target).pow(2).sum([1, 2]).div(tokens);
    });
  }

  // ----- inference (paper section 2.6) ---------------------------------------------------------------------

  /**
   * Synthesises from tokens `[B, T_en]` (int64). Durations: ceil(exp(logw) * lengthScale) frames per token
   * (total at least 1); z_p = m_p + eps * exp(logs_p) * noiseScale; z = flow^-1(z_p). Draws, in order: the
   * SDP noise (useSdp, scaled by noiseScaleDp) and eps (also when a scale is 0).
   */
  inference(x: Tensor, aux: VitsInferenceAux = {}): VitsInferenceOutput {
    return torch.noGrad(() =>
      torch.tidy(() => {
        const noise = aux.noise ?? this.noise;
        const xLengths =
          aux.xLengths ?? torch.full([x.size(0)], x.size(1), { dtype: 'int64', device: x.device });
        const speakerIds =
          aux.speakerIds ??
          (aux.speakerId !== undefined && aux.speakerId !== null
            ? torch.tensor([aux.speakerId], { dtype: 'int64', device: x.device })
            : null);
        const g = this.speakerCondition({ ...aux, speakerIds });
        const langEmb = this.languageEmbedding(aux);
        const text = this.textEncoder.forward(x, xLengths, langEmb);
        const { xMask } = text;
        // durations -> frames -> hard alignment
        let w: Tensor;
        if (aux.durations !== undefined && aux.durations !== null) {
          w = aux.durations.reshape(1, 1, -1).to(xMask.dtype);
        } else {
          const gDp = this.args.conditionDpOnSpeaker ? g : null;
          const dp = this.durationPredictor;
          const logw =
            dp instanceof StochasticDurationPredictor
              ? dp.reverse(text.x, xMask, aux.noiseScaleDp ?? this.args.inferenceNoiseScaleDp, {
                  g: gDp,
                  langEmb,
                  noise,
                })
              : dp.forward(text.x, xMask, gDp, langEmb);
          w = logw
            .exp()
            .mul(xMask)
            .mul(aux.lengthScale ?? this.args.lengthScale);
        }
        const wCeil = w.ceil();
        checkOutputFrames(wCeil.sum([1, 2]), aux.maxFrames);
        const yLengths = wCeil.sum([1, 2]).clampMin(1).long();
        const yMask = sequenceMask(yLengths).unsqueeze(1).to(xMask.dtype); // [B, 1, T_de]
        const attnMask = xMask.unsqueeze(-1).mul(yMask.unsqueeze(2)).squeeze(1); // [B, T_en, T_de]
        const attn = generatePath(wCeil.squeeze(1), attnMask).unsqueeze(1);
        const { yMean: mP, yLogScale: logsP } = expandPrior(attn, text.mP, text.logsP, xMask);
        // sample the prior, then invert the flow
        const eps = noise.randn(mP.shape, 'prior', mP);
        const zP = mP.add(eps.mul(logsP.exp()).mul(aux.noiseScale ?? this.args.inferenceNoiseScale));
        const z = this.flow.forward(zP, yMask, g, true);
        let modelOutputs: Tensor | null = null;
        if (this.waveformDecoder !== null) {
          const maxLen = this.args.maxInferenceLen ?? z.size(2);
          modelOutputs = this.waveformDecoder.forward(z.mul(yMask).slice(2, 0, maxLen), g);
        }
        return { modelOutputs, alignments: attn.squeeze(1), durations: wCeil, z, zP, mP, logsP, yMask };
      }),
    );
  }

  // ----- training (paper section 2.5): optimizer 0 the discriminator, 1 the generator --------------------------

  getCriterion(): VitsCriterion {
    return [new VitsDiscriminatorLoss(this.config), new VitsGeneratorLoss(this.config)];
  }

  /** The discriminator's parameters (optimizer 0) and every other one (optimizer 1), in state-dict order. */
  optimizerGroups(): OptimizerGroups & { generator: Tensor[]; discriminator: Tensor[] } {
    const named = [...this.namedParameters()];
    return {
      generator: named.filter(([k]) => !k.startsWith('disc.')).map(([, p]) => p),
      discriminator: named.filter(([k]) => k.startsWith('disc.')).map(([, p]) => p),
    };
  }

  /**
   * One optimizer's step of a batch (Coqui's `Vits.train_step`). Index 0 runs the forward pass and scores the
   * detached generated audio against the real segment; index 1 reuses that forward (`previous[0]`, so both
   * optimizers of a batch see one set of random draws), scores the generated audio again with the updated
   * discriminator and computes the generator losses.
   */
  trainStep(
    batch: VitsBatch,
    criterion: VitsCriterion,
    optimizerIdx: number,
    previous: ReadonlyArray<VitsForwardOutput | null> = [],
  ): VitsStepResult {
    const disc = this.disc;
    if (disc === null || this.waveformDecoder === null) {
      throw new Error('Vits.trainStep needs the waveform decoder and the discriminator');
    }
    if (optimizerIdx === 0) {
      const aux = { speakerIds: batch.speakerIds, dVectors: batch.dVectors, languageIds: batch.languageIds };
      const outputs = this.forward(
        batch.tokens,
        batch.tokenLens,
        batch.spec,
        batch.specLens,
        batch.waveform,
        aux,
      );
      const d = disc.forward((outputs.modelOutputs as Tensor).detach(), outputs.waveformSeg);
      return { outputs, lossDict: criterion[0].forward(d.realScores, d.fakeScores) };
    }
    if (optimizerIdx !== 1)
      throw new RangeError(`Vits.trainStep: unexpected optimizer index ${optimizerIdx}`);
    const outputs = previous[0] ?? null;
    if (outputs === null) throw new Error('Vits.trainStep: the generator step (1) needs step 0 of the batch');
    const a = this.config.audio;
    const modelOutputs = outputs.modelOutputs as Tensor;
    const melSlice = segment(batch.mel, outputs.sliceIds, this.args.specSegmentSize, true);
    const melSliceHat = wavToMel(modelOutputs, {
      nFft: a.fftSize,
      hopLength: a.hopLength,
      winLength: a.winLength,
      numMels: a.numMels,
      sampleRate: a.sampleRate,
      fmin: a.melFmin,
      fmax: a.melFmax,
    });
    const d = disc.forward(modelOutputs, outputs.waveformSeg);
    const lossDict = criterion[1].forward({
      melSlice,
      melSliceHat,
      zP: outputs.zP,
      logsQ: outputs.logsQ,
      mP: outputs.mP,
      logsP: outputs.logsP,
      zLengths: batch.specLens,
      scoresDiscFake: d.fakeScores,
      featsDiscFake: d.fakeFeats,
      featsDiscReal: d.realFeats,
      lossDuration: outputs.lossDuration,
    });
    return { outputs, lossDict };
  }

  /** `trainStep` without gradients. */
  evalStep(
    batch: VitsBatch,
    criterion: VitsCriterion,
    optimizerIdx: number,
    previous: ReadonlyArray<VitsForwardOutput | null> = [],
  ): VitsStepResult {
    return torch.noGrad(() => this.trainStep(batch, criterion, optimizerIdx, previous));
  }

  // ----- training helpers ------------------------------------------------------------------------------------

  /** Stops gradients into the parts the config freezes (Coqui's `_freeze_layers`, run at each epoch start). */
  freezeLayers(): void {
    const a = this.args;
    const frozen: (Module | null)[] = [
      a.freezeEncoder ? this.textEncoder : null,
      a.freezeEncoder ? this.embL : null,
      a.freezePe ? this.posteriorEncoder : null,
      a.freezeDp ? this.durationPredictor : null,
      a.freezeFlowDecoder ? this.flow : null,
      a.freezeWaveformDecoder ? this.waveformDecoder : null,
    ];
    for (const m of frozen) for (const p of m?.parameters() ?? []) p.requiresGrad_(false);
  }
}
