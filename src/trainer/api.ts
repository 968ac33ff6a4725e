/**
 * What the Trainer needs from a model, a criterion, optimizers and schedulers. `BaseTTS` implements the model
 * side; anything implementing `TrainableModel` can be trained (a vocoder, a speaker encoder, a toy model).
 */
import type { Tensor } from '../torch/index.js';
import type { Trainer } from './trainer.js';

/** Named losses of one step: `loss` is what is optimised; every item is logged. Values are 0-d tensors. */
export type LossDict = { loss: Tensor } & Record<string, Tensor>;

/** What `trainStep`/`evalStep` return. `outputs` is whatever `trainLog`/`evalLog` want to see. */
export interface StepResult {
  outputs: Record<string, unknown>;
  lossDict: LossDict;
}

/** A loss function object; models define its call signature. */
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

/** Hooks the Trainer calls on the model, the criterion, the optimizers and user callbacks. */
export interface TrainerCallbacks {
  onInitStart?(trainer: Trainer): void;
  onInitEnd?(trainer: Trainer): void;
  onEpochStart?(trainer: Trainer): void;
  onEpochEnd?(trainer: Trainer): void;
  onTrainEpochStart?(trainer: Trainer): void;
  onTrainEpochEnd?(trainer: Trainer): void;
  onTrainStepStart?(trainer: Trainer): void;
  onTrainStepEnd?(trainer: Trainer): void;
  onKeyboardInterrupt?(trainer: Trainer): void;
  beforeBackwardPass?(lossDict: LossDict, optimizer: TrainerOptimizer): void;
  beforeGradientClipping?(trainer: Trainer): void;
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

/** The model API the Trainer drives (Coqui's BaseTrainerModel, in camelCase). */
export interface TrainableModel extends TrainerCallbacks {
  train(): void;
  eval(): void;
  parameters(): Tensor[];
  stateDict(): Map<string, Tensor>;
  loadStateDict(sd: Map<string, Tensor>, options?: { strict?: boolean }): unknown;
  formatBatch?(batch: Batch): Batch;
  trainStep(batch: Batch, criterion: Criterion, optimizerIdx?: number): StepResult;
  evalStep(batch: Batch, criterion: Criterion, optimizerIdx?: number): StepResult;
  trainLog?(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void;
  evalLog?(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void;
  /** Test-time synthesis after each epoch (from `testDelayEpochs` on); runs in eval mode. */
  testRun?(step: number): LogAssets | Promise<LogAssets>;
  getOptimizer(): TrainerOptimizer | TrainerOptimizer[];
  getScheduler?(
    optimizer: TrainerOptimizer | TrainerOptimizer[],
  ): TrainerScheduler | TrainerScheduler[] | null;
  getCriterion(): Criterion;
  getDataLoader(options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource>;
}
