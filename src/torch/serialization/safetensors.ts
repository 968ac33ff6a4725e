/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written in pure TypeScript:
 * an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}` padded with spaces
 * to a multiple of 8, then the tensor bytes (little-endian, row-major), which must be covered exactly, without
 * holes or overlaps, by the tensors' offsets.
 *
 * The writer lays files out byte-for-byte like the reference Rust/Python implementation: tensors sorted by
 * dtype (in the reference's dtype order, which puts larger elements first, so every tensor is naturally
 * aligned) then by name, `__metadata__` first in the header, compact JSON.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic, writeFileAtomicSync } from '../../util/atomic.ts';
import { checkRawTensor, type DType, elementSize, numel, type RawTensor } from './raw.ts';

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** Tensors in file order (by offset). Data are views into the file bytes where aligned, copies otherwise. */
  tensors: Map<string, RawTensor>;
  /** The `__metadata__` string map (empty if absent). */
  metadata: Record<string, string>;
}

/** Tensors to write: a Map (or a plain object) from name to tensor. */
export type TensorsInput = Map<string, RawTensor> | Record<string, RawTensor>;

const TO_CODE: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

const FROM_CODE: Record<string, DType> = Object.fromEntries(
  Object.entries(TO_CODE).map(([dtype, code]) => [code, dtype as DType]),
);

/**
 * Position of each dtype in the reference implementation's `Dtype` enum (BOOL, U8, I8, F8_E5M2, F8_E4M3, I16,
 * U16, F16, BF16, I32, U32, F32, F64, I64, U64); the writer sorts by it, descending.
 */
const DTYPE_RANK: Record<DType, number> = {
  bool: 0,
  uint8: 1,
  int8: 2,
  int16: 5,
  float16: 7,
  bfloat16: 8,
  int32: 9,
  float32: 11,
  float64: 12,
  int64: 13,
};

/** Headers larger than this are refused (same limit as the reference implementation). */
const MAX_HEADER_SIZE = 100_000_000;

/** The safetensors dtype code (`'F32'`, `'BF16'`, ...) of a dtype. */
export function safetensorsDtypeCode(dtype: DType): string {
  const code = TO_CODE[dtype];
  if (code === undefined) throw new Error(`dtype '${String(dtype)}' has no safetensors code`);
  return code;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a safetensors file from a path or from its bytes, validating the header: its length lies within the
 * file, every tensor has a known dtype, a valid shape and in-bounds offsets whose byte count is
 * `prod(shape) * elementSize`, tensors neither overlap nor leave holes, and the data section ends at the end
 * of the file. Errors name the file and the offending tensor.
 */
export function readSafetensors(source: string | Uint8Array, name?: string): SafetensorsFile {
  const file = name ?? (typeof source === 'string' ? source : '<bytes>');
  const bytes = typeof source === 'string' ? readFileSync(source) : source;
  const fail = (msg: string): never => {
    throw new Error(`safetensors ${file}: ${msg}`);
  };
  if (bytes.byteLength < 8) fail(`file too short (${bytes.byteLength} bytes) to hold the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(bytes.byteLength - 8)) {
    fail(`header length ${headerLen64} exceeds the ${bytes.byteLength - 8} bytes after it (truncated file?)`);
  }
  const headerLen = Number(headerLen64);
  if (headerLen > MAX_HEADER_SIZE) fail(`header length ${headerLen} exceeds ${MAX_HEADER_SIZE}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(header)) return fail('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const rawMeta = header.__metadata__;
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isPlainObject(rawMeta)) fail('__metadata__ is not an object');
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__ value for '${k}' is not a string`);
      metadata[k] = v as string;
    }
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [tname, info] of Object.entries(header)) {
    if (tname === '__metadata__') continue;
    const where = `tensor '${tname}'`;
    if (!isPlainObject(info)) return fail(`${where}: entry is not an object`);
    const code = info.dtype;
    if (typeof code !== 'string') return fail(`${where}: missing dtype`);
    const dtype = Object.hasOwn(FROM_CODE, code) ? FROM_CODE[code] : undefined;
    if (dtype === undefined) return fail(`${where}: unknown or unsupported dtype '${code}'`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      return fail(`${where}: invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      return fail(`${where}: invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) {
      fail(`${where}: data_offsets [${begin}, ${end}] exceed the ${dataLen}-byte data section (truncated?)`);
    }
    let expected: number;
    try {
      expected = numel(shape) * elementSize(dtype);
    } catch (err) {
      return fail(`${where}: ${(err as Error).message}`);
    }
    if (end - begin !== expected) {
      fail(`${where}: ${code}[${shape}] needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ name: tname, dtype, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.begin < pos) {
      fail(`tensor '${e.name}' [${e.begin}, ${e.end}] overlaps tensor '${entries[i - 1]!.name}'`);
    }
    if (e.begin > pos) fail(`hole in the data section before tensor '${e.name}' (bytes ${pos}..${e.begin})`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`data section has ${dataLen - pos} trailing bytes not covered by any tensor`);

  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    const start = dataStart + e.begin;
    const size = elementSize(e.dtype);
    let data = bytes.subarray(start, dataStart + e.end);
    if ((bytes.byteOffset + start) % size !== 0)
      data = new Uint8Array(data); // aligned copy
    else data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // plain view, even of a Buffer
    tensors.set(e.name, { dtype: e.dtype, shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Lays out a safetensors file: returns its byte chunks (length prefix + padded header, then each tensor's data,
 * shared, not copied). Throws if a tensor's byte count does not match its dtype and shape.
 */
export function serializeSafetensors(tensors: TensorsInput, metadata?: Record<string, string>): Uint8Array[] {
  const list: [string, RawTensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new Error("safetensors: a tensor cannot be named '__metadata__'");
    safetensorsDtypeCode(t.dtype);
    checkRawTensor(t, `safetensors: tensor '${name}'`);
  }
  list.sort(([an, a], [bn, b]) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(an, bn));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata value for '${k}' is not a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${TO_CODE[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.byteLength);
  return [head, ...list.map(([, t]) => t.data)];
}

/** Serializes to one contiguous buffer (see {@link serializeSafetensors}). */
export function safetensorsToBytes(tensors: TensorsInput, metadata?: Record<string, string>): Uint8Array {
  return Buffer.concat(serializeSafetensors(tensors, metadata));
}

/**
 * Writes a safetensors file atomically (temp file `path.tmp-<pid>-<rand>`, fsync, rename): a crash never
 * leaves a partial file at `path`.
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorsInput,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Synchronous variant of {@link writeSafetensors}. */
export function writeSafetensorsSync(
  path: string,
  tensors: TensorsInput,
  metadata?: Record<string, string>,
): void {
  writeFileAtomicSync(path, serializeSafetensors(tensors, metadata));
}
