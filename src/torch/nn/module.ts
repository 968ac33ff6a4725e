/**
 * `Module`: PyTorch's `torch.nn.Module` for ribbit. Parameters, buffers and sub-modules are registered by
 * name (JavaScript has no `__setattr__` hook, so registration is explicit and returns its argument):
 *
 *     class Block extends Module {
 *       readonly conv: Conv1d;
 *       readonly scale: Tensor;
 *       constructor() {
 *         super();
 *         this.conv = this.registerModule('conv', new Conv1d(4, 4, 3, { padding: 1 }));
 *         this.scale = this.registerParameter('scale', torch.ones([1, 4, 1]));
 *       }
 *       forward(x: Tensor): Tensor { return torch.tidy(() => this.conv.forward(x).mul(this.scale)); }
 *     }
 *
 * State-dict names are PyTorch's dotted names (`encoder.emb.weight`, `decoder.flows.0.logs`), so Coqui
 * checkpoints load by name. `forward` is not declared here: each module defines its own signature.
 */

import { noGrad } from '../autograd.ts';
import type { DType } from '../dtype.ts';
import { keep } from '../scope.ts';
import { Tensor } from '../tensor.ts';
import { weightNormsOf } from './weight_norm.ts';
import { adaptWeightNormKeys, type WeightNormKeyScheme } from './weight_norm_keys.ts';

/** A key whose shape in the checkpoint differs from the model's. */
export interface ShapeMismatch {
  key: string;
  /** The model's shape. */
  expected: number[];
  /** The checkpoint's shape. */
  got: number[];
}

/** What `loadStateDict` found: keys the model lacks a value for, keys it does not know, shape mismatches. */
export interface LoadStateDictReport {
  missing: string[];
  unexpected: string[];
  mismatched: ShapeMismatch[];
  /** Checkpoint keys renamed or converted on load (e.g. `parametrizations.weight.original0` -> `weight_g`). */
  renamed: { from: string[]; to: string }[];
}

/** Thrown by a strict `loadStateDict`; `report` lists every problem found. */
export class LoadStateDictError extends Error {
  constructor(
    readonly report: LoadStateDictReport,
    moduleName: string,
  ) {
    super(formatReport(report, moduleName));
    this.name = 'LoadStateDictError';
  }
}

