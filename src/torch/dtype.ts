/** Tensor element types, with c10::ScalarType codes and byte sizes. */

export type DType =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128'
  | 'bool'
  | 'bfloat16';

const CODES: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  complex64: 9,
  complex128: 10,
  bool: 11,
  bfloat16: 15,
};

const BY_CODE: DType[] = [];
for (const [name, code] of Object.entries(CODES)) BY_CODE[code] = name as DType;

const SIZES: Record<DType, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
  complex64: 8,
  complex128: 16,
  bool: 1,
  bfloat16: 2,
};

/** The c10::ScalarType code of a dtype. */
export function dtypeCode(dtype: DType): number {
  const code = CODES[dtype];
  if (code === undefined)
    throw new TypeError(`unknown dtype '${dtype}' (known: ${Object.keys(CODES).join(', ')})`);
  return code;
}

/** The dtype of a c10::ScalarType code. */
export function dtypeFromCode(code: number): DType {
  const name = BY_CODE[code];
  if (!name) throw new TypeError(`unsupported c10::ScalarType code ${code}`);
  return name;
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return SIZES[dtype];
}

export function isFloatingDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A typed array that views element data of this dtype (float16/bfloat16 are raw Uint16 bits). */
export type TypedArrayFor<D extends DType> = D extends 'float32' | 'complex64'
  ? Float32Array
  : D extends 'float64' | 'complex128'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16'
          ? Int16Array
          : D extends 'int8'
            ? Int8Array
            : D extends 'float16' | 'bfloat16'
              ? Uint16Array
              : Uint8Array;

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint16Array
  | Uint8Array;

/** View raw little-endian bytes as the typed array of a dtype (no copy; `buffer` must be aligned). */
export function typedView(dtype: DType, buffer: ArrayBuffer, byteOffset = 0, length?: number): AnyTypedArray {
  const n = length ?? (buffer.byteLength - byteOffset) / dtypeSize(dtype);
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'complex64':
      return new Float32Array(buffer, byteOffset, n * 2);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'complex128':
      return new Float64Array(buffer, byteOffset, n * 2);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer, byteOffset, n);
    default:
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/** The dtype that a typed array's elements hold when used to create a tensor. */
export function dtypeOfTypedArray(a: AnyTypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new TypeError('Uint16Array is ambiguous (float16 or bfloat16): pass the dtype explicitly');
}
