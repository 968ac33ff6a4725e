/**
 * Common parts of the TTS models the Trainer drives: optimizer and scheduler from the config's names,
 * batch formatting, data loading hooks. Model-specific logic lives in the model files.
 */
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../torch/nn/index.js';
import { createOptimizer, createScheduler } from '../../torch/optim/index.js';
import type {
  Batch,
  BatchSource,
  Criterion,
  LogAssets,
  ModelLogger,
  StepResult,
  TrainableModel,
  TrainerOptimizer,
  TrainerScheduler,
} from '../../trainer/api.js';

/** The config fields every TTS model reads for training. */
export interface BaseTTSTrainingFields {
  optimizer: string;
  optimizerParams: Record<string, unknown>;
  lrScheduler: string | null;
  lrSchedulerParams: Record<string, unknown>;
  lr: number;
}

/** A batch in the names TTS models use (what `formatBatch` returns). */
export interface TTSBatch extends Batch {
  /** Token ids `[B, T_en]` int64, padded. */
  textInput: Tensor;
  /** `[B]` int64. */
  textLengths: Tensor;
  /** Mel frames `[B, T_de, C]`. */
  melInput: Tensor;
  /** `[B]` int64. */
  melLengths: Tensor;
  /** `[B]` int64 or null. */
  speakerIds: Tensor | null;
  /** `[B, D]` or null. */
  dVectors: Tensor | null;
}

export abstract class BaseTTS extends Module implements TrainableModel {
  constructor(readonly config: BaseTTSTrainingFields) {
    super();
  }

  /**
   * Maps the data loader's batch (`tokenIds`, `tokenIdsLengths`, `mel`, `melLengths`, ...) or an already
   * formatted one to the TTS names.
   */
  formatBatch(batch: Batch): TTSBatch {
    const b = batch as Record<string, unknown>;
    const pick = (...keys: string[]): Tensor | null => {
      for (const k of keys) if (b[k] !== undefined && b[k] !== null) return b[k] as Tensor;
      return null;
    };
    const required = (...keys: string[]): Tensor => {
      const t = pick(...keys);
      if (t === null) throw new Error(`batch lacks ${keys.join(' / ')}`);
      return t;
    };
    return {
      ...batch,
      textInput: required('textInput', 'tokenIds'),
      textLengths: required('textLengths', 'tokenIdsLengths'),
      melInput: required('melInput', 'mel'),
      melLengths: required('melLengths'),
      speakerIds: pick('speakerIds'),
      dVectors: pick('dVectors'),
    };
  }

  abstract trainStep(batch: Batch, criterion: Criterion, optimizerIdx?: number): StepResult;
  abstract evalStep(batch: Batch, criterion: Criterion, optimizerIdx?: number): StepResult;
  abstract getCriterion(): Criterion;

  trainLog?(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void;
  evalLog?(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void;
  testRun?(step: number): LogAssets;

  /** The optimizer named by `config.optimizer` with `config.optimizerParams` over every parameter. */
  getOptimizer(): TrainerOptimizer {
    return createOptimizer(this.config.optimizer, this.parameters(), {
      lr: this.config.lr,
      ...this.config.optimizerParams,
    }) as TrainerOptimizer;
  }

  /** The scheduler named by `config.lrScheduler` (null when none). */
  getScheduler(optimizer: TrainerOptimizer | TrainerOptimizer[]): TrainerScheduler | null {
    if (!this.config.lrScheduler) return null;
    const opt = Array.isArray(optimizer) ? optimizer[0] : optimizer;
    return createScheduler(this.config.lrScheduler, opt, this.config.lrSchedulerParams) as TrainerScheduler;
  }

  /** Data loading is wired by the recipes / CLI. */
  getDataLoader(_options: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource> {
    return Promise.reject(new Error(`${this.constructor.name}.getDataLoader: not wired yet`));
  }
}
