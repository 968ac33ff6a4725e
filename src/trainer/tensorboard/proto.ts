/**
 * Hand-written protocol-buffer encoding (wire format only) for the few TensorBoard messages we write.
 * Field numbers follow tensorboard/compat/proto/{event,summary,tensor,tensor_shape}.proto.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** Append-only protobuf message builder. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer, or any 64-bit value given as bigint (two's complement). */
  private varint(value: number | bigint): void {
    this.reserve(10);
    if (typeof value === 'number' && value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32 / int64 / enum / bool field (negative values take 10 bytes, as in protobuf). Skips 0 (proto3 default). */
  int(field: number, value: number | bigint | boolean): this {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (v === 0 || v === 0n) return this;
    if (typeof v === 'number' && !Number.isSafeInteger(v))
      throw new Error(`protobuf: ${v} is not an integer`);
    this.key(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  /** double field (fixed64). Written even when 0 only if `always`. */
  double(field: number, value: number, always = false): this {
    if (value === 0 && !always && !Object.is(value, -0)) return this;
    this.key(field, WIRE_FIXED64);
    this.reserve(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  /** float field (fixed32). Written even when 0 only if `always`. */
  float(field: number, value: number, always = false): this {
    if (value === 0 && !always && !Object.is(value, -0)) return this;
    this.key(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** bytes field (length-delimited). Written even when empty only if `always`. */
  bytes(field: number, value: Uint8Array, always = false): this {
    if (value.length === 0 && !always) return this;
    this.key(field, WIRE_BYTES);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, value: string, always = false): this {
    return this.bytes(field, textEncoder.encode(value), always);
  }

  /** Embedded message field (always written, even when empty: presence matters for oneof members). */
  message(field: number, value: ProtoWriter | Uint8Array): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value, true);
  }

  /** The encoded message (a view on the internal buffer until the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
