/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 * `uint64 length (LE) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)`.
 */
import { maskedCrc32c } from '../../util/crc.ts';

/** Frames one record. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Splits a TFRecord byte stream into its records, checking both CRCs of each.
 * Throws on a CRC mismatch or a truncated record (`name` is used in the message).
 */
export function decodeRecords(bytes: Uint8Array, name = '<buffer>'): Uint8Array[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`${name}: truncated record header at byte ${pos}`);
    const len = Number(v.getBigUint64(pos, true));
    if (v.getUint32(pos + 8, true) !== maskedCrc32c(bytes.subarray(pos, pos + 8))) {
      throw new Error(`${name}: length CRC mismatch in the record at byte ${pos}`);
    }
    const start = pos + 12;
    if (start + len + 4 > bytes.length) throw new Error(`${name}: truncated record data at byte ${pos}`);
    const data = bytes.subarray(start, start + len);
    if (v.getUint32(start + len, true) !== maskedCrc32c(data)) {
      throw new Error(`${name}: data CRC mismatch in the record at byte ${pos}`);
    }
    records.push(data);
    pos = start + len + 4;
  }
  return records;
}
