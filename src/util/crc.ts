/**
 * Table-driven CRC-32 checksums, in pure TypeScript.
 * - `crc32`: the ISO-HDLC / zlib / PNG CRC (reflected polynomial 0xEDB88320);
 * - `crc32c`: the Castagnoli CRC (reflected polynomial 0x82F63B78) used by TFRecord / TensorBoard files;
 * - `maskedCrc32c`: TFRecord's masked form, `((crc >>> 15) | (crc << 17)) + 0xa282ead8`.
 * All return unsigned 32-bit integers.
 */

function makeTables(poly: number): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables.push(t0);
  // Slicing-by-4 tables: t[k][n] is the CRC of byte n followed by k zero bytes.
  for (let k = 1; k < 4; k++) {
    const prev = tables[k - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)) >>> 0;
    tables.push(t);
  }
  return tables;
}

const CRC32_TABLES = makeTables(0xedb88320);
const CRC32C_TABLES = makeTables(0x82f63b78);

function update(tables: Uint32Array[], crc: number, bytes: Uint8Array): number {
  const [t0, t1, t2, t3] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  const n = bytes.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 (zlib/PNG) of `bytes`; pass a previous result as `crc` to continue a running checksum. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return update(CRC32_TABLES, crc, bytes);
}

/** CRC-32C (Castagnoli) of `bytes`; pass a previous result as `crc` to continue a running checksum. */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  return update(CRC32C_TABLES, crc, bytes);
}

/** TFRecord's masked CRC-32C of `bytes`: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, mod 2^32. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}
