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
 * Trained as a GAN with two optimizers (Coqui's order: 0 the discriminator, 1 everything else). The waveform
 * decoder is the HiFiGAN generator of src/vocoder; the discriminator (VITS's scale discriminator + HiFiGAN
 * period discriminators) is left out at inference. State-dict names are Coqui's (`text_encoder`,
 * `posterior_encoder`, `flow`, `duration_predictor`, `waveform_decoder`, `disc`, `emb_g`, `emb_l`), so Coqui
 * `.pth` checkpoints load. Random draws go through a `NoiseSource` so tests can replay Coqui's.
 */

import type { OptimizerGroups } from '../../models/base_model.ts';
import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Embedding, type Module } from '../../torch/nn/index.ts';
import { xavierUniform_ } from '../../torch/nn/init.ts';
import type { LoadStateDictReport, StateDictLike } from '../../torch/nn/module.ts';
import type { Batch, LogOutputs, ModelLogger, TrainerContext } from '../../trainer/api.ts';
import type { VitsConfig } from '../configs/vits_config.ts';
import { DurationPredictor } from '../layers/glow_tts/duration_predictor.ts';
import { vitsWaveformDecoder } from '../layers/vits/decoder.ts';
import { VitsDiscriminator } from '../layers/vits/discriminator.ts';
import { VitsDiscriminatorLoss, VitsGeneratorLoss } from '../layers/vits/losses.ts';
import { PosteriorEncoder, ResidualCouplingBlocks, TextEncoder } from '../layers/vits/networks.ts';
import {
  batchSpectrograms,
  spectrogramParamsOf,
  type VitsMelParams,
  type VitsStftParams,
  wavToMel,
} from '../layers/vits/spectrogram.ts';
import { StochasticDurationPredictor } from '../layers/vits/stochastic_duration_predictor.ts';
import type {
  VitsAuxInput,
  VitsBatch,
  VitsCriterion,
  VitsDiscriminatorModule,
  VitsForwardOutput,
  VitsInferenceAux,
  VitsInferenceOutput,
  VitsParts,
  VitsStepResult,
  VitsWaveformDecoder,
} from '../layers/vits/types.ts';
import { expandPrior, gaussianLogLikelihood } from '../utils/alignment.ts';
import { generatePath, maximumPath, sequenceMask } from '../utils/helpers.ts';
import { LanguageManager } from '../utils/languages.ts';
import { type NoiseSource, torchNoise } from '../utils/noise.ts';
import { checkOutputFrames } from '../utils/output_limit.ts';
import { randSegments, segment } from '../utils/segments.ts';
import { batchSpeakerInputs, speakerConfigOf } from '../utils/speakers.ts';
import { BaseTTS, figureOf } from './base_tts.ts';

export type * from '../layers/vits/types.ts';

/** Channels of the stochastic / deterministic duration predictors (fixed in Coqui). */
const SDP_CHANNELS = 192;
const DP_CHANNELS = 256;

export class Vits extends BaseTTS<VitsConfig, VitsBatch, VitsForwardOutput, VitsCriterion> {
  override readonly outputKind = 'waveform' as const;
  /** Coqui's Vits steps the discriminator first. */
  protected override readonly discriminatorFirst = true;
  readonly args: VitsConfig['modelArgs'];
  readonly textEncoder: TextEncoder;
  readonly posteriorEncoder: PosteriorEncoder;
  readonly flow: ResidualCouplingBlocks;
  readonly durationPredictor: StochasticDurationPredictor | DurationPredictor;
  readonly waveformDecoder: VitsWaveformDecoder;
  readonly disc: VitsDiscriminatorModule | null;
  readonly embG: Embedding | null = null;
  readonly embL: Embedding | null = null;
  /** Language names -> ids of a multilingual model (null: none). */
  readonly languageManager: LanguageManager | null;
  /** Channels of the speaker condition g (0: single speaker). */
  readonly embeddedSpeakerDim: number;
  /** Channels of the language embedding (0: none). */
  readonly embeddedLanguageDim: number;
  /** Where `forward` and `inference` draw when the call gives no source (tests replay recorded draws). */
  noise: NoiseSource = torchNoise;

