/**
 * Deterministic release of native tensor memory.
 *
 * `tidy(fn)` runs `fn` in a scope: every tensor created inside is disposed when the scope ends, except
 * the tensors `fn` returns (moved to the enclosing scope) and tensors marked with `keep()` (parameters,
 * buffers, optimizer state). Tensors made outside any scope are released by the garbage collector, which
 * knows their native size; `dispose()` releases one tensor at once.
 *
 * Garbage collection: a tensor made inside a scope does not report its native memory to V8 (the scope
 * frees it; reporting it only made V8 run full collections that could free nothing). It starts reporting
 * when it outlives its scopes: returned to the top level, or keep()-ed.
 */

/** What a scope needs from a tensor (implemented by Tensor). */
export interface Scoped {
  /** Set by keep(): never disposed by a scope. */
  kept: boolean;
  dispose(): void;
  readonly isDisposed: boolean;
  /** Lets the garbage collector know the native memory this tensor owns (it now outlives its scopes). */
  reportMemory(): void;
}

const stack: Scoped[][] = [];

/** Registers a newly created tensor with the innermost open scope (called by the Tensor constructor). */
export function track(t: Scoped): void {
  const top = stack[stack.length - 1];
  if (top) top.push(t);
}

/** Marks tensors as long-lived: no scope will dispose them. Returns its argument. */
export function keep<T extends Scoped>(t: T): T {
  if (!t.kept && stack.length > 0) t.reportMemory();
  t.kept = true;
  return t;
}

/** Walks a returned value (tensor, array, Map, plain object) and collects the tensors in it. */
function collect(value: unknown, out: Set<Scoped>, isTensor: (v: unknown) => v is Scoped, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, isTensor, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, isTensor, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, isTensor, depth + 1);
  }
}

let tensorCheck: (v: unknown) => v is Scoped = (_v): _v is Scoped => false;
/** Told when the first scope opens (true) and the last one closes (false). */
let scopeListener: (open: boolean) => void = () => {};

/** @internal Called once by tensor.ts so scopes can recognise tensors in returned values. */
export function setTensorCheck(fn: (v: unknown) => v is Scoped): void {
  tensorCheck = fn;
}

/** @internal Called once by tensor.ts: the native side stops reporting new tensors while a scope is open. */
export function setScopeListener(fn: (open: boolean) => void): void {
  scopeListener = fn;
}

function push(scope: Scoped[]): void {
  stack.push(scope);
  if (stack.length === 1) scopeListener(true);
}

function pop(): void {
  stack.pop();
  if (stack.length === 0) scopeListener(false);
}

/**
 * Runs `fn` and disposes every tensor it created that is not part of its result and not kept.
 * `fn` must be synchronous (an async function would let other work's tensors into the scope).
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scoped[] = [];
  push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw err;
  }
  pop();
  if (result instanceof Promise) {
    throw new Error('tidy() takes a synchronous function; wrap the synchronous part of async work instead');
  }
  const survivors = new Set<Scoped>();
  collect(result, survivors, tensorCheck);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (t.kept) continue;
    if (survivors.has(t)) {
      if (parent) parent.push(t);
      else t.reportMemory(); // now the garbage collector's
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Number of scopes open now (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}
