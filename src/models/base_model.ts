/**
 * The base of every trainable model (Coqui's `BaseTrainerModel`): a `Module` that implements the Trainer's
 * model API (src/trainer/api.ts) with its types fixed by four generics, and builds its optimizers and
 * schedulers from the config:
 *
 * - one optimizer over every parameter from `optimizer`, `optimizerParams`, `lr`, `lrScheduler`,
 *   `lrSchedulerParams` (a list-valued field gives its first entry);
 * - or, when the model names a generator and a discriminator (`optimizerGroups()`, as Coqui's GAN vocoders and
 *   VITS have `model_g`/`model_d`), two: the generator's from `optimizerGen ?? optimizer`,
 *   `optimizerGenParams ?? optimizerParams`, `lrGen`, `lrSchedulerGen`, `lrSchedulerGenParams`, and the
 *   discriminator's from the `...Disc` fields. Coqui's GAN configs name only `optimizer`/`optimizer_params`
 *   (shared) and `lr_gen`/`lr_disc`, `lr_scheduler_gen`/`_disc` with their params; the `optimizerGen/Disc`
 *   fields are optional overrides. The generator is optimizer 0 and the discriminator optimizer 1
 *   (`discriminatorFirst` swaps them: Coqui's `GAN` and `Vits` step the discriminator first).
 *
 * Generics: `C` the config, `B` the formatted batch (what `formatBatch` returns), `O` the outputs of one
 * step, `Cr` the criterion. A model fixes them once (`class GlowTTS extends BaseTTS<GlowTTSConfig, TTSBatch,
 * GlowTTSForwardOutput, GlowTTSLoss>`) and its methods take and return those types without casts.
 */
import type { Tensor } from '../torch/index.ts';
import { Module } from '../torch/nn/index.ts';
import { createOptimizer, createScheduler } from '../torch/optim/index.ts';
import type {
  Batch,
  BatchSource,
  LogAssets,
  LogOutputs,
  ModelLogger,
  OptimizeResult,
  StepResult,
  TrainableModel,
  TrainerContext,
  TrainerOptimizer,
  TrainerScheduler,
  TrainerSettings,
} from '../trainer/api.ts';

/** What a model's inference returns: a mel `[B, T_de, C]` to vocode, or a waveform `[B, 1, T]` to play. */
export type OutputKind = 'mel' | 'waveform';

type OneOrMany<T> = T | readonly T[];
type Params = Record<string, unknown>;

/** The config fields the base reads to build optimizers and schedulers (every `TrainerConfig` has the first five). */
export interface OptimizerConfig {
  /** Optimizer name (Coqui names: 'Adam', 'AdamW', 'RAdam', ...). */
  optimizer?: OneOrMany<string> | null;
  optimizerParams?: OneOrMany<Params> | null;
  /** Learning rate of the single optimizer. */
  lr?: OneOrMany<number>;
  /** Scheduler name ('' or null: none). */
  lrScheduler?: OneOrMany<string> | null;
  lrSchedulerParams?: Params | null;
  /** Generator optimizer name (default: `optimizer`). */
  optimizerGen?: string | null;
  /** Generator optimizer arguments (default: `optimizerParams`). */
  optimizerGenParams?: Params | null;
  /** Discriminator optimizer name (default: `optimizer`). */
  optimizerDisc?: string | null;
  /** Discriminator optimizer arguments (default: `optimizerParams`). */
  optimizerDiscParams?: Params | null;
  lrGen?: number;
  lrDisc?: number;
  lrSchedulerGen?: string | null;
  lrSchedulerGenParams?: Params | null;
  lrSchedulerDisc?: string | null;
  lrSchedulerDiscParams?: Params | null;
}

/** The parameters of each optimizer of a generator/discriminator model. */
export interface OptimizerGroups {
  generator: Iterable<Tensor>;
  discriminator: Iterable<Tensor>;
}

function first<T>(v: OneOrMany<T>): T {
  return Array.isArray(v) ? (v[0] as T) : (v as T);
}

/** The optimizer a config names over `params` (`createOptimizer` with Coqui's names and arguments). */
function buildOptimizer(
  name: string | null | undefined,
  params: Params | null | undefined,
  lr: number | undefined,
  parameters: Iterable<Tensor>,
  what: string,
): TrainerOptimizer {
  if (!name) throw new Error(`the config names no ${what} optimizer`);
  if (typeof lr !== 'number') throw new Error(`the config gives no learning rate for the ${what} optimizer`);
  return createOptimizer(name, parameters, { ...(params ?? {}), lr }) as unknown as TrainerOptimizer;
}

/** The scheduler a config names over `optimizer`, or null when it names none. */
function buildScheduler(
  name: string | null | undefined,
  params: Params | null | undefined,
  optimizer: TrainerOptimizer,
): TrainerScheduler | null {
  if (!name) return null;
  return createScheduler(name, optimizer, params ?? {}) as unknown as TrainerScheduler;
}