  constructor(config: VitsConfig, parts: VitsParts = {}) {
    super(config, parts);
    const a = this.config.modelArgs; // numChars from the tokenizer (BaseTTS)
    this.args = a;
    if (a.encoderSampleRate !== null) throw new Error('Vits: encoderSampleRate is not supported yet');
    if (a.useSpeakerEncoderAsLoss) throw new Error('Vits: useSpeakerEncoderAsLoss is not supported yet');
    if (a.useSpectralNormDisriminator)
      throw new Error('Vits: useSpectralNormDisriminator is not supported yet');
    // speakers known to the manager size the embedding table (Coqui's `init_multispeaker`)
    const manager = this.speakerManager;
    if (manager?.numSpeakers && a.useSpeakerEmbedding) {
      a.numSpeakers = manager.numSpeakers;
      this.config.numSpeakers = manager.numSpeakers;
    }
    if (manager?.embeddings.size && a.useDVectorFile) a.dVectorDim = manager.embeddingDim;
    // languages likewise (Coqui's `init_multilingual`); inference reads only language_ids.json, never the data
    this.languageManager =
      parts.languageManager !== undefined
        ? parts.languageManager
        : LanguageManager.initFromConfig(
            parts.inferenceOnly ? { ...a, useLanguageEmbedding: false } : a,
            () => {
              const { train, eval: evalSamples } = this.loadSamples();
              return [...train, ...evalSamples];
            },
          );
    if (this.languageManager?.numLanguages && a.useLanguageEmbedding) {
      a.numLanguages = this.languageManager.numLanguages;
    }
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
    this.waveformDecoder = this.registerModule(
      'waveform_decoder',
      parts.waveformDecoder ?? vitsWaveformDecoder(a, g),
    );
    const buildDisc = a.initDiscriminator && !parts.inferenceOnly;
    this.disc =
      parts.discriminator !== undefined
        ? parts.discriminator
        : buildDisc
          ? new VitsDiscriminator(a.periodsMultiPeriodDiscriminator, {
              scaleChannels: a.scaleDiscriminatorChannels,
              periodChannels: a.periodDiscriminatorChannels,
            })
          : null;
    if (this.disc !== null) this.registerModule('disc', this.disc);
  }

  /**
   * Trainer callback: speakers.json (BaseTTS) and language_ids.json into the run folder, recorded as
   * `languageIdsFile` in the run's config and its modelArgs (Coqui's `on_init_start`).
   */
  override onInitStart(
    ctx: Pick<TrainerContext, 'runPath'> & Partial<Pick<TrainerContext, 'config' | 'line'>>,
  ): void {
    super.onInitStart(ctx);
    if (!this.languageManager?.numLanguages) return;
    const path = this.languageManager.saveToFolder(ctx.runPath);
    for (const c of [this.config, ctx.config ?? this.config] as Record<string, unknown>[]) {
      c.languageIdsFile = path;
      const args = c.modelArgs as Record<string, unknown> | undefined;
      if (args) args.languageIdsFile = path;
    }
    ctx.line?.(` > ${this.languageManager.numLanguages} languages saved to ${path}`);
  }

  /** The language names -> ids of the language embedding (null without one, or when language_ids.json is missing). */
  override get conditioningLanguages(): LanguageManager | null {
    return this.embL ? this.languageManager : null;
  }

  /** The STFT and mel settings of the VITS spectrogram functions (from `config.audio`). */
  get spectrogramParams(): VitsStftParams & VitsMelParams {
    return spectrogramParamsOf(this.config.audio);
  }

