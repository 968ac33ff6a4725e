/**
 * Calling ATen operators by schema name through the c10 dispatcher. `op()` resolves an operator once;
 * calling it converts Tensor arguments to native handles and wraps results back into Tensors.
 * This is also the escape hatch for operators that the typed API does not wrap:
 *
 *     const erfinv = op('aten::erfinv');
 *     const y = erfinv(x) as Tensor;
 */
import { type Handle, native } from './native.ts';

/** Symbol under which a Tensor exposes its native handle. */
export const HANDLE: unique symbol = Symbol('ribbit.handle');

/** Anything carrying a native tensor handle (a Tensor). */
export interface HasHandle {
  readonly [HANDLE]: Handle;
}

let wrapHandle: (h: Handle) => unknown = (h) => h;

/** @internal Installed by tensor.ts: turns a native handle into a Tensor. */
export function setHandleWrapper(fn: (h: Handle) => unknown): void {
  wrapHandle = fn;
}

function toNativeArg(a: unknown): unknown {
  if (a === null || typeof a !== 'object') return a;
  if (HANDLE in a) return (a as HasHandle)[HANDLE];
  if (Array.isArray(a)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v !== null && typeof v === 'object' && HANDLE in v) {
        out ??= a.slice();
        out[i] = (v as HasHandle)[HANDLE];
      }
    }
    return out ?? a;
  }
  return a;
}

function fromNative(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromNative);
  // callOp returns no objects but tensor handles and arrays: no native isTensor() call needed (per-op cost)
  return wrapHandle(v as Handle);
}

/** A resolved ATen operator: call it with positional arguments in schema order (undefined = default). */
export interface OpFn {
  (...args: unknown[]): unknown;
  /** The operator's full schema string. */
  readonly schema: string;
}

/** Resolves `aten::name.overload` (or `name`, `name.overload`) once and returns a callable. */
export function op(name: string, overload = ''): OpFn {
  let full = name.includes('::') ? name : `aten::${name}`;
  if (!overload) {
    const dot = full.indexOf('.', full.indexOf('::'));
    if (dot > 0) {
      overload = full.slice(dot + 1);
      full = full.slice(0, dot);
    }
  }
  let id = -1;
  const resolve = () => {
    if (id < 0) id = native.findOp(full, overload);
    return id;
  };
  const fn = ((...args: unknown[]) => fromNative(native.callOp(resolve(), args.map(toNativeArg)))) as OpFn;
  Object.defineProperty(fn, 'schema', { get: () => native.opSchema(resolve()) });
  return fn;
}

/** Every operator schema registered in the loaded libtorch. */
export function allSchemas(): string[] {
  return native.allSchemas();
}

/** Calls a native function on raw arguments and wraps tensor results (used by generated wrappers). */
export function callById(idRef: { id: number; name: string; overload: string }, args: unknown[]): unknown {
  if (idRef.id < 0) idRef.id = native.findOp(idRef.name, idRef.overload);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== null && typeof a === 'object') args[i] = toNativeArg(a);
  }
  return fromNative(native.callOp(idRef.id, args));
}
