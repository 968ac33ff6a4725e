/**
 * What the Trainer needs from a model, a criterion, optimizers and schedulers (Coqui's Trainer protocol in
 * camelCase). `BaseTrainerModel` (src/models/base_model.ts) implements the model side; anything implementing
 * `TrainableModel` can be trained (a TTS model, a GAN vocoder, a speaker encoder, a toy model).
 *
 * Multi-optimizer protocol (Coqui's `Trainer.train_step`): for each batch the Trainer calls
 * `trainStep(batch, criterion, i, previous)` for every optimizer i in order, all inside ONE tensor scope: step i
 * runs its own backward, clip, optimizer step and zeroGrad before step i + 1 starts; `previous[j]` holds the
 * outputs of step j < i of the same batch (null where skipped). A step returns null to skip its optimizer
 * (no backward, no optimizer or scheduler step). Every tensor made during the batch is released after it.
 */
import type { Tensor } from '../torch/index.ts';

/** Named losses of one step: `loss` is what is optimised; every item is logged. Values are 0-d tensors. */
export type LossDict = { loss: Tensor } & Record<string, Tensor>;

/** What `trainStep`/`evalStep` return. `outputs` is whatever `trainLog`/`evalLog` want to see. */
export interface StepResult<O = unknown> {
  outputs: O;
  lossDict: LossDict;
}

/**
 * What `trainLog`/`evalLog` receive as `outputs`: the step's outputs for a one-optimizer model, and for a
 * model with several optimizers an array indexed by optimizer (null where that optimizer was skipped), as
 * Coqui passes `outputs_per_optimizer`.
 */
export type LogOutputs<O> = O | ReadonlyArray<O | null>;

/** What a model's own `optimize()` returns: outputs for the logs and loss items (numbers or 0-d tensors). */
export interface OptimizeResult<O = unknown> {
  outputs: LogOutputs<O>;
  lossDict: Record<string, number | Tensor>;
}

/** A loss function object; models define its call signature (a model's `Cr` generic types it). */
export type Criterion = unknown;

