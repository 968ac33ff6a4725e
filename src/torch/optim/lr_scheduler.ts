/**
 * Learning-rate schedulers with PyTorch 1.13's semantics: construction records `initial_lr` in every group
 * and takes the first step (epoch 0); each `step()` advances `lastEpoch` and writes the new rates into the
 * optimizer's groups. The recursive (chainable) formulas PyTorch uses are reproduced as written, so the
 * rates match PyTorch's to the last bits, not only to the closed forms.
 *
 * State dicts use PyTorch's keys (`base_lrs`, `last_epoch`, `_step_count`, `_last_lr`, `gamma`, `T_max`, ...).
 */

import type { Optimizer, ParamGroup } from './optimizer.ts';

/** Python's `%` (the result takes the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** A scheduler's state in PyTorch's layout (JSON values only). */
export type SchedulerStateDict = Record<string, unknown>;

/** Base of all schedulers (torch.optim.lr_scheduler._LRScheduler). */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer<ParamGroup>;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** The epoch (or step) count: 0 after construction. */
  lastEpoch: number;
  /** Number of `step()` calls, the one in the constructor included. */
  stepCount = 0;
  #lastLr: number[] = [];

  /** Scheduler-specific members and their PyTorch state-dict keys. */
  protected abstract readonly stateKeys: Record<string, string>;

  /**
   * Subclasses set their fields and then call `this.initialStep()`. With `lastEpoch = -1` (a fresh run) each
   * group's `initialLr` is set to its `lr` if missing; otherwise every group must already have `initialLr`.
   */
  constructor(optimizer: Optimizer<ParamGroup>, lastEpoch = -1) {
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new Error(
            `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The rates for `lastEpoch` (PyTorch's recursive `get_lr`, reading the groups' current `lr`). */
  protected abstract computeLr(): number[];

  /** The first step, taken at construction. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances one epoch (or step) and sets every group's `lr`. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const values = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.#lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates set by the last `step()`, one per group. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /** The groups' current rates (what `step()` reads in the recursive formulas). */
  protected get groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The state in PyTorch's layout: every field but the optimizer. */
  stateDict(): SchedulerStateDict {
    const sd: SchedulerStateDict = {};
    for (const [member, key] of Object.entries(this.stateKeys)) {
      sd[key] = this.exportValue(member, (this as unknown as Record<string, unknown>)[member]);
    }
    return {
      ...sd,
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      verbose: false,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: [...this.#lastLr],
    };
  }

  /** Restores a state from `stateDict()` or PyTorch (keys it does not know are ignored). */
  loadStateDict(stateDict: unknown): void {
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new TypeError(`${this.constructor.name}.loadStateDict: expected an object`);
    }
    const sd = stateDict as Record<string, unknown>;
    for (const [member, key] of Object.entries(this.stateKeys)) {
      if (key in sd) (this as unknown as Record<string, unknown>)[member] = this.importValue(member, sd[key]);
    }
    if (Array.isArray(sd.base_lrs)) this.baseLrs = sd.base_lrs.map(Number);
    if (sd.last_epoch !== undefined) this.lastEpoch = Number(sd.last_epoch);
    if (sd._step_count !== undefined) this.stepCount = Number(sd._step_count);
    if (Array.isArray(sd._last_lr)) this.#lastLr = sd._last_lr.map(Number);
  }

  /** Hook: a member's value as stored in the state dict. */
  protected exportValue(_member: string, value: unknown): unknown {
    return Array.isArray(value) ? [...value] : value;
  }

  /** Hook: a member's value from a state dict. */
  protected importValue(_member: string, value: unknown): unknown {
    return value;
  }
}

/**
 * Coqui's NoamLR (`TTS/utils/training.py`, trainer's `trainer/torch.py`): with `step = max(lastEpoch, 1)`,
 * `lr = baseLr * warmupSteps**0.5 * min(step * warmupSteps**-1.5, step**-0.5)` — linear warm-up to `baseLr`
 * at `warmupSteps`, then inverse square-root decay.
 */
export class NoamLR extends LRScheduler {
  warmupSteps: number;
  protected readonly stateKeys = { warmupSteps: 'warmup_steps' };

  constructor(optimizer: Optimizer<ParamGroup>, options: { warmupSteps?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.warmupSteps = options.warmupSteps ?? 0.1;
    if (!(this.warmupSteps > 0))
      throw new RangeError(`NoamLR: invalid warmupSteps ${this.warmupSteps} (> 0)`);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const step = Math.max(this.lastEpoch, 1);
    const w = this.warmupSteps;
    return this.baseLrs.map((base) => base * w ** 0.5 * Math.min(step * w ** -1.5, step ** -0.5));
  }
}

/** torch.optim.lr_scheduler.ExponentialLR: `lr *= gamma` every step. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  protected readonly stateKeys = { gamma: 'gamma' };

  constructor(optimizer: Optimizer<ParamGroup>, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

/** torch.optim.lr_scheduler.StepLR: `lr *= gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  protected readonly stateKeys = { stepSize: 'step_size', gamma: 'gamma' };

  constructor(
    optimizer: Optimizer<ParamGroup>,
    options: { stepSize: number; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    if (!(Number.isInteger(this.stepSize) && this.stepSize > 0)) {
      throw new RangeError(`StepLR: invalid stepSize ${this.stepSize} (a positive integer)`);
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

/** torch.optim.lr_scheduler.MultiStepLR: `lr *= gamma` at each milestone (repeated milestones count). */
export class MultiStepLR extends LRScheduler {
  /** Milestone → how many times it was given (PyTorch's Counter). */
  milestones: Map<number, number>;
  gamma: number;
  protected readonly stateKeys = { milestones: 'milestones', gamma: 'gamma' };

  constructor(
    optimizer: Optimizer<ParamGroup>,
    options: { milestones: number[]; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.milestones = new Map();
    for (const m of options.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma ** count);
  }

  /** Milestones as PyTorch's Counter reads in JSON: {"30": 1, "80": 1}. */
  protected override exportValue(member: string, value: unknown): unknown {
    if (member === 'milestones') {
      return Object.fromEntries([...(value as Map<number, number>)].map(([m, c]) => [String(m), c]));
    }
    return super.exportValue(member, value);
  }

  protected override importValue(member: string, value: unknown): unknown {
    if (member !== 'milestones') return value;
    const out = new Map<number, number>();
    if (Array.isArray(value)) {
      for (const m of value) out.set(Number(m), (out.get(Number(m)) ?? 0) + 1);
    } else if (value instanceof Map) {
      for (const [m, c] of value) out.set(Number(m), Number(c));
    } else if (value !== null && typeof value === 'object') {
      for (const [m, c] of Object.entries(value)) out.set(Number(m), Number(c));
    }
    return out;
  }
}

/** torch.optim.lr_scheduler.CosineAnnealingLR (PyTorch's recursive form, no restarts). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  protected readonly stateKeys = { tMax: 'T_max', etaMin: 'eta_min' };

  constructor(
    optimizer: Optimizer<ParamGroup>,
    options: { tMax: number; etaMin?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    if (!(this.tMax > 0)) throw new RangeError(`CosineAnnealingLR: invalid tMax ${this.tMax} (> 0)`);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    const lrs = this.groupLrs;
    if (e === 0) return lrs;
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2,
      );
    }
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) +
        etaMin,
    );
  }
}

/**
 * torch.optim.lr_scheduler.LinearLR: the factor goes linearly from `startFactor` to `endFactor` over
 * `totalIters` steps (a linear warm-up with the defaults' shape).
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  protected readonly stateKeys = {
    startFactor: 'start_factor',
    endFactor: 'end_factor',
    totalIters: 'total_iters',
  };

  constructor(
    optimizer: Optimizer<ParamGroup>,
    options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor >= 0 && this.startFactor <= 1)) {
      throw new RangeError(`LinearLR: invalid startFactor ${this.startFactor} (expected in [0, 1])`);
    }
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) {
      throw new RangeError(`LinearLR: invalid endFactor ${this.endFactor} (expected in [0, 1])`);
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groupLrs.map((lr) => lr * s);
    if (e > n) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

/** torch.optim.lr_scheduler.LambdaLR: `lr = baseLr * fn(lastEpoch)` (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];
  protected readonly stateKeys = {};

  constructor(
    optimizer: Optimizer<ParamGroup>,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n)
        throw new Error(`LambdaLR: expected ${n} lr_lambdas, got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    }
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}

/**
 * Cosine decay with linear warm-up, as transformers' `get_cosine_schedule_with_warmup` (a LambdaLR): the
 * factor rises linearly from 0 to 1 over `warmupSteps`, then follows `numCycles` cosine half-waves (0.5:
 * down to 0) until `totalSteps`, never below 0.
 */
export class CosineWithWarmup extends LRScheduler {
  warmupSteps: number;
  totalSteps: number;
  numCycles: number;
  protected readonly stateKeys = {
    warmupSteps: 'num_warmup_steps',
    totalSteps: 'num_training_steps',
    numCycles: 'num_cycles',
  };

  constructor(
    optimizer: Optimizer<ParamGroup>,
    options: { warmupSteps: number; totalSteps: number; numCycles?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.warmupSteps = options.warmupSteps;
    this.totalSteps = options.totalSteps;
    this.numCycles = options.numCycles ?? 0.5;
    if (!(this.warmupSteps >= 0)) {
      throw new RangeError(`CosineWithWarmup: invalid warmupSteps ${this.warmupSteps} (>= 0)`);
    }
    if (!(this.totalSteps > 0))
      throw new RangeError(`CosineWithWarmup: invalid totalSteps ${this.totalSteps} (> 0)`);
    this.initialStep();
  }

  /** The factor applied to the base rates at `step`. */
  factor(step: number): number {
    if (step < this.warmupSteps) return step / Math.max(1, this.warmupSteps);
    const progress = (step - this.warmupSteps) / Math.max(1, this.totalSteps - this.warmupSteps);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * this.numCycles * 2 * progress)));
  }

  protected computeLr(): number[] {
    const f = this.factor(this.lastEpoch);
    return this.baseLrs.map((base) => base * f);
  }
}
