/**
 * The generic Trainer: drives any `TrainableModel` through epochs of `trainStep`/`evalStep`, with gradient
 * accumulation and clipping, one or several optimizers (Coqui's multi-optimizer protocol, see api.ts) or the
 * model's own `optimize()`, schedulers, callbacks, console/TensorBoard logging, atomic checkpoints, best-model
 * tracking, Ctrl-C handling, exact resume (`continuePath`), fine-tuning from weights (`restorePath`) and a
 * device ('cpu', 'cuda:N').
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { toPythonJson } from '../config/json.ts';
import { DEFAULT_RUN_DESCRIPTION } from '../config/shared.ts';
import * as torch from '../torch/index.ts';
import type { LoadStateDictReport } from '../torch/nn/index.ts';
import { writeFileAtomicSync } from '../util/atomic.ts';
import { onStopSignals, signalExitCode } from '../util/signals.ts';
import type {
  Batch,
  BatchSource,
  LogAssets,
  ModelLogger,
  TrainableModel,
  TrainerCallbacks,
  TrainerContext,
  TrainerOptimizer,
  TrainerScheduler,
  TrainerSettings,
} from './api.ts';
import {
  incompleteCheckpointFiles,
  listCheckpoints,
  loadCheckpoint,
  loadCheckpointWeights,
  pruneCheckpoints,
  saveCheckpoint,
  type TrainingState,
} from './checkpoint.ts';
import { ConsoleLogger, formatDuration, RunningAverage } from './console.ts';
import { type Dashboard, NullDashboard, openDashboard } from './dashboard.ts';
import { batchToDevice, checkDevice } from './device.ts';

export type { TrainerSettings } from './api.ts';

export interface TrainerOptions {
  /** The settings; typically the whole model config (it is saved as config.json in the run folder). */
  config: TrainerSettings;
  model: TrainableModel;
  /** Resume this run folder exactly (model, optimizers, schedulers, RNG, step, epoch, best loss). */
  continuePath?: string | null;
  /** Start a new run from these weights (a checkpoint); mismatching tensors are skipped and reported. */
  restorePath?: string | null;
  /** Extra callbacks (user functions). */
  callbacks?: TrainerCallbacks[];
  /** No terminal output (the log file is still written). */
  quiet?: boolean;
  /** Where terminal output goes (default process.stdout; the progress bar is drawn on a TTY only). */
  stream?: NodeJS.WriteStream;
  /** Override the run folder (default `outputPath/runName-<date>`). */
  runPath?: string;
  /**
   * Stop once the global step (optimizer steps, see `Trainer.step`) reaches this, mid-epoch or not: the
   * checkpoint of that step is saved and `continuePath` goes on from it exactly, as after `requestStop()`.
   */
  maxSteps?: number | null;
  /**
   * Where the model and each batch's tensors live: 'cpu' (default), 'cuda' or 'cuda:N'. Checked when the
   * Trainer is made (a clear error when libtorch has no CUDA); the model moves there before `getOptimizer`.
   */
  device?: string;
}

/** What `restorePath` loaded: model keys restored, checkpoint keys skipped (with why), model keys left as they were. */
export interface RestoreReport {
  path: string;
  restored: string[];
  skipped: string[];
  missing: string[];
}

/** Why `fit()` stopped before `epochs`. */
export type StopReason = 'interrupt' | 'request' | 'maxSteps';

