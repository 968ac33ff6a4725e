/**
 * The optimizer base class: parameter groups with per-group hyper-parameters, per-parameter state, a step
 * under no-grad whose temporaries are all released, and state dicts in PyTorch's layout.
 *
 * Hyper-parameters are camelCase members of each group (`lr`, `weightDecay`, `betas`, ...); the state dict
 * uses PyTorch's snake_case names (`weight_decay`, `exp_avg_sq`, `initial_lr`, ...) so it reads like, and
 * loads from, `torch.optim.Optimizer.state_dict()`.
 */

import { noGrad } from '../autograd.ts';
import { isFloatingDType } from '../dtype.ts';
import { keep, tidy } from '../scope.ts';
import { Tensor } from '../tensor.ts';

/** One value of a parameter's optimizer state: a tensor (kept), a number (`step`) or null. */
export type StateValue = Tensor | number | boolean | null;

/** A parameter's optimizer state, camelCase keys (`expAvg`, `momentumBuffer`, `step`, ...). */
export type ParamState = Record<string, StateValue | undefined>;

/** A parameter group: its tensors and its hyper-parameters (camelCase). Extra keys are kept as given. */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [key: string]: unknown;
}

/** A parameter group as given to a constructor: hyper-parameters left out take the optimizer's defaults. */
export interface ParamGroupInput {
  params: Iterable<Tensor>;
  lr?: number;
  [key: string]: unknown;
}

/** What optimizers accept as parameters: tensors (one group) or parameter groups. */
export type Params = Iterable<Tensor> | Iterable<ParamGroupInput>;

/**
 * PyTorch's optimizer state-dict layout. `state` is keyed by the parameter's index across all groups (in
 * group order); its values are the live state tensors (not copies: store them, don't dispose them), numbers
 * (`step`) and nulls. `param_groups` holds each group's hyper-parameters (snake_case) and its param indices.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  /** PyTorch's key (snake_case, as every key of this layout). */
  param_groups: Record<string, unknown>[];
}

