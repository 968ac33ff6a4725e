/**
 * WAV (RIFF/WAVE) reading and writing, in pure TypeScript.
 *
 * Reading accepts 8-bit unsigned, 16/24/32-bit signed PCM, 32/64-bit IEEE float, plain or
 * WAVE_FORMAT_EXTENSIBLE headers, any number of channels (mixed down to mono by the mean), skips unknown
 * chunks (LIST, fact, cue, ...) and honours the pad byte after odd-sized chunks. Integer samples are scaled
 * exactly like soundfile/libsndfile's float read: int16 / 32768, int24 / 8388608, int32 / 2147483648,
 * uint8 (x - 128) / 128, so a 16-bit file reads to the same float32 values as `soundfile.read(path,
 * dtype='float32')`.
 *
 * Writing (`encodeWav`, `writeWav`) produces a canonical 44-byte header. Float samples are converted to
 * PCM as `clamp(roundHalfEven(x * 2^(bits-1)), -2^(bits-1), 2^(bits-1) - 1)`. This is the scale
 * python-soundfile uses (it turns on libsndfile's SFC_SET_CLIPPING, whose conversion multiplies by 0x8000
 * for 16-bit and clips, so 1.0 -> 32767 and -1.0 -> -32768), except that we round to nearest where
 * libsndfile 1.2.0 truncates towards minus infinity (checked against Debian's libsndfile 1.2.0 through
 * ctypes). Consequence: reading a PCM file and writing it back at the same bit depth reproduces its samples
 * exactly.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** Sample encoding of a WAV file. */
export type WavFormat = 'pcm' | 'float';

/** Decoded audio: mono float samples plus what the file's header said. */
export interface WavData {
  /** Samples per second (Hz). */
  sampleRate: number;
  /** Mono samples in [-1, 1] (float files may exceed it); multichannel files are averaged. */
  samples: Float32Array;
  /** Number of channels stored in the file (before the mix to mono). */
  channels: number;
  /** Container bits per sample (8, 16, 24, 32 or 64). */
  bitsPerSample: number;
  /** Integer PCM or IEEE float. */
  format: WavFormat;
}

/** Options of `readWav`. */
export interface ReadWavOptions {
  /** Name used in error messages when `source` is a byte array (default '<buffer>'). */
  name?: string;
}

/** Options of `encodeWav` / `writeWav`. */
export interface WriteWavOptions {
  /** Bits per sample: 8, 16, 24 or 32 for PCM; 32 or 64 for float (default 16). */
  bitsPerSample?: 8 | 16 | 24 | 32 | 64;
  /** Sample encoding (default 'pcm'). */
  format?: WavFormat;
}

/** Options of `wavHeader`. */
export interface WavHeaderOptions {
  /** Sample encoding (default 'pcm'). */
  format?: WavFormat;
  /** Number of interleaved channels (default 1). */
  channels?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Size field value that streaming writers use when the length is unknown. */
const STREAMING_SIZE = 0xffffffff;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID that maps a WAVE format code. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'mu-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  80: 'MPEG',
  85: 'MPEG layer 3',
};

function fourcc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function printable(id: string): string {
  return JSON.stringify(id);
}

/**
 * Reads a WAV file (path or its bytes) into mono float32 samples.
 * Throws an Error naming the file and the problem when the file is truncated, malformed or unsupported.
 */
