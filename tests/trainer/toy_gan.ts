/**
 * A toy GAN on 1-D data for the Trainer's multi-optimizer protocol: a generator (noise `[B, 4]` -> sample
 * `[B, 1]`, one linear layer) learns to imitate samples of N(3, 0.5^2) against a discriminator (sample ->
 * logit, linear-tanh-linear). Two optimizers from the config (`lrGen`/`lrDisc`, `lrSchedulerGen`/`Disc`), the
 * generator first; the discriminator step returns null (skipped) until `stepsToStartDiscriminator` and reads
 * the generator's output of the same batch from `previous`. Data come from a seeded JS generator, so a batch
 * is a pure function of (seed, epoch, index) and no torch RNG is drawn while training. Importing this module
 * registers the config and the model as "toy_gan" (`ribbit train --model-module tests/trainer/toy_gan.ts`).
 */
import { BaseTrainingConfig, type ConfigOf, f, registerConfig } from '../../src/config/index.ts';
import { BaseTrainerModel, type OptimizerGroups } from '../../src/models/base_model.ts';
import { registerModel } from '../../src/models/registry.ts';
import * as torch from '../../src/torch/index.ts';
import { Linear, Module } from '../../src/torch/nn/index.ts';
import type {
  Batch,
  BatchSource,
  LogOutputs,
  ModelLogger,
  StepResult,
  TrainerContext,
} from '../../src/trainer/api.ts';

/** The toy GAN's config: the Trainer's fields, the GAN optimizer fields (as Coqui's GAN vocoders name them). */
export const ToyGANConfig = registerConfig(
  BaseTrainingConfig.extend(
    'ToyGANConfig',
    {
      model: f.literal('toy_gan'),
      lrGen: f.number(1e-2, { min: 0, help: 'generator learning rate' }),
      lrDisc: f.number(2e-2, { min: 0, help: 'discriminator learning rate' }),
      lrSchedulerGen: f.string('ExponentialLR', { nullable: true, help: 'generator LR scheduler' }),
      lrSchedulerGenParams: f.record({ gamma: 0.9 }, { nullable: true, help: 'its arguments' }),
      lrSchedulerDisc: f.string('ExponentialLR', { nullable: true, help: 'discriminator LR scheduler' }),
      lrSchedulerDiscParams: f.record({ gamma: 0.8 }, { nullable: true, help: 'its arguments' }),
      stepsToStartDiscriminator: f.int(0, { min: 0, help: 'steps before the discriminator trains' }),
    },
    { help: 'a toy GAN on 1-D data (tests/trainer/toy_gan.ts)' },
  ),
);
export type ToyGANConfig = ConfigOf<typeof ToyGANConfig>;

/** The run config: 4 batches of 8 per epoch, Adam (betas 0.5, 0.9), per-step ExponentialLR on each optimizer. */
export function toyGanConfig(overrides: Partial<ToyGANConfig> = {}): ToyGANConfig {
  return ToyGANConfig.create({
    runName: 'gan',
    epochs: 2,
    batchSize: 8,
    evalBatchSize: 8,
    printStep: 1,
    plotStep: 1,
    saveStep: 1000,
    runEval: true,
    dashboardLogger: 'none',
    optimizer: 'Adam',
    optimizerParams: { betas: [0.5, 0.9] },
    gradClip: [5, 5],
    schedulerAfterEpoch: false,
    seed: 1,
    ...overrides,
  });
}

/** One batch: real samples `[B, 1]` and generator noise `[B, 4]`. */
export interface GanBatch extends Batch {
  real: torch.Tensor;
  noise: torch.Tensor;
}

/** What each step hands on: the generator's samples `[B, 1]`. */
export interface GanOutputs {
  fake: torch.Tensor;
}