function formatReport(r: LoadStateDictReport, moduleName: string): string {
  const lines = [`Error(s) in loading state dict for ${moduleName}:`];
  const list = (keys: string[]) =>
    keys.length <= 20 ? keys.join(', ') : `${keys.slice(0, 20).join(', ')}, ... (${keys.length - 20} more)`;
  if (r.missing.length) lines.push(`  missing keys (${r.missing.length}): ${list(r.missing)}`);
  if (r.unexpected.length) lines.push(`  unexpected keys (${r.unexpected.length}): ${list(r.unexpected)}`);
  if (r.mismatched.length) {
    lines.push(`  shape mismatches (${r.mismatched.length}):`);
    for (const m of r.mismatched) {
      lines.push(`    ${m.key}: model [${m.expected.join(', ')}], checkpoint [${m.got.join(', ')}]`);
    }
  }
  return lines.join('\n');
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${kind} name must be a non-empty string`);
  if (name.includes('.')) throw new TypeError(`${kind} name cannot contain ".": got "${name}"`);
}

/** A state dict as a Map or as a plain object of tensors. */
export type StateDictLike = Map<string, Tensor> | Record<string, Tensor>;

export class Module {
  /** Training mode (dropout active, batch norm on batch statistics). Set with `train()` / `eval()`. */
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();

  // ----- registration ---------------------------------------------------------------------------------------

  /**
   * Registers (or replaces) the parameter `name`: the tensor is made a kept leaf that requires a gradient
   * (unless `requiresGrad: false`), so scopes never dispose it. Returns the parameter; pass `null` to declare
   * an absent optional parameter (like `bias=False`). Replacing updates every field of this module that held
   * the old tensor.
   */
  registerParameter(name: string, value: Tensor, options?: { requiresGrad?: boolean }): Tensor;
  registerParameter(name: string, value: Tensor | null, options?: { requiresGrad?: boolean }): Tensor | null;
  registerParameter(
    name: string,
    value: Tensor | null,
    options: { requiresGrad?: boolean } = {},
  ): Tensor | null {
    checkName('parameter', name);
    if (this.#buffers.has(name) || this.#modules.has(name)) {
      throw new Error(`"${name}" is already a ${this.#buffers.has(name) ? 'buffer' : 'sub-module'} name`);
    }
    let p = value;
    if (p !== null) {
      if (!(p instanceof Tensor)) throw new TypeError(`parameter "${name}" must be a Tensor or null`);
      if (!p.isLeaf) p = p.detach();
      if (p.requiresGrad !== (options.requiresGrad ?? true)) p.requiresGrad_(options.requiresGrad ?? true);
      keep(p);
    }
    const old = this.#parameters.get(name);
    this.#parameters.set(name, p);
    if (old !== undefined && old !== null && old !== p) this.#syncFields(old, p);
    return p;
  }

  /**
   * Registers (or replaces) the buffer `name`: state that is not trained (running statistics, masks). Kept
   * from scopes. `persistent: false` leaves it out of the state dict.
   */
  registerBuffer(name: string, value: Tensor, options?: { persistent?: boolean }): Tensor;
  registerBuffer(name: string, value: Tensor | null, options?: { persistent?: boolean }): Tensor | null;
  registerBuffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): Tensor | null {
    checkName('buffer', name);
    if (this.#parameters.has(name) || this.#modules.has(name)) {
      throw new Error(
        `"${name}" is already a ${this.#parameters.has(name) ? 'parameter' : 'sub-module'} name`,
      );
    }
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new TypeError(`buffer "${name}" must be a Tensor or null`);
      keep(value);
    }
    const old = this.#buffers.get(name);
    this.#buffers.set(name, value);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    if (old !== undefined && old !== null && old !== value) this.#syncFields(old, value);
    return value;
  }

  /** Short for `registerBuffer`. */
  buffer(name: string, value: Tensor, options?: { persistent?: boolean }): Tensor;
  buffer(name: string, value: Tensor | null, options?: { persistent?: boolean }): Tensor | null;
  buffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): Tensor | null {
    return this.registerBuffer(name, value, options);
  }

  /** Registers (or replaces) the sub-module `name` (its state-dict keys get the `name.` prefix). Returns it. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    checkName('module', name);
    if (this.#parameters.has(name) || this.#buffers.has(name)) {
      throw new Error(`"${name}" is already a ${this.#parameters.has(name) ? 'parameter' : 'buffer'} name`);
    }
    if (module !== null && !(module instanceof Module)) {
      throw new TypeError(`sub-module "${name}" must be a Module or null`);
    }
    const old = this.#modules.get(name);
    this.#modules.set(name, module);
    if (old !== undefined && old !== null && old !== module) this.#syncFields(old, module);
    return module;
  }

  /** Unregisters the parameter `name` and returns it (null if it was absent). */
  deleteParameter(name: string): Tensor | null {
    const p = this.#parameters.get(name) ?? null;
    this.#parameters.delete(name);
    return p;
  }

  /** Unregisters the buffer `name` and returns it. */
  deleteBuffer(name: string): Tensor | null {
    const b = this.#buffers.get(name) ?? null;
    this.#buffers.delete(name);
    this.#nonPersistent.delete(name);
    return b;
  }

  /** Unregisters the sub-module `name` and returns it. */
  deleteModule(name: string): Module | null {
    const m = this.#modules.get(name) ?? null;
    this.#modules.delete(name);
    return m;
  }

  /** Points the data fields of this module that held `old` at `value`. */
  #syncFields(old: unknown, value: unknown): void {
    for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(this))) {
      if ('value' in desc && desc.value === old && desc.writable) {
        (this as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }

  // ----- lookup ---------------------------------------------------------------------------------------------

  /** This module's own parameter `name` (null when registered as absent; undefined when unknown). */
  getParameter(name: string): Tensor | null | undefined {
    return this.#parameters.get(name);
  }

  /** This module's own buffer `name`. */
  getBuffer(name: string): Tensor | null | undefined {
    return this.#buffers.get(name);
  }

  /** The sub-module at a dotted path (`'encoder.layers.0'`); throws when there is none. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    for (const part of path.split('.')) {
      const next = m.#modules.get(part);
      if (!next) throw new Error(`${m.constructor.name} has no sub-module "${part}" (in "${path}")`);
      m = next;
    }
    return m;
  }

  /** The parameter or buffer at a dotted path (`'encoder.emb.weight'`). */
  getTensor(path: string): Tensor | undefined {
    const i = path.lastIndexOf('.');
    const owner = i < 0 ? this : this.getSubmodule(path.slice(0, i));
    const name = path.slice(i + 1);
    return owner.#parameters.get(name) ?? owner.#buffers.get(name) ?? undefined;
  }

  // ----- iteration ------------------------------------------------------------------------------------------

  /** Direct sub-modules by name, in registration order. */
  namedChildren(): Map<string, Module> {
    const out = new Map<string, Module>();
    for (const [k, m] of this.#modules) if (m !== null) out.set(k, m);
    return out;
  }

  /** Direct sub-modules. */
  children(): Module[] {
    return [...this.namedChildren().values()];
  }

  /** This module (name `''`) and every sub-module, depth first, each once, by dotted name. */
  namedModules(prefix = ''): Map<string, Module> {
    const out = new Map<string, Module>();
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.set(p, m);
      for (const [k, c] of m.#modules) if (c !== null) walk(c, p === '' ? k : `${p}.${k}`);
    };
    walk(this, prefix);
    return out;
  }

  /** This module and every sub-module. */
  modules(): Module[] {
    return [...this.namedModules().values()];
  }

  #namedTensors(
    which: 'parameters' | 'buffers',
    options: { recurse?: boolean; prefix?: string; removeDuplicate?: boolean },
  ): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    const mods = options.recurse === false ? new Map([['', this as Module]]) : this.namedModules();
    const base = options.prefix ?? '';
    for (const [mp, m] of mods) {
      const src = which === 'parameters' ? m.#parameters : m.#buffers;
      for (const [k, t] of src) {
        if (t === null) continue;
        if (options.removeDuplicate !== false) {
          if (seen.has(t)) continue;
          seen.add(t);
        }
        out.set([base, mp, k].filter((s) => s !== '').join('.'), t);
      }
    }
    return out;
  }

  /** Every parameter by dotted name (shared parameters once, under their first name). */
  namedParameters(
    options: { recurse?: boolean; prefix?: string; removeDuplicate?: boolean } = {},
  ): Map<string, Tensor> {
    return this.#namedTensors('parameters', options);
  }

  /** Every parameter (each once), in state-dict order: the list to give an optimizer. */
  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return [...this.namedParameters(options).values()];
  }

  /** Every buffer (persistent or not) by dotted name. */
  namedBuffers(
    options: { recurse?: boolean; prefix?: string; removeDuplicate?: boolean } = {},
  ): Map<string, Tensor> {
    return this.#namedTensors('buffers', options);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return [...this.namedBuffers(options).values()];
  }

  /** Total number of elements of the (unique) parameters; `trainableOnly` counts those requiring a gradient. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.numel;
    return n;
  }

  // ----- state dict -----------------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by PyTorch's dotted names, in PyTorch's order (own parameters, own
   * buffers, then each sub-module). Values are detached tensors sharing memory with the model (the tensors
   * themselves with `keepVars`). Shared tensors appear under every name, as in PyTorch. Weight-norm keys are
   * `*.weight_g` / `*.weight_v` (legacy PyTorch, Coqui); `weightNormKeys: 'parametrizations'` names them as
   * torch >= 2.1 does (`*.parametrizations.weight.original0` / `original1`).
   */
  stateDict(
    options: { prefix?: string; keepVars?: boolean; weightNormKeys?: WeightNormKeyScheme } = {},
  ): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const modern = options.weightNormKeys === 'parametrizations';
    const value = (t: Tensor) => (options.keepVars ? t : t.detach());
    const walk = (m: Module, p: string) => {
      const renamed = new Map<string, string>();
      if (modern) {
        for (const name of weightNormsOf(m).keys()) {
          renamed.set(`${name}_g`, `parametrizations.${name}.original0`);
          renamed.set(`${name}_v`, `parametrizations.${name}.original1`);
        }
      }
      for (const [k, t] of m.#parameters) {
        if (t !== null && !renamed.has(k)) out.set(p + k, value(t));
      }
      for (const [k, t] of m.#buffers) {
        if (t !== null && !m.#nonPersistent.has(k)) out.set(p + k, value(t));
      }
      for (const [k, name] of renamed) {
        const t = m.#parameters.get(k);
        if (t) out.set(p + name, value(t));
      }
      for (const [k, c] of m.#modules) if (c !== null) walk(c, `${p}${k}.`);
    };
    walk(this, options.prefix ? `${options.prefix}.` : '');
    return out;
  }

  /**
   * Copies a state dict into this module's parameters and buffers in place (under noGrad; dtype and device
   * converted as needed), so the tensors keep their identity (optimizers and fields stay valid).
   *
   * Weight-norm keys are matched in both of PyTorch's schemes: `conv.weight_g`/`conv.weight_v` and (torch >= 2.1)
   * `conv.parametrizations.weight.original0`/`original1`; a plain `conv.weight` is split into g and v for a
   * weight-normed module, and g/v are folded into `weight` for a module without weight norm.
   *
   * strict (default): any missing key, unexpected key or shape mismatch throws a `LoadStateDictError` listing
   * all of them, and nothing is copied. Non-strict: copies what matches and returns the report (unlike PyTorch,
   * shape mismatches are skipped and reported rather than thrown).
   */
  loadStateDict(stateDict: StateDictLike, options: { strict?: boolean } = {}): LoadStateDictReport {
    const strict = options.strict ?? true;
    const own = this.stateDict({ keepVars: true });
    const incoming =
      stateDict instanceof Map
        ? new Map(stateDict)
        : new Map(Object.entries(stateDict as Record<string, Tensor>));
    for (const [k, v] of incoming) if (!(v instanceof Tensor)) incoming.delete(k);
    const { tensors: adapted, renamed, created } = adaptWeightNormKeys(incoming, own);
    try {
      const report: LoadStateDictReport = { missing: [], unexpected: [], mismatched: [], renamed };
      const copies: [Tensor, Tensor][] = [];
      for (const [k, dst] of own) {
        const src = adapted.get(k);
        if (src === undefined) {
          report.missing.push(k);
          continue;
        }
        const a = dst.shape;
        const b = src.shape;
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
          report.mismatched.push({ key: k, expected: a, got: b });
          continue;
        }
        copies.push([dst, src]);
      }
      for (const k of adapted.keys()) if (!own.has(k)) report.unexpected.push(k);
      const bad = report.missing.length + report.unexpected.length + report.mismatched.length;
      if (strict && bad > 0) throw new LoadStateDictError(report, this.constructor.name);
      noGrad(() => {
        for (const [dst, src] of copies) {
          dst.copy_(src);
        }
      });
      return report;
    } finally {
      for (const t of created) t.dispose();
    }
  }

  // ----- modes, gradients, conversion -----------------------------------------------------------------------

  /** Sets training mode on this module and every sub-module. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `requiresGrad` on every parameter (freezing with `false`). Returns this. */
  requiresGrad_(value = true): this {
    for (const p of this.parameters()) p.requiresGrad_(value);
    return this;
  }

  /** Drops every parameter's gradient (sets it to null, PyTorch's `set_to_none=True`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Converts every parameter and buffer to a dtype (floating tensors only, as PyTorch) or moves them to a
   * device. The module is changed in place: converted tensors replace the registered ones (fields that held
   * them are updated; the old tensors are left to the garbage collector, so re-create optimizers after this).
   */
  to(dtypeOrDevice: DType | string): this {
    const isDtype = FLOAT_DTYPES.has(dtypeOrDevice) || OTHER_DTYPES.has(dtypeOrDevice);
    const convert = (t: Tensor): Tensor | null => {
      if (isDtype) {
        if (!FLOAT_DTYPES.has(t.dtype) || t.dtype === dtypeOrDevice) return null;
        if (!FLOAT_DTYPES.has(dtypeOrDevice)) {
          throw new TypeError(`Module.to: only floating dtypes are supported, got ${dtypeOrDevice}`);
        }
      } else if (sameDevice(t.device, dtypeOrDevice)) return null;
      return noGrad(() => t.detach().to(dtypeOrDevice));
    };
    for (const m of this.modules()) {
      for (const [k, p] of m.#parameters) {
        if (p === null) continue;
        const q = convert(p);
        if (q !== null) m.registerParameter(k, q, { requiresGrad: p.requiresGrad });
      }
      for (const [k, b] of m.#buffers) {
        if (b === null) continue;
        const q = convert(b);
        if (q !== null) m.registerBuffer(k, q, { persistent: !m.#nonPersistent.has(k) });
      }
    }
    return this;
  }

  /** Calls `fn` on every sub-module (children first) and then on this module, as PyTorch's `apply`. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ----- printing -------------------------------------------------------------------------------------------

  /** Extra text for the one-line description of this module (overridden by layers). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree description. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    const kids = [...this.namedChildren()];
    if (kids.length === 0) return `${head})`;
    const lines = kids.map(([k, m]) => `  (${k}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

const FLOAT_DTYPES = new Set<string>(['float16', 'bfloat16', 'float32', 'float64']);
const OTHER_DTYPES = new Set<string>([
  'bool',
  'uint8',
  'int8',
  'int16',
  'int32',
  'int64',
  'complex64',
  'complex128',
]);

function sameDevice(a: string, b: string): boolean {
  const norm = (d: string) => (d === 'cuda' ? 'cuda:0' : d);
  return norm(a) === norm(b);
}