export function readWav(source: string | Uint8Array, options: ReadWavOptions = {}): WavData {
  const name = typeof source === 'string' ? source : (options.name ?? '<buffer>');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = readFileSync(source);
    } catch (e) {
      throw new Error(`readWav: cannot read ${name}: ${(e as Error).message}`);
    }
  } else {
    bytes = source;
  }
  const fail = (problem: string): never => {
    throw new Error(`readWav: ${name}: ${problem}`);
  };
  if (bytes.length < 12) fail(`not a WAV file: only ${bytes.length} bytes, a RIFF header needs 12`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riff = fourcc(bytes, 0);
  if (riff === 'RIFX') fail('big-endian RIFX files are not supported');
  if (riff === 'RF64') fail('RF64 files are not supported');
  if (riff !== 'RIFF') fail(`not a RIFF file (starts with ${printable(riff)})`);
  const wave = fourcc(bytes, 8);
  if (wave !== 'WAVE') fail(`not a WAVE file (RIFF form type ${printable(wave)})`);

  let fmt: { offset: number; size: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (fmt) fail('more than one fmt chunk');
      if (size < 16) fail(`fmt chunk too small: ${size} bytes, need at least 16`);
      if (body + size > bytes.length) {
        fail(`fmt chunk truncated: expected ${size} bytes, got ${bytes.length - body}`);
      }
      fmt = { offset: body, size };
    } else if (id === 'data') {
      if (data) break; // a second data chunk is not part of the audio: stop as libsndfile does
      if (size === STREAMING_SIZE) {
        // Streaming writer that never patched the size: the data runs to the end of the file.
        data = { offset: body, size: bytes.length - body };
        break;
      }
      if (body + size > bytes.length) {
        fail(`data chunk truncated: expected ${size} bytes, got ${bytes.length - body}`);
      }
      data = { offset: body, size };
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) fail(data ? 'no fmt chunk before the end of the file' : 'no fmt chunk');
  if (!data) fail('no data chunk');
  const f = fmt!;
  const d = data!;

  let formatCode = view.getUint16(f.offset, true);
  const channels = view.getUint16(f.offset + 2, true);
  const sampleRate = view.getUint32(f.offset + 4, true);
  const blockAlign = view.getUint16(f.offset + 12, true);
  const bitsPerSample = view.getUint16(f.offset + 14, true);
  if (formatCode === WAVE_FORMAT_EXTENSIBLE) {
    if (f.size < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk too small: ${f.size} bytes, need 40`);
    const cbSize = view.getUint16(f.offset + 16, true);
    if (cbSize < 22) fail(`WAVE_FORMAT_EXTENSIBLE extension too small: cbSize ${cbSize}, need 22`);
    const guid = f.offset + 24;
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (bytes[guid + 2 + i] !== GUID_TAIL[i])
        fail('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID');
    }
    formatCode = view.getUint16(guid, true);
  }
  if (formatCode !== WAVE_FORMAT_PCM && formatCode !== WAVE_FORMAT_IEEE_FLOAT) {
    const known = FORMAT_NAMES[formatCode];
    fail(
      `unsupported format code ${formatCode}${known ? ` (${known})` : ''}: only PCM (1) and IEEE float (3)`,
    );
  }
  const format: WavFormat = formatCode === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  if (channels === 0) fail('fmt chunk says 0 channels');
  if (sampleRate === 0) fail('fmt chunk says a sample rate of 0 Hz');
  const validBits = format === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!validBits.includes(bitsPerSample)) {
    fail(`unsupported ${format === 'pcm' ? 'PCM' : 'float'} sample size: ${bitsPerSample} bits`);
  }
  const bytesPerSample = bitsPerSample / 8;
  if (blockAlign !== channels * bytesPerSample) {
    fail(
      `inconsistent fmt chunk: block align ${blockAlign} != ${channels} channels x ${bytesPerSample} bytes`,
    );
  }

  // A trailing partial frame is dropped, as libsndfile does.
  const frames = Math.floor(d.size / blockAlign);
  const samples = new Float32Array(frames);
  const o = d.offset;
  const sample = sampleReader(view, bytes, format, bitsPerSample);
  if (channels === 1) {
    for (let i = 0; i < frames; i++) samples[i] = sample(o + i * bytesPerSample);
  } else {
    for (let i = 0, k = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++, k++) sum += sample(o + k * bytesPerSample);
      samples[i] = sum / channels;
    }
  }
  return { sampleRate, samples, channels, bitsPerSample, format };
}

/** Returns a function decoding the sample at a byte offset to a float (soundfile scaling). */
function sampleReader(
  view: DataView,
  bytes: Uint8Array,
  format: WavFormat,
  bits: number,
): (offset: number) => number {
  if (format === 'float') {
    return bits === 32 ? (p) => view.getFloat32(p, true) : (p) => view.getFloat64(p, true);
  }
  switch (bits) {
    case 8:
      return (p) => (bytes[p]! - 128) / 128;
    case 16:
      return (p) => view.getInt16(p, true) / 32768;
    case 24:
      return (p) => ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) / 2147483648;
    default:
      return (p) => view.getInt32(p, true) / 2147483648;
  }
}

/**
 * Builds a canonical 44-byte WAV header (RIFF, fmt with 16-byte body, data).
 * `dataBytes` is the size of the sample data in bytes, or 'streaming' to write 0xFFFFFFFF in the RIFF and
 * data size fields so that browsers and players accept a chunked response whose length is not known yet.
 * @param sampleRate samples per second (Hz)
 * @param bitsPerSample bits per sample (8/16/24/32 PCM, 32/64 float)
 */
export function wavHeader(
  sampleRate: number,
  bitsPerSample: number,
  dataBytes: number | 'streaming',
  options: WavHeaderOptions = {},
): Uint8Array {
  const format = options.format ?? 'pcm';
  const channels = options.channels ?? 1;
  checkEncoding(format, bitsPerSample);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new Error(`wavHeader: sample rate must be a positive integer (Hz), got ${sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw new Error(`wavHeader: channels must be an integer in [1, 65535], got ${channels}`);
  }
  const blockAlign = channels * (bitsPerSample / 8);
  let riffSize: number;
  let dataSize: number;
  if (dataBytes === 'streaming') {
    riffSize = STREAMING_SIZE;
    dataSize = STREAMING_SIZE;
  } else {
    if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > 0xffffffff - 36) {
      throw new Error(`wavHeader: data size must be an integer in [0, 2^32 - 37] bytes, got ${dataBytes}`);
    }
    riffSize = 36 + dataBytes + (dataBytes & 1);
    dataSize = dataBytes;
  }
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  h.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  v.setUint32(4, riffSize, true);
  h.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVEfmt<space>
  v.setUint32(16, 16, true);
  v.setUint16(20, format === 'pcm' ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bitsPerSample, true);
  h.set([0x64, 0x61, 0x74, 0x61], 36); // data
  v.setUint32(40, dataSize, true);
  return h;
}

function checkEncoding(format: WavFormat, bits: number): void {
  const ok = format === 'pcm' ? [8, 16, 24, 32] : format === 'float' ? [32, 64] : [];
  if (!ok.includes(bits)) {
    throw new Error(`WAV: unsupported encoding ${String(format)} with ${bits} bits per sample`);
  }
}

/** Rounds half to even (like C's lrint in the default rounding mode). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Encodes mono or interleaved samples (no header) as little-endian WAV sample data.
 * PCM conversion: `clamp(roundHalfEven(x * 2^(bits-1)), -2^(bits-1), 2^(bits-1) - 1)`; 8-bit is stored
 * unsigned (offset 128). NaN is written as 0.
 */
export function encodeWavSamples(samples: Float32Array, options: WriteWavOptions = {}): Uint8Array {
  const bits = options.bitsPerSample ?? 16;
  const format = options.format ?? 'pcm';
  checkEncoding(format, bits);
  const n = samples.length;
  const out = new Uint8Array(n * (bits / 8));
  const v = new DataView(out.buffer);
  if (format === 'float') {
    if (bits === 32) for (let i = 0; i < n; i++) v.setFloat32(i * 4, samples[i]!, true);
    else for (let i = 0; i < n; i++) v.setFloat64(i * 8, samples[i]!, true);
    return out;
  }
  const scale = 2 ** (bits - 1);
  const max = scale - 1;
  const min = -scale;
  if (bits === 16 && LITTLE_ENDIAN) {
    // Fast path: the output buffer is fresh, hence aligned; write through a typed view.
    const o16 = new Int16Array(out.buffer, 0, n);
    for (let i = 0; i < n; i++) {
      const q = roundHalfEven(samples[i]! * scale);
      o16[i] = Math.min(max, Math.max(min, q)); // NaN stays NaN, stored as 0 by the Int16Array
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let q = roundHalfEven(samples[i]! * scale);
    if (q > max) q = max;
    else if (q < min) q = min;
    else if (Number.isNaN(q)) q = 0;
    switch (bits) {
      case 8:
        out[i] = q + 128;
        break;
      case 16:
        v.setInt16(i * 2, q, true);
        break;
      case 24: {
        const p = i * 3;
        out[p] = q & 0xff;
        out[p + 1] = (q >> 8) & 0xff;
        out[p + 2] = (q >> 16) & 0xff;
        break;
      }
      default:
        v.setInt32(i * 4, q, true);
    }
  }
  return out;
}

/**
 * Encodes mono samples as a complete WAV file (canonical 44-byte header), e.g. for an HTTP response.
 * @param samples mono samples, nominally in [-1, 1]
 * @param sampleRate samples per second (Hz)
 */
export function encodeWav(
  samples: Float32Array,
  sampleRate: number,
  options: WriteWavOptions = {},
): Uint8Array {
  const bits = options.bitsPerSample ?? 16;
  const format = options.format ?? 'pcm';
  const body = encodeWavSamples(samples, { bitsPerSample: bits, format });
  const header = wavHeader(sampleRate, bits, body.length, { format });
  const out = new Uint8Array(44 + body.length + (body.length & 1));
  out.set(header, 0);
  out.set(body, 44);
  return out;
}

/**
 * Writes mono samples to a WAV file atomically: the bytes go to a temporary file in the same directory,
 * which is then renamed over `path`, so readers never see a partial file.
 * @param samples mono samples, nominally in [-1, 1]
 * @param sampleRate samples per second (Hz)
 */
export function writeWav(
  path: string,
  samples: Float32Array,
  sampleRate: number,
  options: WriteWavOptions = {},
): void {
  const bytes = encodeWav(samples, sampleRate, options);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