export abstract class BaseTrainerModel<
    C extends OptimizerConfig = OptimizerConfig,
    B extends Batch = Batch,
    O = unknown,
    Cr = unknown,
  >
  extends Module
  implements TrainableModel<B, O, Cr>
{
  /** The run config (what gets saved beside the checkpoints). */
  readonly config: C;
  /** What `inference` returns: a mel to vocode or a waveform. */
  abstract readonly outputKind: OutputKind;
  /** With two optimizers: the discriminator is optimizer 0 and the generator 1 (Coqui's GAN and VITS order). */
  protected readonly discriminatorFirst: boolean = false;

  constructor(config: C) {
    super();
    this.config = config;
  }

  /** The data loader's batch in the names the steps use (tensors stay on the CPU; the Trainer moves them). */
  abstract formatBatch(batch: Batch): B;
  /**
   * Outputs and losses of optimizer `optimizerIdx` on a batch (null: skip this optimizer for this batch).
   * `previous[j]` are the outputs of the earlier optimizers' steps of the same batch.
   */
  abstract trainStep(
    batch: B,
    criterion: Cr,
    optimizerIdx: number,
    previous: ReadonlyArray<O | null>,
  ): StepResult<O> | null;
  /** As `trainStep` without gradients (the Trainer runs it under noGrad), with the same loss keys. */
  abstract evalStep(
    batch: B,
    criterion: Cr,
    optimizerIdx: number,
    previous: ReadonlyArray<O | null>,
  ): StepResult<O> | null;
  abstract getCriterion(): Cr;
  abstract getDataLoader(options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource>;

  /** Optional manual optimization (see `TrainableModel.optimize`). */
  optimize?(batch: B, ctx: TrainerContext): OptimizeResult<O> | null;
  /** Figures and audio of a training step (`outputs`: see `LogOutputs`). */
  trainLog?(batch: B, outputs: LogOutputs<O>, logger: ModelLogger, step: number): void;
  evalLog?(batch: B, outputs: LogOutputs<O>, logger: ModelLogger, step: number): void;
  testRun?(step: number): LogAssets | Promise<LogAssets>;

  /**
   * The generator's and the discriminator's parameters of a model trained with two optimizers; null (the
   * default) trains every parameter with one optimizer.
   */
  optimizerGroups(): OptimizerGroups | null {
    return null;
  }

  /** One optimizer, or the generator's and the discriminator's in the model's order (see the file comment). */
  getOptimizer(): TrainerOptimizer | TrainerOptimizer[] {
    const c = this.config;
    const groups = this.optimizerGroups();
    if (!groups) {
      const params = c.optimizerParams ? first(c.optimizerParams) : null;
      return buildOptimizer(
        c.optimizer ? first(c.optimizer) : null,
        params,
        this.getLr(),
        this.parameters(),
        'model',
      );
    }
    const shared = c.optimizerParams ? first(c.optimizerParams) : null;
    const name = c.optimizer ? first(c.optimizer) : null;
    const gen = buildOptimizer(
      c.optimizerGen ?? name,
      c.optimizerGenParams ?? shared,
      c.lrGen,
      groups.generator,
      'generator',
    );
    const disc = buildOptimizer(
      c.optimizerDisc ?? name,
      c.optimizerDiscParams ?? shared,
      c.lrDisc,
      groups.discriminator,
      'discriminator',
    );
    return this.discriminatorFirst ? [disc, gen] : [gen, disc];
  }

  /** The single optimizer's initial learning rate (the first one when the config lists one per optimizer). */
  getLr(): number | undefined {
    return this.config.lr === undefined ? undefined : first(this.config.lr);
  }

  /**
   * The config's scheduler for each optimizer (null where it names none): `lrScheduler` for one optimizer,
   * `lrSchedulerGen`/`lrSchedulerDisc` on the generator's and the discriminator's for two.
   */
  getScheduler(
    optimizer: TrainerOptimizer | TrainerOptimizer[],
  ): TrainerScheduler | (TrainerScheduler | null)[] | null {
    const c = this.config;
    const opts = Array.isArray(optimizer) ? optimizer : [optimizer];
    if (opts.length === 1) {
      return buildScheduler(c.lrScheduler ? first(c.lrScheduler) : null, c.lrSchedulerParams, opts[0]);
    }
    const [genIdx, discIdx] = this.discriminatorFirst ? [1, 0] : [0, 1];
    const out: (TrainerScheduler | null)[] = [null, null];
    out[genIdx] = buildScheduler(c.lrSchedulerGen, c.lrSchedulerGenParams, opts[genIdx]);
    out[discIdx] = buildScheduler(c.lrSchedulerDisc, c.lrSchedulerDiscParams, opts[discIdx]);
    return out;
  }
}

/** Any model built on the base (what the registry stores and `ribbit train` trains); its config has the Trainer's settings. */
export type AnyModel = BaseTrainerModel<OptimizerConfig & TrainerSettings, Batch, unknown, unknown>;
