/**
 * Containers: `ModuleList` (sub-modules named `0`, `1`, ...), `Sequential` (a chain of single-input modules)
 * and `ModuleDict`.
 */

import { tidy } from '../scope.ts';
import type { Tensor } from '../tensor.ts';
import { Module } from './module.ts';

/** A module with a one-tensor forward, as `Sequential` chains them. */
export type UnaryModule = Module & { forward(x: Tensor): Tensor };

/** A list of sub-modules registered as `0`, `1`, ... (PyTorch's `nn.ModuleList`). */
export class ModuleList<T extends Module = Module> extends Module {
  #items: T[] = [];

  constructor(modules: Iterable<T> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end); throws when out of range. */
  get(index: number): T {
    const i = index < 0 ? index + this.#items.length : index;
    const m = this.#items[i];
    if (m === undefined)
      throw new RangeError(`ModuleList index ${index} out of range (length ${this.length})`);
    return m;
  }

  /** Same as `get`. */
  at(index: number): T {
    return this.get(index);
  }

  /** Replaces the module at `index`. */
  set(index: number, module: T): void {
    const i = index < 0 ? index + this.#items.length : index;
    if (i < 0 || i >= this.#items.length) throw new RangeError(`ModuleList index ${index} out of range`);
    this.#items[i] = module;
    this.registerModule(String(i), module);
  }

  /** Appends modules (PyTorch's `append`/`extend`). Returns the new length. */
  push(...modules: T[]): number {
    for (const m of modules) {
      this.registerModule(String(this.#items.length), m);
      this.#items.push(m);
    }
    return this.#items.length;
  }

  /** Same as `push(m)`; returns this. */
  append(module: T): this {
    this.push(module);
    return this;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.#items[Symbol.iterator]();
  }

  /** The modules as an array (a copy). */
  toArray(): T[] {
    return [...this.#items];
  }

  map<U>(fn: (m: T, i: number) => U): U[] {
    return this.#items.map(fn);
  }

  forEach(fn: (m: T, i: number) => void): void {
    this.#items.forEach(fn);
  }
}

/** Modules applied one after the other, registered as `0`, `1`, ... (PyTorch's `nn.Sequential`). */
export class Sequential extends ModuleList<UnaryModule> {
  constructor(...modules: UnaryModule[]) {
    super(modules);
  }

  /** x -> m0 -> m1 -> ... (intermediates are disposed). */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      let y = x;
      for (const m of this) {
        const next = m.forward(y);
        // each intermediate freed once the next layer has read it (autograd holds what it saved)
        if (y !== x && next !== y && !y.kept) y.dispose();
        y = next;
      }
      return y;
    });
  }
}

/** Sub-modules by string key (PyTorch's `nn.ModuleDict`); keys keep insertion order. */
export class ModuleDict<T extends Module = Module> extends Module {
  #items = new Map<string, T>();

  constructor(modules: Record<string, T> | Iterable<[string, T]> = {}) {
    super();
    const entries =
      Symbol.iterator in Object(modules) ? (modules as Iterable<[string, T]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  get size(): number {
    return this.#items.size;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** The module under `key`; throws when there is none. */
  get(key: string): T {
    const m = this.#items.get(key);
    if (m === undefined) throw new Error(`ModuleDict has no key "${key}"`);
    return m;
  }

  set(key: string, module: T): this {
    this.registerModule(key, module);
    this.#items.set(key, module);
    return this;
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  values(): T[] {
    return [...this.#items.values()];
  }

  entries(): [string, T][] {
    return [...this.#items.entries()];
  }

  [Symbol.iterator](): Iterator<[string, T]> {
    return this.#items[Symbol.iterator]();
  }
}