/** A deterministic normal sampler (Box-Muller on a 32-bit LCG). */
function normals(seed: number, n: number): Float32Array {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

class Discriminator extends Module {
  readonly l1 = this.registerModule('l1', new Linear(1, 8));
  readonly l2 = this.registerModule('l2', new Linear(8, 1));

  /** samples `[B, 1]` -> logits `[B, 1]` (> 0: real). */
  forward(x: torch.Tensor): torch.Tensor {
    return this.l2.forward(this.l1.forward(x).tanh());
  }
}

export class ToyGAN extends BaseTrainerModel<ToyGANConfig, GanBatch, GanOutputs, null> {
  readonly outputKind = 'waveform';
  readonly gen = this.registerModule('gen', new Linear(4, 1));
  readonly disc = this.registerModule('disc', new Discriminator());
  /** Whether the discriminator trains in this step (Coqui's `train_disc`). */
  trainDisc = false;
  /** `optimizerIdx` of every `trainStep` call and whether it was skipped, in order. */
  readonly calls: string[] = [];

  override optimizerGroups(): OptimizerGroups {
    return { generator: this.gen.parameters(), discriminator: this.disc.parameters() };
  }

  onTrainStepStart(ctx: TrainerContext): void {
    this.trainDisc = ctx.step >= this.config.stepsToStartDiscriminator;
  }

  formatBatch(batch: Batch): GanBatch {
    return batch as GanBatch;
  }

  trainStep(
    batch: GanBatch,
    _criterion: null,
    optimizerIdx: number,
    previous: ReadonlyArray<GanOutputs | null>,
  ): StepResult<GanOutputs> | null {
    if (optimizerIdx === 0) {
      // generator: match the real mean, and fool the discriminator once it trains
      const fake = this.gen.forward(batch.noise);
      const mse = fake.mean().sub(batch.real.mean()).square();
      const scoreFake = this.disc.forward(fake).mean();
      const loss = this.trainDisc ? mse.add(torch.F.softplus(scoreFake.neg())) : mse;
      this.calls.push('0');
      return { outputs: { fake }, lossDict: { loss, mse, score_fake: scoreFake } };
    }
    if (!this.trainDisc) {
      this.calls.push('1:skip');
      return null;
    }
    const generated = previous[0];
    if (!generated) throw new Error('the discriminator step needs the generator step of the same batch');
    const fake = generated.fake.detach();
    const scoreFake = this.disc.forward(fake).mean();
    const scoreReal = this.disc.forward(batch.real).mean();
    const loss = torch.F.softplus(scoreReal.neg()).add(torch.F.softplus(scoreFake));
    this.calls.push('1');
    return { outputs: { fake }, lossDict: { loss, score_fake: scoreFake, score_real: scoreReal } };
  }

  /** As training, with the discriminator on (Coqui's GAN evaluates both losses always). */
  evalStep(
    batch: GanBatch,
    criterion: null,
    optimizerIdx: number,
    previous: ReadonlyArray<GanOutputs | null>,
  ): StepResult<GanOutputs> | null {
    const was = this.trainDisc;
    this.trainDisc = true;
    const calls = this.calls.length;
    const out = this.trainStep(batch, criterion, optimizerIdx, previous);
    this.calls.length = calls;
    this.trainDisc = was;
    return out;
  }

  /** Logs the generator's mean sample (so tests can see which outputs arrive). */
  override trainLog(
    batch: GanBatch,
    outputs: LogOutputs<GanOutputs>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#log('train', batch, outputs, logger, step);
  }

  override evalLog(
    batch: GanBatch,
    outputs: LogOutputs<GanOutputs>,
    logger: ModelLogger,
    step: number,
  ): void {
    this.#log('eval', batch, outputs, logger, step);
  }

  #log(prefix: string, _batch: GanBatch, outputs: LogOutputs<GanOutputs>, logger: ModelLogger, step: number) {
    const list = Array.isArray(outputs) ? outputs : [outputs];
    for (const [i, o] of list.entries())
      if (o) logger.scalar(`${prefix}/fake_mean_${i}`, o.fake.mean().item(), step);
  }

  getCriterion(): null {
    return null;
  }

  async getDataLoader(o: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource> {
    const count = o.isEval ? 2 : 4;
    const make = (epoch: number, i: number): GanBatch => {
      const key = (o.seed * 7919 + (o.isEval ? 104729 : 0) + epoch * 131 + i) * 2654435761;
      const real = normals(key, o.batchSize).map((v) => 3 + 0.5 * v);
      const noise = normals(key + 1, o.batchSize * 4);
      return {
        real: torch.tensor(real, { shape: [o.batchSize, 1] }),
        noise: torch.tensor(noise, { shape: [o.batchSize, 4] }),
      };
    };
    return {
      length: count,
      async *batches(epoch: number, skip = 0) {
        for (let i = skip; i < count; i++) yield make(epoch, i);
      },
    };
  }
}

registerModel<ToyGANConfig>(ToyGANConfig, (config) => new ToyGAN(config));
