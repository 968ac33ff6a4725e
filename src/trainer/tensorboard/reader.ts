/**
 * TensorBoard event-file reader, in pure TypeScript: TFRecord framing with both CRCs checked
 * (`decodeRecords`), and the `Event` / `Summary` protocol-buffer fields that carry scalars (field numbers of
 * tensorboard/compat/proto/{event,summary,tensor}.proto). Images, audio and text are recognised by kind
 * and not decoded. Used by `ribbit logs`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecords } from './record.ts';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const textDecoder = new TextDecoder();

/** One field of a protobuf message: its number, wire type and raw payload. */
interface ProtoField {
  field: number;
  wire: number;
  /** Varint value (as bigint: int64 steps can exceed 2^53 in principle). */
  varint?: bigint;
  /** fixed64 / fixed32 / length-delimited bytes. */
  bytes?: Uint8Array;
}

/** Splits a protobuf message into its fields (wire format only; unknown fields are kept as raw bytes). */
export function decodeFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint longer than 10 bytes');
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new Error('protobuf: truncated field');
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === WIRE_VARINT) out.push({ field, wire, varint: varint() });
    else if (wire === WIRE_FIXED64) out.push({ field, wire, bytes: take(8) });
    else if (wire === WIRE_FIXED32) out.push({ field, wire, bytes: take(4) });
    else if (wire === WIRE_BYTES) out.push({ field, wire, bytes: take(Number(varint())) });
    else throw new Error(`protobuf: unsupported wire type ${wire} (field ${field})`);
  }
  return out;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const f64 = (b: Uint8Array) => view(b).getFloat64(0, true);
const f32 = (b: Uint8Array) => view(b).getFloat32(0, true);

// event.proto / summary.proto / tensor.proto field numbers.
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_FILE_VERSION = 3;
const EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE_VALUE = 2;
const VALUE_KINDS: Record<number, TbValueKind> = { 4: 'image', 5: 'histogram', 6: 'audio', 8: 'tensor' };
const VALUE_TENSOR = 8;
const VALUE_METADATA = 9;
const METADATA_PLUGIN_DATA = 1;
const PLUGIN_NAME = 1;
const TENSOR_DTYPE = 1;
const TENSOR_CONTENT = 4;
const TENSOR_FLOAT_VAL = 5;
const TENSOR_DOUBLE_VAL = 6;
const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** What a summary value holds. */
export type TbValueKind = 'scalar' | 'image' | 'audio' | 'histogram' | 'tensor' | 'other';

/** One summary value of an event. */
export interface TbValue {
  tag: string;
  kind: TbValueKind;
  /** The number of a scalar (`simple_value`, or a one-element float tensor of the scalars plugin). */
  value?: number;
}

/** One event of an event file. */
export interface TbEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  /** Set on the first event of a file (`brain.Event:2`). */
  fileVersion?: string;
  values: TbValue[];
}

/** The value of a scalar stored as a tensor (TensorBoard 2 `scalars` plugin): one float or double. */
function tensorScalar(buf: Uint8Array): number | undefined {
  let dtype = 0;
  let content: Uint8Array | undefined;
  let value: number | undefined;
  for (const f of decodeFields(buf)) {
    if (f.field === TENSOR_DTYPE && f.varint !== undefined) dtype = Number(f.varint);
    else if (f.field === TENSOR_CONTENT) content = f.bytes;
    // float_val / double_val: packed (bytes) or not (fixed32 / fixed64); the first element.
    else if (f.field === TENSOR_FLOAT_VAL && f.bytes && f.bytes.length >= 4) value ??= f32(f.bytes);
    else if (f.field === TENSOR_DOUBLE_VAL && f.bytes && f.bytes.length >= 8) value ??= f64(f.bytes);
  }
  if (value === undefined && content?.length === 4 && dtype === DT_FLOAT) value = f32(content);
  if (value === undefined && content?.length === 8 && dtype === DT_DOUBLE) value = f64(content);
  return value;
}

function pluginName(metadata: Uint8Array): string | undefined {
  const plugin = decodeFields(metadata).find((f) => f.field === METADATA_PLUGIN_DATA)?.bytes;
  const name = plugin && decodeFields(plugin).find((f) => f.field === PLUGIN_NAME)?.bytes;
  return name ? textDecoder.decode(name) : undefined;
}

