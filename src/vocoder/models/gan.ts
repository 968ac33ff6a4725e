/**
 * The GAN vocoder (Coqui's `TTS.vocoder.models.gan.GAN`): a generator (`model_g`, mel -> waveform) trained
 * against a discriminator (`model_d`) with two optimizers in Coqui's order:
 *
 * - optimizer 0, the discriminator: runs the generator on the batch mel (y_hat = G(x)[..., :T], kept for the
 *   generator step, PQMF-merged for multi-band generators), then D on y_hat.detach() and on the real waveform,
 *   `DiscriminatorLoss`; skipped (null) until `stepsToStartDiscriminator` steps are done;
 * - optimizer 1, the generator: reuses that y_hat (computed before the discriminator's update), runs the updated
 *   D on it (with gradients) and on the real waveform (without, for feature matching), `GeneratorLoss`.
 *
 * Which networks are used comes from `generatorModel` / `discriminatorModel` (see setup.ts); state-dict names
 * are Coqui's (`model_g.*`, `model_d.*`), so Coqui GAN checkpoints load.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import type {
  Batch,
  BatchSource,
  LogOutputs,
  ModelLogger,
  StepResult,
  TrainerContext,
} from '../../trainer/api.ts';
import type { BaseGANVocoderConfig } from '../configs/shared_configs.ts';
import { GANDataset } from '../datasets/gan_dataset.ts';
import { DiscriminatorLoss, GeneratorLoss } from '../layers/losses.ts';
import { BaseVocoder, type VocoderInferenceOutput, type VocoderParts } from './base_vocoder.ts';
import type { DiscriminatorOutput, WaveformDiscriminator } from './hifigan_discriminator.ts';
import { setupDiscriminator, setupGenerator, type VocoderGenerator } from './setup.ts';

/** A formatted batch: mel `[B, C, F]` and waveform `[B, 1, T]` (and the discriminator's own pair). */
export interface GANBatch extends Batch {
  input: Tensor;
  waveform: Tensor;
  inputDisc?: Tensor;
  waveformDisc?: Tensor;
}

/** What each step hands on to the logs: the generated waveform `[B, 1, T]`. */
export interface GANOutputs {
  modelOutputs: Tensor;
}

/** The criterion of each optimizer: [discriminator, generator]. */
export type GANCriterion = [DiscriminatorLoss, GeneratorLoss];

export class GAN extends BaseVocoder<BaseGANVocoderConfig, GANBatch, GANOutputs, GANCriterion> {
  protected override readonly discriminatorFirst = true;
  readonly modelG: VocoderGenerator;
  modelD: WaveformDiscriminator | null;
  /** Whether the discriminator trains in this step (Coqui's `train_disc`). */
  trainDisc = false;
  /** The generator output of the current batch (waveform) and, for multi-band generators, its sub-bands. */
  #yHatG: Tensor | null = null;
  #yHatSub: Tensor | null = null;
  #ySubG: Tensor | null = null;

  constructor(config: BaseGANVocoderConfig, parts: VocoderParts = {}) {
    super(config, parts);
    this.modelG = this.registerModule('model_g', setupGenerator(config));
    this.modelD = this.registerModule('model_d', setupDiscriminator(config));
  }

  /** Mel `[B, C, T]` -> generator output `[B, bands, T · hop / bands]` (Coqui's `GAN.forward`). */
  forward(x: Tensor): Tensor {
    return this.modelG.forward(x);
  }

  /** Mel `[B, C, T]` -> `{ modelOutputs: [B, 1, (T + 2 · inference padding) · hop] }` (not cropped, as Coqui). */
  inference(mel: Tensor): VocoderInferenceOutput {
    return { modelOutputs: this.modelG.inference(mel) };
  }

  /** What Coqui's `load_checkpoint(eval=True)` does: drops the discriminator, folds the generator's weight norm. */
  prepareForInference(): void {
    this.modelD = this.registerModule('model_d', null);
    this.modelG.removeWeightNorm();
    this.eval();
  }

  override optimizerGroups() {
    if (!this.modelD)
      throw new Error('GAN: the discriminator was dropped (prepareForInference); cannot train');
    return { generator: this.modelG.parameters(), discriminator: this.modelD.parameters() };
  }

  getCriterion(): GANCriterion {
    return [new DiscriminatorLoss(this.config), new GeneratorLoss(this.config)];
  }

  onTrainStepStart(ctx: TrainerContext): void {
    this.trainDisc = ctx.step >= this.config.stepsToStartDiscriminator;
  }

  formatBatch(batch: Batch): GANBatch {
    const b = batch as Partial<GANBatch>;
    if (!b.input || !b.waveform) throw new Error('GAN: a batch needs input (mel) and waveform');
    return b as GANBatch;
  }

