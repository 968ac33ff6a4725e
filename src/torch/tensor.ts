/**
 * The Tensor: a libtorch tensor seen from TypeScript, with PyTorch's semantics and camelCase names.
 *
 * Shapes are `number[]`; `dim` arguments accept negative values as in PyTorch. Methods ending in `_` work in
 * place and return `this`. Every op is recorded by libtorch's autograd when an input requires a gradient.
 */

import type { Scalar } from './aten.ts';
import * as aten from './aten.ts';
import { HANDLE, setHandleWrapper } from './dispatch.ts';
import {
  type AnyTypedArray,
  type DType,
  dtypeCode,
  dtypeFromCode,
  dtypeOfTypedArray,
  dtypeSize,
  typedView,
} from './dtype.ts';
import { type Handle, native } from './native.ts';
import { setScopeListener, setTensorCheck, track } from './scope.ts';

export type { Scalar } from './aten.ts';
export type Shape = readonly number[];

/** Nested arrays of numbers/booleans, as `tensor()` accepts and `toList()` returns. */
export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** Kept after dispose(): the native side then reports any use with the op's name and the inputs. */
  #handle: Handle;
  #meta: (number | boolean)[] | null = null;
  /** Set by keep(): scopes never dispose this tensor. */
  kept = false;

  /** @internal Wraps a native handle; use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** @internal The native handle (the native side throws, naming the op, when it was disposed). */
  get [HANDLE](): Handle {
    return this.#handle;
  }

  #m(): (number | boolean)[] {
    if (this.#meta === null) this.#meta = native.meta(this[HANDLE]);
    return this.#meta;
  }

  /** @internal Forget cached metadata after an in-place change. */
  invalidate(): this {
    this.#meta = null;
    return this;
  }

  /** The size of each dimension. */
  get shape(): number[] {
    return this.#m().slice(2) as number[];
  }

  /** Size of one dimension (negative counts from the end). */
  size(dim: number): number {
    const s = this.#m();
    const n = s.length - 2;
    const d = dim < 0 ? dim + n : dim;
    if (d < 0 || d >= n) throw new RangeError(`size(${dim}): dimension out of range for a ${n}-d tensor`);
    return s[d + 2] as number;
  }

  get dtype(): DType {
    return dtypeFromCode(this.#m()[0] as number);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.#m().length - 2;
  }

  /** Number of elements. */
  get numel(): number {
    let n = 1;
    const m = this.#m();
    for (let i = 2; i < m.length; i++) n *= m[i] as number;
    return n;
  }

  /** 'cpu', 'cuda:0', ... */
  get device(): string {
    return native.device(this[HANDLE]);
  }

  get isDisposed(): boolean {
    return native.isDisposed(this.#handle);
  }

  /** Releases the native memory now. Using the tensor afterwards throws. Safe to call twice. */
  dispose(): void {
    native.dispose(this.#handle);
  }

  /** @internal Reports the native memory this tensor owns to V8 (see scope.ts); no-op when it already does. */
  reportMemory(): void {
    native.reportMemory(this.#handle);
  }

  // ----- autograd -------------------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this.#m()[1] as boolean;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Starts (or stops) recording operations on this leaf tensor for autograd. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this[HANDLE], value);
    this.#meta = null;
    return this;
  }

  /** Whether this is a leaf of the autograd graph (created by the user, not by an op). */
  get isLeaf(): boolean {
    return native.isLeaf(this[HANDLE]);
  }

  /** Name of the autograd node that produced this tensor, or null for leaves. */
  get gradFn(): string | null {
    return native.gradFnName(this[HANDLE]);
  }

  /** The accumulated gradient (a new wrapper each read; it shares memory with libtorch's grad). */
  get grad(): Tensor | null {
    const g = native.getGrad(this[HANDLE]);
    return g === null ? null : new Tensor(g);
  }

  set grad(value: Tensor | null) {
    native.setGrad(this[HANDLE], value === null ? null : value[HANDLE]);
  }

  /** Computes gradients of this tensor with respect to the graph leaves (PyTorch's `backward`). */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(
      [this[HANDLE]],
      [gradient ? gradient[HANDLE] : null],
      options.retainGraph ?? options.createGraph ?? false,
      options.createGraph ?? false,
    );
  }

  /** A tensor sharing data but cut from the autograd graph. */
  detach(): Tensor {
    return aten.detach(this);
  }

  detach_(): this {
    aten.detach_(this);
    return this.invalidate();
  }

  // ----- data in and out --------------------------------------------------------------------------------------

  /** A copy of the elements as a typed array (float16/bfloat16 as raw Uint16 bits; complex interleaved). */
  dataSync(): AnyTypedArray {
    const buf = native.toBytes(this[HANDLE]);
    return typedView(this.dtype, buf);
  }

  /** The elements as a Float32Array (converting if needed). */
  toFloat32Array(): Float32Array {
    const t = this.dtype === 'float32' ? this : this.to('float32');
    const out = t.dataSync() as Float32Array;
    if (t !== this) t.dispose();
    return out;
  }

  /** The elements as a Float64Array (converting if needed). */
  toFloat64Array(): Float64Array {
    const t = this.dtype === 'float64' ? this : this.to('float64');
    const out = t.dataSync() as Float64Array;
    if (t !== this) t.dispose();
    return out;
  }

  /** The elements as plain numbers in row-major order (int64 converted to number). */
  toArray(): number[] {
    const d = this.dtype === 'float16' || this.dtype === 'bfloat16' ? this.toFloat32Array() : this.dataSync();
    if (d instanceof BigInt64Array) return Array.from(d, Number);
    return Array.from(d as ArrayLike<number>);
  }

  /** The elements as nested arrays shaped like the tensor (a number for 0-d tensors). */
  toList(): NestedArray {
    const flat = this.toArray();
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    if (shape.length === 0) return isBool ? flat[0] !== 0 : flat[0];
    let i = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let k = 0; k < shape[d]; k++) {
        if (d === shape.length - 1) {
          const v = flat[i++];
          out.push(isBool ? v !== 0 : v);
        } else out.push(build(d + 1));
      }
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this[HANDLE]);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  toString(): string {
    if (native.isDisposed(this.#handle)) return 'Tensor(<disposed>)';
    const shape = this.shape;
    const extra = `shape=[${shape.join(', ')}], dtype=${this.dtype}${this.device === 'cpu' ? '' : `, device=${this.device}`}${this.requiresGrad ? ', requiresGrad' : ''}`;
    if (this.numel > 64) return `Tensor(${extra})`;
    return `Tensor(${JSON.stringify(this.toList())}, ${extra})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ----- conversion -------------------------------------------------------------------------------------------

  /** Converts to a dtype and/or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(dtypeOrDevice: DType | string, options: { copy?: boolean } = {}): Tensor {
    if (isDType(dtypeOrDevice)) return aten.to_dtype(this, dtypeOrDevice, false, options.copy ?? false);
    return aten.to_device(this, dtypeOrDevice, this.dtype, false, options.copy ?? false);
  }

  float(): Tensor {
    return this.to('float32');
  }

  double(): Tensor {
    return this.to('float64');
  }

  long(): Tensor {
    return this.to('int64');
  }

  bool(): Tensor {
    return this.to('bool');
  }

  clone(): Tensor {
    return aten.clone(this);
  }

  contiguous(): Tensor {
    return aten.contiguous(this);
  }

  // ----- elementwise math (broadcasting) ----------------------------------------------------------------------

  add(other: Tensor | Scalar, alpha: Scalar = 1): Tensor {
    return other instanceof Tensor
      ? aten.add_Tensor(this, other, alpha)
      : aten.add_Scalar(this, other, alpha);
  }

  sub(other: Tensor | Scalar, alpha: Scalar = 1): Tensor {
    return other instanceof Tensor
      ? aten.sub_Tensor(this, other, alpha)
      : aten.sub_Scalar(this, other, alpha);
  }

  mul(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.mul_Tensor(this, other) : aten.mul_Scalar(this, other);
  }

  div(other: Tensor | Scalar, roundingMode?: 'trunc' | 'floor'): Tensor {
    if (roundingMode)
      return other instanceof Tensor
        ? aten.div_Tensor_mode(this, other, roundingMode)
        : aten.div_Scalar_mode(this, other, roundingMode);
    return other instanceof Tensor ? aten.div_Tensor(this, other) : aten.div_Scalar(this, other);
  }

  /** `other - this` (PyTorch's `rsub`), handy for `1 - x`. */
  rsub(other: Scalar): Tensor {
    return aten.rsub_Scalar(this, other);
  }

  pow(exponent: Tensor | Scalar): Tensor {
    return exponent instanceof Tensor
      ? aten.pow_Tensor_Tensor(this, exponent)
      : aten.pow_Tensor_Scalar(this, exponent);
  }

  remainder(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.remainder_Tensor(this, other) : aten.remainder_Scalar(this, other);
  }

  neg(): Tensor {
    return aten.neg(this);
  }
  abs(): Tensor {
    return aten.abs(this);
  }
  exp(): Tensor {
    return aten.exp(this);
  }
  expm1(): Tensor {
    return aten.expm1(this);
  }
  log(): Tensor {
    return aten.log(this);
  }
  log1p(): Tensor {
    return aten.log1p(this);
  }
  log10(): Tensor {
    return aten.log10(this);
  }
  sqrt(): Tensor {
    return aten.sqrt(this);
  }
  rsqrt(): Tensor {
    return aten.rsqrt(this);
  }
  square(): Tensor {
    return aten.square(this);
  }
  reciprocal(): Tensor {
    return aten.reciprocal(this);
  }
  sin(): Tensor {
    return aten.sin(this);
  }
  cos(): Tensor {
    return aten.cos(this);
  }
  atan2(other: Tensor): Tensor {
    return aten.atan2(this, other);
  }
  sign(): Tensor {
    return aten.sign(this);
  }
  floor(): Tensor {
    return aten.floor(this);
  }
  ceil(): Tensor {
    return aten.ceil(this);
  }
  round(): Tensor {
    return aten.round(this);
  }
  sigmoid(): Tensor {
    return aten.sigmoid(this);
  }
  tanh(): Tensor {
    return aten.tanh(this);
  }
  relu(): Tensor {
    return aten.relu(this);
  }
  /** Real part magnitude of a complex tensor or |x| of a real one. */
  angle(): Tensor {
    return aten.angle(this);
  }

  /** Limits values to [min, max] (either may be null). */
  clamp(min: Scalar | null = null, max: Scalar | null = null): Tensor {
    return aten.clamp(this, min, max);
  }

  clampMin(min: Scalar): Tensor {
    return aten.clamp_min(this, min);
  }

  clampMax(max: Scalar): Tensor {
    return aten.clamp_max(this, max);
  }

  maximum(other: Tensor): Tensor {
    return aten.maximum(this, other);
  }

  minimum(other: Tensor): Tensor {
    return aten.minimum(this, other);
  }

  // comparisons (return bool tensors)
  eq(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.eq_Tensor(this, other) : aten.eq_Scalar(this, other);
  }
  ne(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.ne_Tensor(this, other) : aten.ne_Scalar(this, other);
  }
  lt(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.lt_Tensor(this, other) : aten.lt_Scalar(this, other);
  }
  le(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.le_Tensor(this, other) : aten.le_Scalar(this, other);
  }
  gt(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.gt_Tensor(this, other) : aten.gt_Scalar(this, other);
  }
  ge(other: Tensor | Scalar): Tensor {
    return other instanceof Tensor ? aten.ge_Tensor(this, other) : aten.ge_Scalar(this, other);
  }
  logicalNot(): Tensor {
    return aten.logical_not(this);
  }
  logicalAnd(other: Tensor): Tensor {
    return aten.logical_and(this, other);
  }
  logicalOr(other: Tensor): Tensor {
    return aten.logical_or(this, other);
  }
  isnan(): Tensor {
    return aten.isnan(this);
  }
  isfinite(): Tensor {
    return aten.isfinite(this);
  }

  /** `this` where `mask` is false, `value` where it is true (broadcasting). */
  maskedFill(mask: Tensor, value: Scalar | Tensor): Tensor {
    return value instanceof Tensor
      ? aten.masked_fill_Tensor(this, mask, value)
      : aten.masked_fill_Scalar(this, mask, value);
  }

  // ----- in place ---------------------------------------------------------------------------------------------

  add_(other: Tensor | Scalar, alpha: Scalar = 1): this {
    inPlace(
      other instanceof Tensor ? aten.add__Tensor(this, other, alpha) : aten.add__Scalar(this, other, alpha),
    );
    return this;
  }
  sub_(other: Tensor | Scalar, alpha: Scalar = 1): this {
    inPlace(
      other instanceof Tensor ? aten.sub__Tensor(this, other, alpha) : aten.sub__Scalar(this, other, alpha),
    );
    return this;
  }
  mul_(other: Tensor | Scalar): this {
    inPlace(other instanceof Tensor ? aten.mul__Tensor(this, other) : aten.mul__Scalar(this, other));
    return this;
  }
  div_(other: Tensor | Scalar): this {
    inPlace(other instanceof Tensor ? aten.div__Tensor(this, other) : aten.div__Scalar(this, other));
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value: Scalar = 1): this {
    inPlace(aten.addcmul_(this, t1, t2, value));
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value: Scalar = 1): this {
    inPlace(aten.addcdiv_(this, t1, t2, value));
    return this;
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: Scalar): this {
    inPlace(aten.lerp__Scalar(this, end, weight));
    return this;
  }
  clamp_(min: Scalar | null = null, max: Scalar | null = null): this {
    inPlace(aten.clamp_(this, min, max));
    return this;
  }
  zero_(): this {
    inPlace(aten.zero_(this));
    return this;
  }
  fill_(value: Scalar): this {
    inPlace(aten.fill__Scalar(this, value));
    return this;
  }
  /** Copies `src` (broadcast) into this tensor's memory. */
  copy_(src: Tensor): this {
    inPlace(aten.copy_(this, src));
    return this;
  }
  maskedFill_(mask: Tensor, value: Scalar): this {
    inPlace(aten.masked_fill__Scalar(this, mask, value));
    return this;
  }
  uniform_(from = 0, to = 1): this {
    inPlace(aten.uniform_(this, from, to));
    return this;
  }
  normal_(mean = 0, std = 1): this {
    inPlace(aten.normal_(this, mean, std));
    return this;
  }

  // ----- reductions -------------------------------------------------------------------------------------------

  /** Sum of all elements, or over `dim` (a number or list). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? aten.sum(this) : aten.sum_dim_IntList(this, dim, keepdim);
  }

  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? aten.mean(this) : aten.mean_dim(this, dim, keepdim);
  }

  /** Product of all elements, or over one dim. */
  prod(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? aten.prod(this) : aten.prod_dim_int(this, dim, keepdim);
  }

  /** Variance (Bessel-corrected by default, as PyTorch). */
  var(dim?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    return aten.var_dim(this, dim ?? null, options.unbiased ?? true, options.keepdim ?? false);
  }

  std(dim?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    return aten.std_dim(this, dim ?? null, options.unbiased ?? true, options.keepdim ?? false);
  }

  /** Largest element (no dim), or `{values, indices}` along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return aten.max(this);
    const [values, indices] = aten.max_dim(this, dim, keepdim);
    return { values, indices };
  }

  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return aten.min(this);
    const [values, indices] = aten.min_dim(this, dim, keepdim);
    return { values, indices };
  }

  amax(dim: number | number[] = [], keepdim = false): Tensor {
    return aten.amax(this, dim, keepdim);
  }

  amin(dim: number | number[] = [], keepdim = false): Tensor {
    return aten.amin(this, dim, keepdim);
  }

  argmax(dim?: number, keepdim = false): Tensor {
    return aten.argmax(this, dim ?? null, keepdim);
  }

  argmin(dim?: number, keepdim = false): Tensor {
    return aten.argmin(this, dim ?? null, keepdim);
  }

  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return aten.logsumexp(this, dim, keepdim);
  }

  /** p-norm over all elements or over `dim`. */
  norm(p: number = 2, dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? aten.norm_Scalar(this, p) : aten.norm_ScalarOpt_dim(this, p, dim, keepdim);
  }

  cumsum(dim: number, dtype?: DType): Tensor {
    return aten.cumsum(this, dim, dtype ?? null);
  }

  all(): Tensor {
    return aten.all(this);
  }

  any(): Tensor {
    return aten.any(this);
  }

  softmax(dim: number): Tensor {
    return aten.softmax_int(this, dim);
  }

  logSoftmax(dim: number): Tensor {
    return aten.log_softmax_int(this, dim);
  }

  // ----- linear algebra ---------------------------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return aten.matmul(this, other);
  }

  /** Batched matrix product: [B, N, M] x [B, M, P] -> [B, N, P]. */
  bmm(other: Tensor): Tensor {
    return aten.bmm(this, other);
  }

  /** Matrix product of 2-d tensors. */
  mm(other: Tensor): Tensor {
    return aten.mm(this, other);
  }

  // ----- shape ------------------------------------------------------------------------------------------------

  /** A view with a new shape (one entry may be -1). Requires compatible strides; see reshape. */
  view(...shape: number[] | [number[]]): Tensor {
    return aten.view(this, flatShape(shape));
  }

  reshape(...shape: number[] | [number[]]): Tensor {
    return aten.reshape(this, flatShape(shape));
  }

  /** Reorders dimensions. */
  permute(...dims: number[] | [number[]]): Tensor {
    return aten.permute(this, flatShape(dims));
  }

  transpose(dim0: number, dim1: number): Tensor {
    return aten.transpose_int(this, dim0, dim1);
  }

  /** Transpose of a 2-d tensor. */
  get T(): Tensor {
    return aten.t(this);
  }

  squeeze(dim?: number): Tensor {
    return dim === undefined ? aten.squeeze(this) : aten.squeeze_dim(this, dim);
  }

  unsqueeze(dim: number): Tensor {
    return aten.unsqueeze(this, dim);
  }

  flatten(startDim = 0, endDim = -1): Tensor {
    return aten.flatten_using_ints(this, startDim, endDim);
  }

  /** Broadcasts to a larger shape without copying (-1 keeps a size). */
  expand(...shape: number[] | [number[]]): Tensor {
    return aten.expand(this, flatShape(shape));
  }

  expandAs(other: Tensor): Tensor {
    return aten.expand_as(this, other);
  }

  /** Tiles the tensor: repeat(2, 1) doubles dim 0. */
  repeat(...repeats: number[] | [number[]]): Tensor {
    return aten.repeat(this, flatShape(repeats));
  }

  repeatInterleave(repeats: number, dim?: number): Tensor {
    return aten.repeat_interleave_self_int(this, repeats, dim ?? null);
  }

  flip(dims: number | number[]): Tensor {
    return aten.flip(this, typeof dims === 'number' ? [dims] : dims);
  }

  /** Slice `length` elements of `dim` starting at `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return aten.narrow(this, dim, start, length);
  }

  /** Python's `x[..., start:end:step]` along `dim` (a view; end may be negative or omitted). */
  slice(dim: number, start = 0, end?: number, step = 1): Tensor {
    return aten.slice_Tensor(this, dim, start, end ?? null, step);
  }

  /** Python's `x[index]` along `dim` (drops the dimension; a view). */
  select(dim: number, index: number): Tensor {
    return aten.select_int(this, dim, index);
  }

  /** Splits into pieces of `size` (a number) or of the given sizes along `dim`. */
  split(size: number | number[], dim = 0): Tensor[] {
    return typeof size === 'number'
      ? aten.split_Tensor(this, size, dim)
      : aten.split_with_sizes(this, size, dim);
  }

  chunk(chunks: number, dim = 0): Tensor[] {
    return aten.chunk(this, chunks, dim);
  }

  unbind(dim = 0): Tensor[] {
    return aten.unbind_int(this, dim);
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return aten.index_select(this, dim, index);
  }

  gather(dim: number, index: Tensor): Tensor {
    return aten.gather(this, dim, index);
  }

  /** Out-of-place scatter: a copy with `src` written at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: Tensor | Scalar): Tensor {
    return src instanceof Tensor
      ? aten.scatter_src(this, dim, index, src)
      : aten.scatter_value(this, dim, index, src);
  }

  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return aten.scatter_add(this, dim, index, src);
  }

  /** Advanced indexing `x[i0, i1, ...]` with index tensors (null keeps a dimension whole). */
  index(indices: (Tensor | null)[]): Tensor {
    return aten.index_Tensor(this, indices);
  }

  /** Elements where `mask` is true, as a 1-d tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return aten.masked_select(this, mask);
  }

  /** Lower (`tril`) / upper (`triu`) triangle. */
  tril(diagonal = 0): Tensor {
    return aten.tril(this, diagonal);
  }

  triu(diagonal = 0): Tensor {
    return aten.triu(this, diagonal);
  }
}

function isDType(s: string): s is DType {
  try {
    dtypeCode(s as DType);
    return true;
  } catch {
    return false;
  }
}

function flatShape(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

/** Drops the extra wrapper an in-place op returns (it aliases `this`). */
function inPlace(t: Tensor): void {
  t.dispose();
}

setHandleWrapper((h) => new Tensor(h));
setTensorCheck((v): v is Tensor => v instanceof Tensor);
setScopeListener((open) => native.setScopeOpen(open));

// ----- creation -----------------------------------------------------------------------------------------------

export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  let out = t;
  if (options.device && options.device !== 'cpu') {
    out = t.to(options.device);
    t.dispose();
  }
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

function flattenInto(data: NestedArray, out: (number | boolean)[]): void {
  if (Array.isArray(data)) for (const d of data) flattenInto(d, out);
  else out.push(data);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

/**
 * A tensor from nested arrays, a typed array (1-d, or shaped with `shape`) or a number.
 * Numbers default to float32, booleans to bool, BigInt64Array to int64, as PyTorch's defaults are.
 */
export function tensor(
  data: NestedArray | AnyTypedArray,
  options: CreateOptions & { shape?: Shape } = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = options.dtype ?? dtypeOfTypedArray(data as AnyTypedArray);
    const shape = options.shape ? [...options.shape] : [(data as AnyTypedArray).length];
    const natural = data instanceof Uint16Array ? dtype : dtypeOfTypedArray(data as AnyTypedArray);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (natural === dtype || (natural === 'uint8' && dtype === 'bool')) {
      return finish(new Tensor(native.fromBytes(bytes, shape, dtypeCode(dtype))), options);
    }
    const raw = new Tensor(native.fromBytes(bytes, shape, dtypeCode(natural)));
    const out = raw.to(dtype);
    raw.dispose();
    return finish(out, options);
  }
  const shape = options.shape ? [...options.shape] : inferShape(data);
  const flat: (number | boolean)[] = [];
  flattenInto(data, flat);
  const isBool = typeof flat[0] === 'boolean';
  const dtype = options.dtype ?? (isBool ? 'bool' : 'float32');
  const n = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n) {
    throw new RangeError(
      `tensor(): ragged nested array (${flat.length} values for shape [${shape.join(', ')}])`,
    );
  }
  const f64 = Float64Array.from(flat, (v) => Number(v));
  const raw = new Tensor(native.fromBytes(new Uint8Array(f64.buffer), shape, dtypeCode('float64')));
  if (dtype === 'float64') return finish(raw, options);
  const out = raw.to(dtype);
  raw.dispose();
  return finish(out, options);
}

/** A tensor that wraps raw little-endian element bytes (copied). */
export function fromBytes(bytes: Uint8Array, shape: Shape, dtype: DType): Tensor {
  const need = shape.reduce((a, b) => a * b, 1) * dtypeSize(dtype);
  if (bytes.byteLength !== need) {
    throw new RangeError(
      `fromBytes: shape [${shape.join(', ')}] ${dtype} needs ${need} bytes, got ${bytes.byteLength}`,
    );
  }
  return new Tensor(native.fromBytes(bytes, [...shape], dtypeCode(dtype)));
}

/** A copy of a tensor's element bytes (little-endian, row-major). */
export function toBytes(t: Tensor): Uint8Array {
  return new Uint8Array(native.toBytes(t[HANDLE]));
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return finish(aten.zeros([...shape], options.dtype ?? 'float32'), options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return finish(aten.ones([...shape], options.dtype ?? 'float32'), options);
}

export function full(shape: Shape, value: Scalar, options: CreateOptions = {}): Tensor {
  return finish(
    aten.full([...shape], value, options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32')),
    options,
  );
}

export function empty(shape: Shape, options: CreateOptions = {}): Tensor {
  return finish(aten.empty_memory_format([...shape], options.dtype ?? 'float32'), options);
}

export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(aten.zeros_like(t, options.dtype ?? null), options);
}

export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(aten.ones_like(t, options.dtype ?? null), options);
}

export function fullLike(t: Tensor, value: Scalar, options: CreateOptions = {}): Tensor {
  return finish(aten.full_like(t, value, options.dtype ?? null), options);
}

/** Values from `start` to `end` (exclusive) by `step`; `arange(n)` is 0..n-1 as int64. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return finish(aten.arange_start_step(s, e, step, dtype), options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  return finish(aten.linspace(start, end, steps, options.dtype ?? 'float32'), options);
}

/** Identity matrix. */
export function eye(n: number, options: CreateOptions = {}): Tensor {
  return finish(aten.eye(n, options.dtype ?? 'float32'), options);
}

/** Scalar (0-d) tensor. */
export function scalarTensor(value: Scalar, options: CreateOptions = {}): Tensor {
  return finish(
    aten.scalar_tensor(value, options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32')),
    options,
  );
}

// ----- joining ------------------------------------------------------------------------------------------------

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return aten.cat(tensors, dim);
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  return aten.stack(tensors, dim);
}

/** `a` where `condition` is true, else `b` (broadcasting). */
export function where(condition: Tensor, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return aten.where_self(condition, a, b);
  if (a instanceof Tensor) return aten.where_ScalarOther(condition, a, b as Scalar);
  if (b instanceof Tensor) return aten.where_ScalarSelf(condition, a, b);
  return aten.where_Scalar(condition, a, b);
}

/** Einstein summation, e.g. einsum('bij,bjk->bik', a, b). */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return aten.einsum(equation, operands);
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