  /** Loads a state dict; without a discriminator (inference) the checkpoint's `disc.*` entries are skipped. */
  override loadStateDict(stateDict: StateDictLike, options: { strict?: boolean } = {}): LoadStateDictReport {
    if (this.disc !== null) return super.loadStateDict(stateDict, options);
    const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
    return super.loadStateDict(new Map(entries.filter(([k]) => !k.startsWith('disc.'))), options);
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
      const modelOutputs = this.waveformDecoder.forward(zSlice, g ?? undefined);
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
        const languageIds = aux.languageIds ?? this.#languageIdOf(aux.language ?? null, x.device);
        const langEmb = this.languageEmbedding({ languageIds });
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
        const maxLen = this.args.maxInferenceLen ?? z.size(2);
        const modelOutputs = this.waveformDecoder.forward(z.mul(yMask).slice(2, 0, maxLen), g ?? undefined);
        return { modelOutputs, alignments: attn.squeeze(1), durations: wCeil, z, zP, mP, logsP, yMask };
      }),
    );
  }

  /** `[1]` int64 id of a language name for a multilingual model; null for the others (the name is ignored). */
  #languageIdOf(language: string | null, device: string): Tensor | null {
    if (this.embL === null) return null;
    if (!language) throw new Error('a multilingual VITS needs a language (--language)');
    if (this.languageManager === null)
      throw new Error(
        `language ${JSON.stringify(language)}: this multilingual VITS has no language_ids.json (modelArgs.languageIdsFile) to map names to ids`,
      );
    return torch.tensor([this.languageManager.idOf(language)], { dtype: 'int64', device });
  }

  // ----- training (paper section 2.5): optimizer 0 the discriminator, 1 the generator --------------------------

  getCriterion(): VitsCriterion {
    return [new VitsDiscriminatorLoss(this.config), new VitsGeneratorLoss(this.config)];
  }

  /** The discriminator's parameters (optimizer 0) and every other one (optimizer 1), in state-dict order. */
  override optimizerGroups(): OptimizerGroups & { generator: Tensor[]; discriminator: Tensor[] } {
    const named = [...this.namedParameters()];
    return {
      generator: named.filter(([k]) => !k.startsWith('disc.')).map(([, p]) => p),
      discriminator: named.filter(([k]) => k.startsWith('disc.')).map(([, p]) => p),
    };
  }

  /**
   * The data loader's batch (token ids, padded waveforms `[B, 1, T_wav]` and their relative lengths) in the
   * step's names, with the linear spectrogram and log-mel of the waveforms (Coqui's `format_batch` and
   * `format_batch_on_device`: spec lengths = (T_spec * relative length) truncated) and the speaker inputs.
   * An already formatted batch is returned as it is.
   */
  override formatBatch(batch: Batch): VitsBatch {
    const b = batch as Record<string, unknown>;
    if (b.spec !== undefined) return batch as VitsBatch;
    const need = (k: string): Tensor => {
      if (!torch.isTensor(b[k])) throw new Error(`VITS batch lacks ${k} (use a waveform data loader)`);
      return b[k] as Tensor;
    };
    const tokens = need('tokenIds');
    const waveform = need('waveform');
    const speakers = batchSpeakerInputs(this.speakerManager, speakerConfigOf(this.config), b, tokens.device);
    const languages = b.languages as readonly (string | null)[] | undefined;
    const lm = this.languageManager;
    const languageIds =
      lm && this.embL && languages
        ? torch.tensor(BigInt64Array.from(languages.map((l) => BigInt(lm.idOf(l ?? '')))))
        : null;
    return {
      ...batch,
      tokens,
      tokenLens: need('tokenIdsLengths'),
      waveform,
      ...batchSpectrograms(waveform, need('waveformRelLengths'), this.spectrogramParams),
      ...speakers,
      languageIds,
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
    previous: ReadonlyArray<unknown> = [],
  ): VitsStepResult {
    const disc = this.disc;
    if (disc === null) throw new Error('Vits.trainStep needs the discriminator (initDiscriminator)');
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
      const d = disc.forward(outputs.modelOutputs.detach(), outputs.waveformSeg);
      return { outputs, lossDict: criterion[0].forward(d.realScores, d.fakeScores) };
    }
    if (optimizerIdx !== 1)
      throw new RangeError(`Vits.trainStep: unexpected optimizer index ${optimizerIdx}`);
    const outputs = (previous[0] ?? null) as VitsForwardOutput | null;
    if (outputs === null) throw new Error('Vits.trainStep: the generator step (1) needs step 0 of the batch');
    const { modelOutputs } = outputs;
    const melSlice = segment(batch.mel, outputs.sliceIds, this.args.specSegmentSize, true);
    const melSliceHat = wavToMel(modelOutputs, this.spectrogramParams);
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
    previous: ReadonlyArray<unknown> = [],
  ): VitsStepResult {
    return torch.noGrad(() => this.trainStep(batch, criterion, optimizerIdx, previous));
  }

  override trainLog(
    _batch: VitsBatch,
    outputs: LogOutputs<VitsForwardOutput>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#logOutputs('train', outputs, logger, step);
  }

  override evalLog(
    _batch: VitsBatch,
    outputs: LogOutputs<VitsForwardOutput>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#logOutputs('eval', outputs, logger, step);
  }

  /**
   * Coqui's `Vits._log`: the MAS alignment of the first item (`[T_en, T_spec]`) as a figure, its generated
   * segment and the real one as audio.
   */
  #logOutputs(
    prefix: string,
    outputs: LogOutputs<VitsForwardOutput>,
    logger: ModelLogger,
    step: number,
  ): void {
    const out = Array.isArray(outputs) ? (outputs[1] ?? outputs[0]) : (outputs as VitsForwardOutput);
    if (!out) return;
    torch.noGrad(() =>
      torch.tidy(() => {
        const sr = this.config.audio.sampleRate;
        logger.figure(`${prefix}/alignment`, figureOf(out.alignments.select(0, 0)), step);
        const wav = (t: Tensor) => t.select(0, 0).reshape([-1]).detach().float().toFloat32Array();
        logger.audio(`${prefix}/audio`, wav(out.modelOutputs), sr, step);
        logger.audio(`${prefix}/audio_ground_truth`, wav(out.waveformSeg), sr, step);
      }),
    );
  }

  // ----- training helpers ------------------------------------------------------------------------------------

  /** Trainer callback: freezes what the config says (Coqui's `on_epoch_start`). */
  onEpochStart(): void {
    this.freezeLayers();
  }

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