/** The optimizer surface the Trainer drives (src/torch/optim implements it). */
export interface TrainerOptimizer {
  step(): void;
  zeroGrad(): void;
  /** The parameters this optimizer updates (for gradient clipping). */
  parameters(): Iterable<Tensor>;
  /** Current learning rate of each param group. */
  getLr(): number[];
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

/** The scheduler surface the Trainer drives. */
export interface TrainerScheduler {
  step(): void;
  getLastLr(): number[];
  stateDict(): unknown;
  loadStateDict(state: unknown): void;
}

/** Images and audio a model hands to the dashboard. */
export interface LogAssets {
  /** Heat maps (spectrograms, alignments): row-major values [H, W]. */
  figures?: Record<string, { data: Float32Array; height: number; width: number }>;
  /** Mono audio in [-1, 1]. */
  audios?: Record<string, Float32Array>;
  /** Sample rate of `audios`, Hz. */
  sampleRate?: number;
}

/** Where models log during `trainLog`/`evalLog`/`testRun` (the Trainer's dashboard). */
export interface ModelLogger {
  scalar(tag: string, value: number, step: number): void;
  figure(tag: string, fig: { data: Float32Array; height: number; width: number }, step: number): void;
  audio(tag: string, samples: Float32Array, sampleRate: number, step: number): void;
}

/** Where the Trainer runs: 'cpu', 'cuda' (device 0) or 'cuda:N'. */
export type TrainerDevice = 'cpu' | 'cuda' | `cuda:${number}`;

/** The Trainer's settings (a TrainerConfig provides them). */
export interface TrainerSettings {
  outputPath: string;
  runName: string;
  /** Notes about the run, printed when training starts (unless Coqui's default). */
  runDescription?: string;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  printStep: number;
  plotStep: number;
  saveStep: number;
  saveNCheckpoints: number;
  saveCheckpoints: boolean;
  saveBestAfter: number;
  saveAllBest: boolean;
  runEval: boolean;
  /** Run eval every N global steps as well as at epoch ends (null: epoch ends only). */
  runEvalSteps: number | null;
  testDelayEpochs: number;
  /** Gradient-norm clip; a list gives one per optimizer (<= 0: off). */
  gradClip: number | number[] | null;
  gradAccumSteps: number;
  schedulerAfterEpoch: boolean;
  seed: number;
  /**
   * The averaged loss item that decides the best model. Default (null): `loss` with one optimizer, the mean of
   * the `loss_<i>` items with several (Coqui's `_pick_target_avg_loss`).
   */
  targetLoss: string | null;
  dashboardLogger: 'tensorboard' | 'none';
  /** Save a checkpoint when Ctrl-C stops the run (default true). */
  saveOnInterrupt?: boolean;
  /** Print the loss items (and running averages) of every eval step, not only the final averages. */
  printEval?: boolean;
  /** Where the model and each batch's tensors live (default 'cpu'). */
  device?: string;
}

/**
 * What callbacks and a model's `optimize()` see of the Trainer (the Trainer class implements it; nothing
 * here depends on it, so there is no type cycle between the model API and the Trainer).
 */
export interface TrainerContext {
  /** Global optimizer steps done. */
  readonly step: number;
  /** Epochs done. */
  readonly epoch: number;
  readonly config: TrainerSettings;
  /** The run folder. */
  readonly runPath: string;
  readonly model: TrainableModel;
  /** In the model's order (index = `optimizerIdx`). */
  readonly optimizers: readonly TrainerOptimizer[];
  /** One per optimizer (null: that optimizer has none). */
  readonly schedulers: readonly (TrainerScheduler | null)[];
  /** What the model's `getCriterion()` returned. */
  readonly criterion: unknown;
  readonly logger: ModelLogger;
  /** Stops `fit()` after the current optimizer step, saving a checkpoint that resumes exactly. */
  requestStop(): void;
  /** Prints a line on the console and in the run log. */
  line(text: string): void;
}

/** Hooks the Trainer calls on the model, the criterion, the optimizers and user callbacks. */
export interface TrainerCallbacks {
  onInitStart?(trainer: TrainerContext): void;
  onInitEnd?(trainer: TrainerContext): void;
  onEpochStart?(trainer: TrainerContext): void;
  onEpochEnd?(trainer: TrainerContext): void;
  onTrainEpochStart?(trainer: TrainerContext): void;
  onTrainEpochEnd?(trainer: TrainerContext): void;
  onTrainStepStart?(trainer: TrainerContext): void;
  onTrainStepEnd?(trainer: TrainerContext): void;
  onKeyboardInterrupt?(trainer: TrainerContext): void;
  beforeBackwardPass?(lossDict: LossDict, optimizer: TrainerOptimizer): void;
  beforeGradientClipping?(trainer: TrainerContext): void;
}

/** A batch is whatever the model's data loader yields; formatBatch may reshape it. */
export type Batch = Record<string, unknown>;

/** A data source the Trainer iterates once per epoch. */
export interface BatchSource {
  /** Number of batches per epoch. */
  readonly length: number;
  /** Batches of epoch `epoch` in a deterministic order for a given seed, skipping the first `skip`. */
  batches(epoch: number, skip?: number): AsyncIterable<Batch>;
}

/**
 * The model API the Trainer drives (Coqui's BaseTrainerModel, in camelCase), generic over the formatted
 * batch `B`, the step outputs `O` and the criterion `Cr` (`BaseTrainerModel` fixes them per model, so model
 * code needs no casts).
 */
export interface TrainableModel<B = Batch, O = unknown, Cr = unknown> extends TrainerCallbacks {
  train(): void;
  eval(): void;
  parameters(): Tensor[];
  stateDict(): Map<string, Tensor>;
  loadStateDict(sd: Map<string, Tensor>, options?: { strict?: boolean }): unknown;
  /** Moves parameters and buffers to a device ('cpu', 'cuda:0'); the Trainer calls it before `getOptimizer`. */
  to?(device: string): unknown;
  formatBatch?(batch: Batch): B;
  /**
   * Outputs and losses of optimizer `optimizerIdx` (0 with one optimizer) on a batch; null skips that
   * optimizer for this batch. `previous[j]` are the outputs of the earlier optimizer steps of this batch.
   */
  trainStep(
    batch: B,
    criterion: Cr,
    optimizerIdx: number,
    previous: ReadonlyArray<O | null>,
  ): StepResult<O> | null;
  /** As `trainStep`, without gradients (the Trainer runs it under noGrad); the same loss keys. */
  evalStep(
    batch: B,
    criterion: Cr,
    optimizerIdx: number,
    previous: ReadonlyArray<O | null>,
  ): StepResult<O> | null;
  /**
   * Optional manual path (Coqui's `optimize(batch, trainer)`): when defined, it replaces the Trainer's
   * per-optimizer loop. It runs its own forward, backward and optimizer steps through `ctx.optimizers`
   * (and per-step schedulers through `ctx.schedulers`) and returns what to log; null skips the batch (no
   * global step is counted). `gradAccumSteps` must be 1.
   */
  optimize?(batch: B, ctx: TrainerContext): OptimizeResult<O> | null;
  trainLog?(batch: B, outputs: LogOutputs<O>, logger: ModelLogger, step: number): void;
  evalLog?(batch: B, outputs: LogOutputs<O>, logger: ModelLogger, step: number): void;
  /** Test-time synthesis after each epoch (from `testDelayEpochs` on); runs in eval mode. */
  testRun?(step: number): LogAssets | Promise<LogAssets>;
  getOptimizer(): TrainerOptimizer | TrainerOptimizer[];
  /** One scheduler per optimizer (an array with null entries for optimizers without one), or null for none. */
  getScheduler?(
    optimizer: TrainerOptimizer | TrainerOptimizer[],
  ): TrainerScheduler | (TrainerScheduler | null)[] | null;
  getCriterion(): Cr;
  getDataLoader(options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource>;
}