/** `weightDecay` → `weight_decay`. */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay` (a key without underscores is returned as is). */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Copies a JSON-like value (arrays and plain objects deep, everything else as is). */
function copyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyValue(x)]));
  }
  return v;
}

/** Throws a RangeError naming the optimizer, the hyper-parameter and the bad value. */
export function invalid(owner: string, name: string, value: unknown, rule: string): never {
  throw new RangeError(`${owner}: invalid ${name} ${JSON.stringify(value)} (${rule})`);
}

/** Checks a finite number `>= 0`. */
export function checkNonNegative(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalid(owner, name, value, 'expected a finite number >= 0');
  }
}

/** Checks Adam-style `betas`: two numbers in [0, 1). */
export function checkBetas(owner: string, value: unknown): void {
  if (!Array.isArray(value) || value.length !== 2) invalid(owner, 'betas', value, 'expected [beta1, beta2]');
  value.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
      invalid(owner, `betas[${i}]`, b, 'expected a number in [0, 1)');
    }
  });
}

/** Checks a boolean hyper-parameter. */
export function checkBoolean(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') invalid(owner, name, value, 'expected a boolean');
}

/** The parameters of a group that have a gradient, their gradients (new wrappers) and their states. */
export interface GroupBatch<S extends ParamState> {
  params: Tensor[];
  grads: Tensor[];
  states: S[];
}

/**
 * Base of all optimizers. Subclasses define the group defaults, their validation, the initial state of a
 * parameter and the update of one group (`updateGroup`, called under noGrad inside a tidy scope).
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup, S extends ParamState = ParamState> {
  /** Hyper-parameters a group takes when it leaves them out. */
  readonly defaults: Omit<G, 'params'>;
  /** The parameter groups; change `lr` (and other hyper-parameters) here between steps. */
  readonly paramGroups: G[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  constructor(params: Params, defaults: Omit<G, 'params'>) {
    this.defaults = { ...defaults };
    this.validateGroup(this.defaults as G);
    const list = [...(params as Iterable<Tensor | ParamGroupInput>)];
    if (list.length === 0) throw new Error(`${this.name}: got an empty parameter list`);
    if (list[0] instanceof Tensor) {
      this.addParamGroup({ params: list as Tensor[] });
    } else {
      for (const g of list as ParamGroupInput[]) this.addParamGroup(g);
    }
  }

  /** The optimizer's name, for messages. */
  get name(): string {
    return this.constructor.name;
  }

  /** Checks a group's hyper-parameters; throws a RangeError naming the bad one. */
  protected abstract validateGroup(group: G): void;

  /** The state of a parameter before its first update (tensors must be `keep()`-ed). */
  protected abstract initState(param: Tensor, group: G): S;

  /**
   * Updates some parameters of one group that have gradients (called under noGrad inside tidy, once per chunk
   * of the group's parameters; see `chunkElements`).
   */
  protected abstract updateGroup(group: G, batch: GroupBatch<S>): void;

  /**
   * Adds a parameter group; missing hyper-parameters take the defaults. Keys may be camelCase or snake_case
   * (`weight_decay`). A parameter may belong to one group only.
   */
  addParamGroup(input: ParamGroupInput): void {
    if (input === null || typeof input !== 'object' || !('params' in input)) {
      throw new TypeError(`${this.name}: a parameter group needs a 'params' list`);
    }
    const params = input.params instanceof Tensor ? [input.params] : [...input.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: parameter groups hold tensors only`);
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of params) {
      if (seen.has(p))
        throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
    const group: Record<string, unknown> = { ...(copyValue(this.defaults) as object) };
    for (const [k, v] of Object.entries(input)) {
      if (k === 'params') continue;
      group[snakeToCamel(k)] = copyValue(v);
    }
    group.params = params;
    this.validateGroup(group as G);
    this.paramGroups.push(group as G);
  }

  /** Every parameter, group by group. */
  *parameters(): IterableIterator<Tensor> {
    for (const g of this.paramGroups) yield* g.params;
  }

  /** The current learning rate of each group. */
  getLr(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /**
   * Clears the gradients: sets them to null (PyTorch's `set_to_none=True`), or zeroes them in place with
   * `setToNone = false`.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) {
        p.grad = null;
      } else {
        const g = p.grad;
        if (g !== null) {
          noGrad(() => g.zero_());
          g.dispose();
        }
      }
    }
  }

  /**
   * Largest number of elements updated together on CPU. A group is updated in consecutive chunks of its
   * parameters (one list op per chunk and per operation, each chunk's temporaries released before the next):
   * small chunks stay in the CPU caches, which makes a step several times faster than streaming every
   * operation over the whole model. The values do not depend on it. CUDA parameters use one chunk per group.
   */
  chunkElements = 1 << 18;

  /** One optimization step over every parameter that has a gradient (no closure; compute the loss first). */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          let batch: GroupBatch<S> = { params: [], grads: [], states: [] };
          let size = 0;
          let limit = this.chunkElements;
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            let s = this.state.get(p);
            if (s === undefined) {
              s = this.initState(p, group);
              this.state.set(p, s);
            }
            if (batch.params.length === 0 && !p.device.startsWith('cpu')) limit = Number.POSITIVE_INFINITY;
            const n = p.numel;
            if (batch.params.length > 0 && size + n > limit) {
              const full = batch;
              tidy(() => this.updateGroup(group, full));
              batch = { params: [], grads: [], states: [] };
              size = 0;
            }
            batch.params.push(p);
            batch.grads.push(g);
            batch.states.push(s);
            size += n;
          }
          if (batch.params.length > 0) {
            const last = batch;
            tidy(() => this.updateGroup(group, last));
          }
        }
      }),
    );
  }

  /** The state in PyTorch's layout (see OptimizerStateDict); tensors are the live state, not copies. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k !== 'params') packed[camelToSnake(k)] = copyValue(v);
      }
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p) as number;
      });
      return packed;
    });
    const state: Record<number, Record<string, StateValue>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(s)) if (v !== undefined) packed[camelToSnake(k)] = v;
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()` or PyTorch (tensors, numbers; `step` may be a 0-d tensor). State
   * tensors are copied (cast to the parameter's dtype when floating, and moved to its device), so the
   * given tensors stay the caller's. Group hyper-parameters are replaced by the saved ones.
   */
  loadStateDict(stateDict: unknown): void {
    const sd = stateDict as Partial<OptimizerStateDict> | null;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || sd.state === undefined) {
      throw new TypeError(`${this.name}.loadStateDict: expected {state, param_groups}`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(
        `${this.name}.loadStateDict: the state dict has ${saved.length} parameter groups, the optimizer ${this.paramGroups.length}`,
      );
    }
    const idMap = new Map<string, Tensor>();
    saved.forEach((sg, gi) => {
      const ids = sg.params;
      const group = this.paramGroups[gi];
      if (!Array.isArray(ids) || ids.length !== group.params.length) {
        throw new Error(
          `${this.name}.loadStateDict: parameter group ${gi} has ${Array.isArray(ids) ? ids.length : '?'} parameters in the state dict, ${group.params.length} in the optimizer`,
        );
      }
      ids.forEach((id, j) => {
        idMap.set(String(id), group.params[j]);
      });
    });
    const entries =
      sd.state instanceof Map ? [...(sd.state as Map<unknown, unknown>)] : Object.entries(sd.state as object);
    const newState = new Map<Tensor, S>();
    try {
      for (const [id, value] of entries) {
        const p = idMap.get(String(id));
        if (p === undefined) continue;
        const s: Record<string, StateValue> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          s[snakeToCamel(k)] = castState(p, k, v);
        }
        newState.set(p, s as S);
      }
    } catch (err) {
      for (const s of newState.values()) disposeState(s);
      throw err;
    }
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    saved.forEach((sg, gi) => {
      const group = this.paramGroups[gi] as Record<string, unknown>;
      for (const [k, v] of Object.entries(sg)) {
        if (k !== 'params') group[snakeToCamel(k)] = copyValue(v);
      }
    });
  }

  /** Releases the state tensors (the optimizer can still step; state starts over). */
  dispose(): void {
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
  }
}

function disposeState(s: ParamState): void {
  for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}

/** A state value from a state dict, owned by the optimizer: tensors copied to the parameter's dtype/device. */
function castState(param: Tensor, key: string, v: unknown): StateValue {
  if (v instanceof Tensor) {
    if (key === 'step') return v.item();
    return keep(
      noGrad(() =>
        tidy(() => {
          let t = v;
          if (isFloatingDType(param.dtype) && t.dtype !== param.dtype) t = t.to(param.dtype);
          if (t.device !== param.device) t = t.to(param.device);
          return t === v ? v.clone() : t.clone();
        }),
      ),
    );
  }
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`optimizer state '${key}': unsupported value ${String(v)}`);
}
