/**
 * Engine-independent tensor records: what checkpoint readers produce and writers consume. The tensor engine
 * turns a {@link RawTensor} into a libtorch tensor (and back); nothing here depends on it.
 */

/** Element types a checkpoint tensor can have. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** A tensor's bytes as stored: little-endian, contiguous in row-major order for `shape`. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

const ELEMENT_SIZES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** All supported dtypes. */
export const DTYPES: readonly DType[] = Object.keys(ELEMENT_SIZES) as DType[];

/** Bytes per element of `dtype`. */
export function elementSize(dtype: DType): number {
  const size = ELEMENT_SIZES[dtype];
  if (size === undefined) throw new Error(`unknown dtype '${String(dtype)}'`);
  return size;
}

/** Number of elements of a tensor of `shape` (1 for a 0-d tensor). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`invalid dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new Error(`shape [${shape}] has too many elements`);
  return n;
}

/** True when `value` looks like a {@link RawTensor}. */
export function isRawTensor(value: unknown): value is RawTensor {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<RawTensor>;
  return (
    typeof v.dtype === 'string' &&
    v.dtype in ELEMENT_SIZES &&
    Array.isArray(v.shape) &&
    v.data instanceof Uint8Array
  );
}

/** Checks that `t.data` holds exactly `numel(shape) * elementSize(dtype)` bytes; throws otherwise. */
export function checkRawTensor(t: RawTensor, what = 'tensor'): void {
  const expected = numel(t.shape) * elementSize(t.dtype);
  if (t.data.byteLength !== expected) {
    throw new Error(`${what}: ${t.dtype}[${t.shape}] needs ${expected} bytes but has ${t.data.byteLength}`);
  }
}

/** Creates a {@link RawTensor} from a typed array (copied; bool and uint8 both take a Uint8Array). */
export function rawTensorFrom(
  dtype: DType,
  shape: number[],
  values:
    | Float32Array
    | Float64Array
    | BigInt64Array
    | Int32Array
    | Int16Array
    | Int8Array
    | Uint8Array
    | Uint16Array,
): RawTensor {
  const data = new Uint8Array(values.byteLength);
  data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const t: RawTensor = { dtype, shape: [...shape], data };
  checkRawTensor(t);
  return t;
}

/** Decodes an IEEE half-precision bit pattern to a number (exact). */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes a bfloat16 bit pattern to a number (exact). */
export function bfloat16ToNumber(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (bits & 0xffff) << 16, true);
  return view.getFloat32(0, true);
}

/**
 * Decodes a tensor's elements (row-major) into a typed array: Float32Array for float32/float16/bfloat16
 * (half types widen exactly), Float64Array, BigInt64Array for int64, Int32Array/Int16Array/Int8Array, and
 * Uint8Array for uint8 and bool. Always a copy, so unaligned data is fine.
 */
export function rawTensorValues(
  t: RawTensor,
): Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array {
  checkRawTensor(t);
  const copy = new Uint8Array(t.data); // aligned copy
  const buf = copy.buffer;
  switch (t.dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint8':
    case 'bool':
      return copy;
    case 'float16':
    case 'bfloat16': {
      const bits = new Uint16Array(buf);
      const out = new Float32Array(bits.length);
      const decode = t.dtype === 'float16' ? float16ToNumber : bfloat16ToNumber;
      for (let i = 0; i < bits.length; i++) out[i] = decode(bits[i]!);
      return out;
    }
  }
}
