/**
 * A minimal reader of NumPy `.npy` arrays (format 1.0-3.0, little-endian float32 / float64, C order): what a
 * folder of precomputed mel spectrograms holds (Coqui's `np.save(path, mel)`, mel `[C, T]`).
 */
import { readFileSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  /** The values in C order, as float32. */
  data: Float32Array;
}

/** Parses `.npy` bytes; throws a message naming `name` for anything but a little-endian float array in C order. */
export function parseNpy(bytes: Uint8Array, name = '<npy>'): NpyArray {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a readable .npy array (${why})`);
  };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') {
    fail('bad magic');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? fail('no descr');
  if (/'fortran_order':\s*True/.test(header)) fail('Fortran order');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const data = new Float32Array(n);
  if (descr === '<f4') {
    if (bytes.length < offset + 4 * n) fail('truncated data');
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + 4 * i, true);
  } else if (descr === '<f8') {
    if (bytes.length < offset + 8 * n) fail('truncated data');
    for (let i = 0; i < n; i++) data[i] = view.getFloat64(offset + 8 * i, true);
  } else {
    fail(`dtype ${descr}; expected <f4 or <f8`);
  }
  return { shape, data };
}

/** Reads a `.npy` file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}
