/**
 * A small read-only ZIP reader for checkpoint containers (torch.save's zip format): central directory, ZIP64
 * end records and extra fields, STORED (zero-copy) and DEFLATE (node:zlib) entries, optional CRC-32 checks.
 */
import * as zlib from 'node:zlib';

/** One file in a ZIP archive. */
export interface ZipEntry {
  /** Path inside the archive (UTF-8 or CP437-as-latin1 per the entry's flag). */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  /** Offset of the entry's local header in the archive. */
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
/** Most a DEFLATE entry may grow (uncompressed / compressed bytes, beyond 1 MiB): real tensors compress far less. */
const MAX_INFLATE_RATIO = 256;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE) of `data`; uses node:zlib's when available. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(data) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads entries out of a ZIP archive held in memory. */
export class ZipReader {
  /** Entries by name, in central-directory order. */
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  /**
   * Parses the central directory of `bytes`. `file` names the archive in error messages.
   * @throws if the archive is truncated or malformed.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly file = '<bytes>',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.parseDirectory();
  }

  private fail(msg: string): never {
    throw new Error(`zip ${this.file}: ${msg}`);
  }

  private u16(off: number): number {
    if (off + 2 > this.bytes.byteLength) this.fail(`unexpected end of file at offset ${off} (truncated?)`);
    return this.view.getUint16(off, true);
  }

  private u32(off: number): number {
    if (off + 4 > this.bytes.byteLength) this.fail(`unexpected end of file at offset ${off} (truncated?)`);
    return this.view.getUint32(off, true);
  }

  private u64(off: number): number {
    if (off + 8 > this.bytes.byteLength) this.fail(`unexpected end of file at offset ${off} (truncated?)`);
    const v = this.view.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit field at offset ${off} is too large`);
    return Number(v);
  }

  private findEocd(): number {
    const len = this.bytes.byteLength;
    const min = Math.max(0, len - 22 - 0xffff);
    for (let off = len - 22; off >= min; off--) {
      if (
        this.view.getUint32(off, true) === SIG_EOCD &&
        off + 22 + this.view.getUint16(off + 20, true) === len
      ) {
        return off;
      }
    }
    return this.fail('end of central directory not found (truncated or not a zip file)');
  }

  private parseDirectory(): void {
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (eocd >= 20 && this.u32(eocd - 20) === SIG_EOCD64_LOCATOR) {
      const rec = this.u64(eocd - 20 + 8);
      if (this.u32(rec) !== SIG_EOCD64) this.fail('ZIP64 end of central directory record not found');
      count = this.u64(rec + 32);
      cdSize = this.u64(rec + 40);
      cdOffset = this.u64(rec + 48);
    }
    if (cdOffset + cdSize > this.bytes.byteLength) {
      this.fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) lies outside the file (truncated?)`);
    }
    let off = cdOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(off) !== SIG_CENTRAL) this.fail(`bad central directory entry ${i} at offset ${off}`);
      const flags = this.u16(off + 8);
      const method = this.u16(off + 10);
      const crc = this.u32(off + 16);
      let compressedSize = this.u32(off + 20);
      let uncompressedSize = this.u32(off + 24);
      const nameLen = this.u16(off + 28);
      const extraLen = this.u16(off + 30);
      const commentLen = this.u16(off + 32);
      let localHeaderOffset = this.u32(off + 42);
      const nameBytes = this.bytes.subarray(off + 46, off + 46 + nameLen);
      const name = Buffer.from(nameBytes).toString(flags & 0x800 ? 'utf8' : 'latin1');
      // ZIP64 extended information: present fields follow the order below, only for maxed-out values.
      let x = off + 46 + nameLen;
      const extraEnd = x + extraLen;
      while (x + 4 <= extraEnd) {
        const id = this.u16(x);
        const size = this.u16(x + 2);
        if (id === 0x0001) {
          let p = x + 4;
          if (uncompressedSize === 0xffffffff) {
            uncompressedSize = this.u64(p);
            p += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = this.u64(p);
            p += 8;
          }
          if (localHeaderOffset === 0xffffffff) {
            localHeaderOffset = this.u64(p);
            p += 8;
          }
        }
        x += 4 + size;
      }
      this.entries.set(name, {
        name,
        method,
        compressedSize,
        uncompressedSize,
        crc32: crc,
        localHeaderOffset,
      });
      off = extraEnd + commentLen;
    }
  }

  /** True if the archive has an entry named `name`. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The uncompressed bytes of entry `name`: a view into the archive for STORED entries, a new buffer for
   * DEFLATE ones. With `verifyCrc`, the CRC-32 is checked as well.
   */
  read(name: string, verifyCrc = false): Uint8Array {
    const e = this.entries.get(name);
    if (!e) return this.fail(`no entry '${name}'`);
    const lh = e.localHeaderOffset;
    if (this.u32(lh) !== SIG_LOCAL) this.fail(`entry '${name}': bad local header at offset ${lh}`);
    const start = lh + 30 + this.u16(lh + 26) + this.u16(lh + 28);
    const end = start + e.compressedSize;
    if (end > this.bytes.byteLength) {
      this.fail(`entry '${name}': data [${start}, ${end}) runs past the end of the file (truncated?)`);
    }
    const raw = this.bytes.subarray(start, end);
    let out: Uint8Array;
    if (e.method === 0) {
      out = raw;
    } else if (e.method === 8) {
      if (e.uncompressedSize > e.compressedSize * MAX_INFLATE_RATIO + 2 ** 20) {
        this.fail(
          `entry '${name}': claims ${e.uncompressedSize} bytes from ${e.compressedSize} compressed (more than ${MAX_INFLATE_RATIO}x: refused as a zip bomb)`,
        );
      }
      try {
        // never more than the size the archive declares (a lying header cannot make it inflate further)
        const inflated = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
        out = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      } catch (err) {
        return this.fail(`entry '${name}': cannot inflate: ${(err as Error).message}`);
      }
    } else {
      return this.fail(`entry '${name}': unsupported compression method ${e.method}`);
    }
    if (out.byteLength !== e.uncompressedSize) {
      this.fail(`entry '${name}': expected ${e.uncompressedSize} bytes, got ${out.byteLength}`);
    }
    if (verifyCrc && crc32(out) !== e.crc32) this.fail(`entry '${name}': CRC-32 mismatch (corrupt file)`);
    return out;
  }
}