  #discriminator(): WaveformDiscriminator {
    if (!this.modelD) throw new Error('GAN: the discriminator was dropped (prepareForInference)');
    return this.modelD;
  }

  /** Multi-band output `[B, N, T / N]` -> waveform `[B, 1, T]` (identity for a waveform). */
  #synthesis(yHat: Tensor): Tensor {
    if (yHat.shape[1] === 1) return yHat;
    if (!this.modelG.pqmfSynthesis) throw new Error('GAN: a multi-band output needs a PQMF generator');
    return this.modelG.pqmfSynthesis(yHat);
  }

  /** The step of optimizer `optimizerIdx` (0 discriminator, 1 generator); the generator output is cached on the model. */
  trainStep(batch: GANBatch, criterion: GANCriterion, optimizerIdx: number): StepResult<GANOutputs> | null {
    if (optimizerIdx === 0) return this.#discriminatorStep(batch, criterion[0]);
    if (optimizerIdx === 1) return this.#generatorStep(batch, criterion[1]);
    throw new RangeError(`GAN: unexpected optimizerIdx ${optimizerIdx}`);
  }

  /** Generator pass (kept for the generator step), then the discriminator loss on fake vs real. */
  #discriminatorStep(batch: GANBatch, criterion: DiscriminatorLoss): StepResult<GANOutputs> | null {
    const x = batch.input;
    const y = batch.waveform;
    const out = this.modelG.forward(x);
    let yHat = out.narrow(2, 0, Math.min(out.shape[2], y.shape[2]));
    this.#yHatSub = null;
    this.#ySubG = null;
    if (yHat.shape[1] > 1) {
      this.#yHatSub = yHat;
      yHat = this.#synthesis(yHat);
      this.#ySubG = this.modelG.pqmfAnalysis?.(y) ?? null;
    }
    this.#yHatG = yHat;
    if (!this.trainDisc) return null;
    let yHatD = yHat;
    let yD = y;
    if (this.config.diffSamplesForGAndD) {
      if (!batch.inputDisc || !batch.waveformDisc)
        throw new Error('GAN: diffSamplesForGAndD needs inputDisc');
      const xd = batch.inputDisc;
      yHatD = torch.noGrad(() => this.#synthesis(this.modelG.forward(xd)));
      yD = batch.waveformDisc;
    }
    const d = this.#discriminator();
    const fake = d.forward(yHatD.detach());
    const real = d.forward(yD);
    return { outputs: { modelOutputs: yHatD }, lossDict: criterion.forward(fake.scores, real.scores) };
  }

  /** The updated discriminator on the cached generator output; the generator loss. */
  #generatorStep(batch: GANBatch, criterion: GeneratorLoss): StepResult<GANOutputs> {
    const yHat = this.#yHatG;
    if (!yHat)
      throw new Error(
        'GAN: the generator step needs the discriminator step (optimizer 0) of its batch first',
      );
    const y = batch.waveform;
    let fake: DiscriminatorOutput | null = null;
    let real: DiscriminatorOutput | null = null;
    if (this.trainDisc) {
      const d = this.#discriminator();
      fake = d.forward(yHat);
      if (this.config.useFeatMatchLoss) real = torch.noGrad(() => d.forward(y));
    }
    const lossDict = criterion.forward({
      yHat,
      y,
      scoresFake: fake?.scores ?? null,
      featsFake: fake?.feats ?? null,
      featsReal: real?.feats ?? null,
      yHatSub: this.#yHatSub,
      ySub: this.#ySubG,
    });
    return { outputs: { modelOutputs: yHat }, lossDict };
  }

  /** As `trainStep` with the discriminator always on (Coqui's `eval_step`); the Trainer runs it without gradients. */
  evalStep(batch: GANBatch, criterion: GANCriterion, optimizerIdx: number): StepResult<GANOutputs> | null {
    this.trainDisc = true;
    return this.trainStep(batch, criterion, optimizerIdx);
  }

  /** The real and generated waveforms of the first item, their mels and the mel difference. */
  #log(
    name: string,
    batch: GANBatch,
    outputs: LogOutputs<GANOutputs>,
    logger: ModelLogger,
    step: number,
  ): void {
    const list = Array.isArray(outputs) ? outputs : [outputs as GANOutputs];
    const yHat = list.find((o) => o)?.modelOutputs;
    if (!yHat) return;
    torch.noGrad(() =>
      torch.tidy(() => {
        const fake = yHat.select(0, 0).select(0, 0).detach().float().to('cpu');
        const real = batch.waveform.select(0, 0).select(0, 0).float().to('cpu');
        const figure = (t: Tensor) => ({
          data: t.contiguous().toFloat32Array(),
          height: t.shape[0],
          width: t.shape[1],
        });
        const melFake = this.ap.melspectrogram(fake);
        const melReal = this.ap.melspectrogram(real);
        const frames = Math.min(melFake.shape[1], melReal.shape[1]);
        logger.figure(`${name}/ground_truth_spectrogram`, figure(melReal), step);
        logger.figure(`${name}/prediction_spectrogram`, figure(melFake), step);
        const diff = melReal
          .narrow(1, 0, frames)
          .sub(melFake.narrow(1, 0, frames))
          .abs();
        logger.figure(`${name}/diff`, figure(diff), step);
        logger.audio(`${name}/audio`, fake.clamp(-1, 1).toFloat32Array(), this.ap.sampleRate, step);
        logger.audio(`${name}/real_audio`, real.toFloat32Array(), this.ap.sampleRate, step);
      }),
    );
  }

  override trainLog(
    batch: GANBatch,
    outputs: LogOutputs<GANOutputs>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#log('train', batch, outputs, logger, step);
  }

  override evalLog(
    batch: GANBatch,
    outputs: LogOutputs<GANOutputs>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#log('eval', batch, outputs, logger, step);
  }

  /** Training: random `seqLen` segments in batches; eval: whole utterances one at a time (as Coqui). */
  async getDataLoader(options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource> {
    const c = this.config;
    const [evalItems, trainItems] = this.samples();
    const ds = new GANDataset({
      audio: this.ap,
      items: options.isEval ? evalItems : trainItems,
      seqLen: c.seqLen,
      padShort: c.padShort,
      convPad: c.convPad,
      returnSegments: !options.isEval,
      returnPairs: c.diffSamplesForGAndD,
      useNoiseAugment: c.useNoiseAugment && !options.isEval,
      useCache: c.useCache,
      batchSize: options.batchSize,
      shuffle: !options.isEval,
      seed: options.seed,
      log: this.log,
    });
    await ds.prepare();
    return ds;
  }
}