function runFolderName(runName: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${runName}-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates `outputPath/runName-<date>` (with `-2`, `-3`, ... when a run started in the same second already has
 * it: two runs never share a folder) and returns its path.
 */
function newRunFolder(outputPath: string, runName: string): string {
  mkdirSync(outputPath, { recursive: true });
  const base = join(outputPath, runFolderName(runName));
  for (let n = 1; ; n++) {
    const path = n === 1 ? base : `${base}-${n}`;
    try {
      mkdirSync(path);
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function asArray<T>(v: T | T[] | null | undefined): T[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Loss items as plain numbers. */
function lossItems(lossDict: Record<string, number | torch.Tensor>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(lossDict)) out[k] = typeof v === 'number' ? v : v.item();
  return out;
}

/**
 * Adds the loss items of optimizer `idx` (of `count`) to the batch's items, Coqui's rule: with one optimizer
 * as they are; with several, `loss` becomes `loss_<idx>`, `grad_norm` becomes `grad_norm_<idx>`, and a key an
 * earlier optimizer of the batch already produced gets the suffix `-<idx>`. Train and eval use the same rule.
 */
export function mergeLossItems(
  into: Record<string, number>,
  items: Record<string, number>,
  idx: number,
  count: number,
): void {
  for (const [k, v] of Object.entries(items)) {
    let key = k;
    if (count > 1 && (k === 'loss' || k === 'grad_norm')) key = `${k}_${idx}`;
    if (count > 1 && key in into) key = `${key}-${idx}`;
    into[key] = v;
  }
}

export class Trainer implements TrainerContext {
  readonly config: TrainerSettings;
  readonly model: TrainableModel;
  readonly runPath: string;
  readonly console: ConsoleLogger;
  dashboard: Dashboard = new NullDashboard();
  optimizers: TrainerOptimizer[] = [];
  /** One per optimizer (null: that optimizer has none). */
  schedulers: (TrainerScheduler | null)[] = [];
  criterion: unknown;
  /** Where the model and batches live ('cpu' or 'cuda:N'). */
  readonly device: string;
  /**
   * Global optimizer steps done. With `gradAccumSteps` N, one step is N batches (the last batch of an epoch
   * always ends a step, so an epoch of B batches is ceil(B / N) steps); `printStep`, `plotStep`, `saveStep`,
   * `runEvalSteps`, `saveBestAfter`, `maxSteps` and checkpoint names count these steps, not batches.
   */
  step = 0;
  epoch = 0;
  batchInEpoch = 0;
  bestLoss: number | null = null;
  bestStep: number | null = null;
  /** What `restorePath` loaded (null without one). */
  restoreReport: RestoreReport | null = null;
  /** Averages of the last eval run. */
  lastEval: Record<string, number> | null = null;
  /** Train loss averages of the epoch so far. */
  readonly trainAverages = new RunningAverage();
  #stop: StopReason | null = null;
  #stopSignal: NodeJS.Signals | null = null;
  readonly #maxSteps: number | null;
  readonly #callbacks: TrainerCallbacks[];
  readonly #continuePath: string | null;
  readonly #restorePath: string | null;
  #trainSource: BatchSource | null = null;
  #evalSource: BatchSource | null = null;

  constructor(options: TrainerOptions) {
    this.config = options.config;
    this.model = options.model;
    this.#continuePath = options.continuePath ?? null;
    this.#restorePath = options.restorePath ?? null;
    this.#callbacks = options.callbacks ?? [];
    this.#maxSteps = options.maxSteps ?? null;
    this.device = checkDevice(options.device ?? 'cpu');
    if (this.#continuePath) {
      if (!existsSync(this.#continuePath))
        throw new Error(`--continue-path ${this.#continuePath} does not exist`);
      this.runPath = this.#continuePath;
    } else {
      this.runPath = options.runPath ?? newRunFolder(this.config.outputPath, this.config.runName);
    }
    mkdirSync(this.runPath, { recursive: true });
    this.console = new ConsoleLogger({
      logFile: join(this.runPath, 'trainer_0_log.txt'),
      quiet: options.quiet,
      stream: options.stream,
    });
  }

  /** Calls `name` on the model, the criterion, every optimizer and the user callbacks. */
  #callback(name: Exclude<keyof TrainerCallbacks, 'beforeBackwardPass'>): void {
    const targets: unknown[] = [this.model, this.criterion, ...this.optimizers, ...this.#callbacks];
    for (const t of targets) {
      const fn = (t as Record<string, unknown> | null)?.[name];
      if (typeof fn === 'function') fn.call(t, this);
    }
  }

  /** Sets everything up: seeds, run folder, optimizers, schedulers, data, restored state. */
  async init(): Promise<void> {
    const c = this.config;
    torch.manualSeed(c.seed);
    this.#callback('onInitStart');
    if (!this.#continuePath) {
      writeFileAtomicSync(join(this.runPath, 'config.json'), toPythonJson(c));
    }
    if (this.device !== 'cpu') {
      if (!this.model.to) throw new Error(`the model has no to(device): it cannot train on ${this.device}`);
      this.model.to(this.device);
    }
    this.criterion = this.model.getCriterion();
    this.optimizers = asArray(this.model.getOptimizer());
    this.schedulers = this.#alignSchedulers(
      this.model.getScheduler?.(this.optimizers.length === 1 ? this.optimizers[0] : this.optimizers) ?? null,
    );
    if (this.optimizers.length > 1 && c.gradAccumSteps > 1) {
      throw new Error(
        `gradAccumSteps is ${c.gradAccumSteps}, but gradient accumulation works with one optimizer only (the model has ${this.optimizers.length}): set it to 1`,
      );
    }
    if (this.model.optimize && c.gradAccumSteps > 1) {
      throw new Error(
        `gradAccumSteps is ${c.gradAccumSteps}, but the model drives its own optimizers (optimize()): set it to 1`,
      );
    }
    if (this.#restorePath) this.#restoreWeights(this.#restorePath);
    if (this.#continuePath) this.#resume(this.#continuePath);
    this.#trainSource = await this.model.getDataLoader({
      isEval: false,
      batchSize: c.batchSize,
      seed: c.seed,
    });
    if (c.runEval) {
      this.#evalSource = await this.model.getDataLoader({
        isEval: true,
        batchSize: c.evalBatchSize,
        seed: c.seed,
      });
    }
    this.dashboard = c.dashboardLogger === 'tensorboard' ? openDashboard(this.runPath) : new NullDashboard();
    const nParams = this.model.parameters().reduce((n, p) => n + p.numel, 0);
    this.console.line(` > Run folder: ${this.runPath}`);
    if (c.runDescription && c.runDescription !== DEFAULT_RUN_DESCRIPTION) {
      this.console.line(` > ${c.runName}: ${c.runDescription}`);
    }
    this.console.line(
      ` > Model has ${nParams.toLocaleString('en-US')} parameters; ${this.#trainSource.length} batches per epoch; ` +
        `${torch.getNumThreads()} threads on ${hostname()}${this.device === 'cpu' ? '' : `, device ${this.device}`}`,
    );
    this.#callback('onInitEnd');
  }

  /** The model's schedulers, one per optimizer (null where an optimizer has none). */
  #alignSchedulers(s: TrainerScheduler | (TrainerScheduler | null)[] | null): (TrainerScheduler | null)[] {
    const n = this.optimizers.length;
    if (s === null) return this.optimizers.map(() => null);
    if (!Array.isArray(s)) {
      if (n !== 1)
        throw new Error(
          `getScheduler() returned one scheduler for ${n} optimizers: return one per optimizer`,
        );
      return [s];
    }
    if (s.length !== n) throw new Error(`getScheduler() returned ${s.length} schedulers for ${n} optimizers`);
    return s;
  }

  /**
   * Loads the weights of a checkpoint (or a plain `.safetensors` state dict) that fit the model: keys of the
   * same shape are copied; other keys are skipped and model keys without a value keep their initial values,
   * both reported on the console and in `restoreReport`.
   */
  #restoreWeights(path: string): void {
    const { weights, path: weightsPath } = loadCheckpointWeights(path);
    const own = this.model.stateDict();
    const usable = new Map<string, torch.Tensor>();
    const skipped: string[] = [];
    const mismatched = new Set<string>();
    for (const [k, v] of weights) {
      const mine = own.get(k);
      if (mine && mine.shape.join(',') !== v.shape.join(',')) {
        skipped.push(`${k} (shape [${v.shape}] vs model [${mine.shape}])`);
        mismatched.add(k);
      } else {
        // Unknown keys go through too: the model may adapt them (weight-norm key schemes) or report them.
        usable.set(k, v);
      }
    }
    const result = this.model.loadStateDict(usable, { strict: false }) as Partial<LoadStateDictReport> | null;
    let missing: string[];
    let unexpected: string[];
    if (result && Array.isArray(result.missing) && Array.isArray(result.unexpected)) {
      missing = result.missing.filter((k) => !mismatched.has(k));
      unexpected = result.unexpected;
      for (const m of result.mismatched ?? [])
        skipped.push(`${m.key} (shape [${m.got}] vs model [${m.expected}])`);
    } else {
      missing = [...own.keys()].filter((k) => !weights.has(k));
      unexpected = [...weights.keys()].filter((k) => !own.has(k));
    }
    for (const k of unexpected) skipped.push(`${k} (not in the model)`);
    const notRestored = new Set([...missing, ...mismatched]);
    const restored = [...own.keys()].filter((k) => !notRestored.has(k));
    for (const t of weights.values()) t.dispose();
    this.restoreReport = { path: weightsPath, restored, skipped, missing };
    this.console.line(` > Restored ${restored.length} of ${own.size} tensors from ${weightsPath}`);
    if (skipped.length) this.console.line(` > Skipped ${skipped.length}: ${skipped.join(', ')}`);
    if (missing.length)
      this.console.line(` > Kept initial values for ${missing.length}: ${missing.join(', ')}`);
  }

  #resume(runPath: string): void {
    const latest = listCheckpoints(runPath).at(-1);
    if (!latest) throw new Error(`--continue-path ${runPath}: no checkpoint_<step>.json in that folder`);
    const incomplete = incompleteCheckpointFiles(runPath);
    for (const f of incomplete) rmSync(f, { force: true });
    if (incomplete.length) {
      this.console.line(
        ` > Removed ${incomplete.length} file(s) of checkpoint writes that never finished: ${incomplete.map((f) => basename(f)).join(', ')}`,
      );
    }
    const { weights, state } = loadCheckpoint(latest.jsonPath);
    this.model.loadStateDict(weights, { strict: true });
    for (const [i, s] of state.optimizers.entries()) this.optimizers[i]?.loadStateDict(s);
    for (const [i, s] of state.schedulers.entries()) if (s !== null) this.schedulers[i]?.loadStateDict(s);
    if (state.rngState) torch.setRngState(state.rngState);
    if (state.trainAverages) this.trainAverages.loadStateDict(state.trainAverages);
    this.step = state.step;
    this.epoch = state.epoch;
    this.batchInEpoch = state.batchInEpoch;
    this.bestLoss = state.bestLoss;
    this.bestStep = state.bestStep;
    this.console.line(` > Resumed ${latest.name} (epoch ${this.epoch}, step ${this.step})`);
  }

  #state(): TrainingState {
    return {
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      bestLoss: this.bestLoss,
      bestStep: this.bestStep,
      optimizers: this.optimizers.map((o) => o.stateDict()),
      schedulers: this.schedulers.map((s) => (s ? s.stateDict() : null)),
      rngState: torch.getRngState(),
      trainAverages: this.trainAverages.stateDict(),
      config: this.config,
    };
  }

  /** Writes `checkpoint_<step>` and prunes to the newest `saveNCheckpoints`. */
  saveCheckpoint(): void {
    const name = `checkpoint_${this.step}`;
    const state = this.#state();
    saveCheckpoint(this.runPath, name, this.model.stateDict(), state);
    state.rngState?.dispose();
    pruneCheckpoints(this.runPath, Math.max(1, this.config.saveNCheckpoints));
    this.console.line(` > Checkpoint saved: ${join(this.runPath, name)}.safetensors`);
  }

  #maybeSaveBest(loss: number): void {
    const c = this.config;
    if (this.step < c.saveBestAfter) return;
    if (this.bestLoss !== null && !(loss < this.bestLoss)) return;
    this.bestLoss = loss;
    this.bestStep = this.step;
    const state = this.#state();
    saveCheckpoint(this.runPath, `best_model_${this.step}`, this.model.stateDict(), state);
    state.rngState?.dispose();
    if (!c.saveAllBest) pruneCheckpoints(this.runPath, 1, 'best_model');
    this.console.line(
      ` > Best model so far (${this.#targetName()} ${loss.toFixed(5)}): best_model_${this.step}`,
    );
  }

  #targetName(): string {
    const n = this.optimizers.length;
    return this.config.targetLoss ?? (n > 1 ? `mean of loss_0..loss_${n - 1}` : 'loss');
  }

  /**
   * The averaged value that picks the best model (Coqui's `_pick_target_avg_loss`): `targetLoss` when set;
   * otherwise `loss` with one optimizer and the mean of the `loss_<i>` present with several.
   */
  #targetValue(avg: Record<string, number>): number | undefined {
    if (this.config.targetLoss) return avg[this.config.targetLoss];
    if (this.optimizers.length === 1) return avg.loss;
    const losses = this.optimizers.map((_o, i) => avg[`loss_${i}`]).filter((v) => v !== undefined);
    return losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : undefined;
  }

  /** Prints a line on the console and in the run log. */
  line(text: string): void {
    this.console.line(text);
  }

  /** The formatted batch on the Trainer's device. */
  #prepare(raw: Batch): Batch {
    const batch = this.model.formatBatch ? this.model.formatBatch(raw) : raw;
    return batchToDevice(batch, this.device);
  }

  /** The dashboard wrapped as the ModelLogger models log figures and audio to. */
  get logger(): ModelLogger {
    const d = this.dashboard;
    return {
      scalar: (tag, value, step) => d.scalar(tag, value, step),
      figure: (tag, fig, step) => d.figure(tag, fig, step),
      audio: (tag, samples, sr, step) => d.audio(tag, samples, sr, step),
    };
  }

  /**
   * One batch: every optimizer's step (or accumulation micro-step) in one tensor scope, then `trainLog` when
   * `logStep` is given. Returns the merged loss items (grad norms included), or null when the model's own
   * `optimize()` skipped the batch.
   */
  #trainBatch(raw: Batch, accumulate: boolean, logStep: number | null): Record<string, number> | null {
    return torch.tidy(() => {
      const batch = this.#prepare(raw);
      if (this.model.optimize) {
        const result = this.model.optimize(batch, this);
        if (!result) return null;
        if (logStep !== null) this.model.trainLog?.(batch, result.outputs, this.logger, logStep);
        return lossItems(result.lossDict);
      }
      const c = this.config;
      const count = this.optimizers.length;
      const clips = asArray(c.gradClip);
      const items: Record<string, number> = {};
      const outputs: unknown[] = [];
      for (const [idx, optimizer] of this.optimizers.entries()) {
        const result = this.model.trainStep(batch, this.criterion, idx, outputs);
        outputs.push(result ? result.outputs : null);
        if (!result) continue; // skipped: no backward, no optimizer or scheduler step
        const { lossDict } = result;
        for (const t of [this.model, this.criterion, ...this.#callbacks]) {
          (t as TrainerCallbacks | null)?.beforeBackwardPass?.(lossDict, optimizer);
        }
        const loss = c.gradAccumSteps > 1 ? lossDict.loss.div(c.gradAccumSteps) : lossDict.loss;
        loss.backward();
        const stepItems = lossItems(lossDict);
        if (!accumulate) {
          this.#callback('beforeGradientClipping');
          const clip = clips[idx] ?? clips[0] ?? 0;
          if (clip > 0) {
            const norm = torch.clipGradNorm(optimizer.parameters(), clip);
            if (Number.isFinite(norm)) stepItems.grad_norm = norm;
          }
          optimizer.step();
          optimizer.zeroGrad();
          // A step's backward also reaches parameters of other optimizers (a generator loss through the
          // discriminator): clear every gradient so that the next optimizer starts from zero.
          if (count > 1) for (const p of this.model.parameters()) p.grad = null;
          if (!c.schedulerAfterEpoch) this.schedulers[idx]?.step();
        }
        mergeLossItems(items, stepItems, idx, count);
      }
      if (logStep !== null && this.model.trainLog) {
        const logged = count === 1 ? outputs[0] : outputs;
        if (logged !== null && logged !== undefined) this.model.trainLog(batch, logged, this.logger, logStep);
      }
      return items;
    });
  }

  async #trainEpoch(): Promise<void> {
    const c = this.config;
    const source = this.#trainSource as BatchSource;
    this.model.train();
    const skip = this.batchInEpoch;
    // a mid-epoch resume goes on with the averages of the epoch's first batches (restored from the checkpoint)
    if (skip === 0) this.trainAverages.reset();
    this.#callback('onTrainEpochStart');
    const startedAt = Date.now();
    let loaderStart = performance.now();
    let i = skip;
    for await (const raw of source.batches(this.epoch, skip)) {
      const loaderTime = (performance.now() - loaderStart) / 1000;
      const stepStart = performance.now();
      const accumulate = (i + 1) % Math.max(1, c.gradAccumSteps) !== 0 && i + 1 < source.length;
      this.#callback('onTrainStepStart');
      const plot = !accumulate && (this.step + 1) % c.plotStep === 0;
      const items = this.#trainBatch(raw, accumulate, plot ? this.step + 1 : null);
      disposeBatch(raw);
      i += 1;
      this.batchInEpoch = i;
      const counted = items !== null && !accumulate;
      if (counted) this.step += 1;
      const stepTime = (performance.now() - stepStart) / 1000;
      const values: Record<string, number> = { ...items, step_time: stepTime, loader_time: loaderTime };
      this.trainAverages.update(values);
      this.#callback('onTrainStepEnd');
      const lrs: Record<string, number> = {};
      for (const [k, o] of this.optimizers.entries())
        lrs[this.optimizers.length > 1 ? `current_lr_${k}` : 'current_lr'] = o.getLr()[0];
      this.console.progress(
        ` epoch ${this.epoch + 1}/${c.epochs}`,
        i,
        source.length,
        startedAt,
        this.#progressText(),
      );
      if (counted && this.step % c.printStep === 0) {
        this.console.block(
          ` --> TIME: ${new Date().toISOString().replace('T', ' ').slice(0, 19)} -- STEP: ${i}/${source.length} -- GLOBAL_STEP: ${this.step}`,
          { ...values, ...lrs },
          this.trainAverages.values(),
        );
      }
      if (counted && this.step % c.plotStep === 0) {
        for (const [k, v] of Object.entries({ ...values, ...lrs }))
          this.dashboard.scalar(`TrainIterStats/${k}`, v, this.step);
      }
      if (counted && c.saveCheckpoints && c.saveStep > 0 && this.step % c.saveStep === 0)
        this.saveCheckpoint();
      if (counted && c.runEval && c.runEvalSteps && this.step % c.runEvalSteps === 0) {
        await this.evaluate();
        this.model.train();
      }
      if (counted && this.#maxSteps !== null && this.step >= this.#maxSteps) this.#stop ??= 'maxSteps';
      // Stop only between optimizer steps: accumulated gradients are not part of a checkpoint.
      if (this.#stop && !accumulate) break;
      // Let the event loop turn: prefetched batches resolve as microtasks only, and without a macrotask turn
      // neither signals (Ctrl-C) nor the finalizers that free forgotten native tensors would ever run.
      await yieldToEventLoop();
      loaderStart = performance.now();
    }
    this.console.endProgress();
    if (this.#stop) return;
    this.batchInEpoch = 0;
    const avg = this.trainAverages.values();
    for (const [k, v] of Object.entries(avg)) this.dashboard.scalar(`TrainEpochStats/avg_${k}`, v, this.step);
    this.console.block(
      ` > EPOCH ${this.epoch + 1} TRAIN AVERAGES (${formatDuration((Date.now() - startedAt) / 1000)}):`,
      avg,
    );
    this.#callback('onTrainEpochEnd');
  }

  /** Runs the eval set once; logs averages; returns them. */
  async evaluate(): Promise<Record<string, number>> {
    const source = this.#evalSource;
    if (!source) return {};
    this.model.eval();
    const averages = new RunningAverage();
    const startedAt = Date.now();
    let i = 0;
    let logged = false;
    for await (const raw of source.batches(0)) {
      torch.noGrad(() =>
        torch.tidy(() => {
          const batch = this.#prepare(raw);
          const count = this.optimizers.length;
          const items: Record<string, number> = {};
          const outputs: unknown[] = [];
          for (const idx of this.optimizers.keys()) {
            const result = this.model.evalStep(batch, this.criterion, idx, outputs);
            outputs.push(result ? result.outputs : null);
            if (result) mergeLossItems(items, lossItems(result.lossDict), idx, count);
          }
          averages.update(items);
          if (this.config.printEval)
            this.console.block(` --> EVAL STEP ${i + 1}/${source.length}`, items, averages.values());
          const toLog = count === 1 ? outputs[0] : outputs;
          if (!logged && this.model.evalLog && toLog !== null && toLog !== undefined) {
            this.model.evalLog(batch, toLog, this.logger, this.step);
            logged = true;
          }
        }),
      );
      disposeBatch(raw);
      i += 1;
      this.console.progress(' eval', i, source.length, startedAt);
      await yieldToEventLoop();
    }
    this.console.endProgress();
    const avg = averages.values();
    for (const [k, v] of Object.entries(avg)) this.dashboard.scalar(`EvalStats/${k}`, v, this.step);
    this.console.block(' > EVALUATION:', avg);
    this.lastEval = avg;
    const target = this.#targetValue(avg);
    if (target !== undefined) this.#maybeSaveBest(target);
    return avg;
  }

  /** Test-time synthesis (the model's `testRun`, which may be async: it tokenizes and manages its tensors). */
  async #testRun(): Promise<void> {
    if (!this.model.testRun || this.epoch < this.config.testDelayEpochs) return;
    this.model.eval();
    const assets: LogAssets = (await this.model.testRun(this.step)) ?? {};
    for (const [tag, fig] of Object.entries(assets.figures ?? {}))
      this.dashboard.figure(`TestFigures/${tag}`, fig, this.step);
    for (const [tag, a] of Object.entries(assets.audios ?? {})) {
      this.dashboard.audio(`TestAudios/${tag}`, a, assets.sampleRate ?? 22050, this.step);
    }
  }

  /** The progress bar's loss summary: `loss` with one optimizer, each `loss_<i>` averaged so far with several. */
  #progressText(): string {
    const n = this.optimizers.length;
    const keys = n === 1 ? ['loss'] : this.optimizers.map((_o, i) => `loss_${i}`);
    return keys
      .map((k) => [k, this.trainAverages.get(k)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
      .join(' ');
  }

  /**
   * Asks `fit()` to stop after the current optimizer step (finishing a gradient accumulation in progress):
   * it saves a checkpoint (when `saveCheckpoints`) that `continuePath` resumes exactly, mid-epoch included.
   * Callable from any callback.
   */
  requestStop(): void {
    this.#stop ??= 'request';
  }

  /** Why the last `fit()` stopped early (null: it ran to `epochs`). */
  get stopReason(): StopReason | null {
    return this.#stop;
  }

  /** The signal that interrupted the last `fit()` (SIGINT, SIGTERM or SIGHUP; null: none). */
  get stopSignal(): NodeJS.Signals | null {
    return this.#stopSignal;
  }

  /**
   * Trains for `config.epochs` epochs (continuing from the resumed epoch and batch), then saves a final
   * checkpoint. Stops early, after a step, on Ctrl-C, SIGTERM or SIGHUP (all handled alike: the step
   * finishes and a checkpoint is saved; another stop signal a second or more later exits at once with 128 + its
   * number: see src/util/signals.ts),
   * `requestStop()` or `maxSteps`.
   */
  async fit(): Promise<void> {
    if (!this.#trainSource) await this.init();
    this.#stop = this.#maxSteps !== null && this.step >= this.#maxSteps ? 'maxSteps' : null;
    this.#stopSignal = null;
    const removeSignalHandlers = onStopSignals(
      (signal) => {
        this.#stop = 'interrupt';
        this.#stopSignal = signal;
        // after a hang-up the terminal is gone: its write errors must not end the save (the log file keeps all)
        if (signal === 'SIGHUP') this.console.detachTerminal();
        const what = signal === 'SIGINT' ? 'Interrupted' : `Received ${signal}`;
        const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
        this.console.line(
          `\n > ${what}: finishing this step, saving a checkpoint and exiting (${again} again to abort).`,
        );
      },
      (signal) => process.exit(signalExitCode(signal)),
    );
    try {
      while (this.epoch < this.config.epochs && !this.#stop) {
        this.#callback('onEpochStart');
        this.console.line(`\n > EPOCH: ${this.epoch + 1}/${this.config.epochs}`);
        await this.#trainEpoch();
        if (this.#stop) break;
        if (this.config.runEval) await this.evaluate();
        await this.#testRun();
        if (this.config.schedulerAfterEpoch) for (const s of this.schedulers) s?.step();
        this.epoch += 1;
        this.#callback('onEpochEnd');
        this.dashboard.flush();
      }
      const stop = this.stopReason;
      if (stop === 'interrupt') this.#callback('onKeyboardInterrupt');
      else if (stop) this.console.line(` > Stopped at step ${this.step} (${stop}).`);
      const save = stop !== 'interrupt' || (this.config.saveOnInterrupt ?? true);
      if (this.config.saveCheckpoints && save) this.saveCheckpoint();
    } finally {
      removeSignalHandlers();
      this.dashboard.close();
    }
  }
}

/** Signals that stop training as Ctrl-C does (a checkpoint is saved first). */

/** Resolves after the event loop has run its pending I/O, signal and immediate callbacks once. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Releases the tensors of a loader's batch once the step is done (the loader made them for this step only). */
function disposeBatch(batch: Batch): void {
  for (const v of Object.values(batch)) if (torch.isTensor(v) && !v.kept) v.dispose();
}