function decodeValue(buf: Uint8Array): TbValue {
  let tag = '';
  let kind: TbValueKind = 'other';
  let value: number | undefined;
  let tensor: Uint8Array | undefined;
  let plugin: string | undefined;
  for (const f of decodeFields(buf)) {
    if (f.field === VALUE_TAG && f.bytes) tag = textDecoder.decode(f.bytes);
    else if (f.field === VALUE_SIMPLE_VALUE && f.bytes) {
      kind = 'scalar';
      value = f32(f.bytes);
    } else if (f.field === VALUE_METADATA && f.bytes) plugin = pluginName(f.bytes);
    else if (VALUE_KINDS[f.field] !== undefined) {
      kind = VALUE_KINDS[f.field];
      if (f.field === VALUE_TENSOR) tensor = f.bytes;
    }
  }
  if (kind === 'tensor' && plugin === 'scalars' && tensor) {
    value = tensorScalar(tensor);
    if (value !== undefined) kind = 'scalar';
  }
  return value === undefined ? { tag, kind } : { tag, kind, value };
}

/** Decodes one serialized `Event`. */
export function decodeEvent(buf: Uint8Array): TbEvent {
  const event: TbEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of decodeFields(buf)) {
    if (f.field === EVENT_WALL_TIME && f.bytes) event.wallTime = f64(f.bytes);
    else if (f.field === EVENT_STEP && f.varint !== undefined)
      event.step = Number(BigInt.asIntN(64, f.varint));
    else if (f.field === EVENT_FILE_VERSION && f.bytes) event.fileVersion = textDecoder.decode(f.bytes);
    else if (f.field === EVENT_SUMMARY && f.bytes) {
      for (const v of decodeFields(f.bytes))
        if (v.field === SUMMARY_VALUE && v.bytes) event.values.push(decodeValue(v.bytes));
    }
  }
  return event;
}

/** Every event of one event file, in order. Throws on a CRC mismatch, a truncated record or a bad event. */
export function readEventFile(path: string): TbEvent[] {
  return decodeRecords(readFileSync(path), path).map((record, i) => {
    try {
      return decodeEvent(record);
    } catch (e) {
      throw new Error(`${path}: record ${i}: ${(e as Error).message}`);
    }
  });
}

/** The event files (`*tfevents*`) of a file or a folder and its sub-folders, sorted by path. */
export function findEventFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...findEventFiles(p));
    else if (e.name.includes('tfevents')) out.push(p);
  }
  return out.sort();
}

/** One point of a scalar series. */
export interface ScalarPoint {
  step: number;
  value: number;
  wallTime: number;
}

/**
 * The scalar series of a run folder or event file: tag -> points in file and write order (a resumed run
 * appends a new file, so a step may appear twice; the later point is the newer value).
 */
export function readScalars(path: string): Map<string, ScalarPoint[]> {
  const series = new Map<string, ScalarPoint[]>();
  for (const file of findEventFiles(path)) {
    for (const event of readEventFile(file)) {
      for (const v of event.values) {
        if (v.kind !== 'scalar' || v.value === undefined) continue;
        const point = { step: event.step, value: v.value, wallTime: event.wallTime };
        const s = series.get(v.tag);
        if (s) s.push(point);
        else series.set(v.tag, [point]);
      }
    }
  }
  return series;
}

/** Summary of a scalar series. */
export interface ScalarSummary {
  count: number;
  /** The value written last (wall time order) and its step. */
  last: number;
  lastStep: number;
  min: number;
  max: number;
  firstStep: number;
  maxStep: number;
}

/** Last value, min/max (NaN ignored unless all are NaN) and step range of a series. */
export function summarizeScalars(points: readonly ScalarPoint[]): ScalarSummary {
  if (points.length === 0) throw new Error('summarizeScalars: empty series');
  let last = points[0];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let firstStep = points[0].step;
  let maxStep = points[0].step;
  for (const p of points) {
    if (p.wallTime >= last.wallTime) last = p;
    if (!Number.isNaN(p.value)) {
      min = Math.min(min, p.value);
      max = Math.max(max, p.value);
    }
    firstStep = Math.min(firstStep, p.step);
    maxStep = Math.max(maxStep, p.step);
  }
  if (min > max) min = max = Number.NaN;
  return { count: points.length, last: last.value, lastStep: last.step, min, max, firstStep, maxStep };
}
