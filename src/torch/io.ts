/**
 * Saving and loading tensors: the bridge between the tensor engine and the engine-independent checkpoint
 * formats in ./serialization (safetensors, PyTorch .pth).
 */
import type { DType } from './dtype.ts';
import type { RawTensor } from './serialization/raw.ts';
import { readSafetensors, writeSafetensorsSync } from './serialization/safetensors.ts';
import { fromBytes, type Tensor, toBytes } from './tensor.ts';

/** A tensor's bytes as a RawTensor record (copies the data). */
export function toRaw(t: Tensor): RawTensor {
  const dtype = t.dtype;
  if (dtype === 'complex64' || dtype === 'complex128') {
    throw new Error(`cannot store a ${dtype} tensor in a checkpoint: store its view_as_real instead`);
  }
  return { dtype, shape: t.shape, data: toBytes(t) };
}

/** A Tensor from a RawTensor record (copies the data). */
export function fromRaw(raw: RawTensor): Tensor {
  return fromBytes(raw.data, raw.shape, raw.dtype as DType);
}

/**
 * Writes named tensors to a safetensors file atomically (temp file + rename), optionally converting floating
 * tensors to `floatDType` (e.g. 'float16' to halve a shipped model).
 */
export function saveTensors(
  path: string,
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  options: { metadata?: Record<string, string>; floatDType?: 'float16' | 'bfloat16' | 'float32' } = {},
): void {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const raw = new Map<string, RawTensor>();
  for (const [name, t] of entries) {
    const isFloat =
      t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';
    if (options.floatDType && isFloat && t.dtype !== options.floatDType) {
      const c = t.to(options.floatDType);
      raw.set(name, toRaw(c));
      c.dispose();
    } else {
      raw.set(name, toRaw(t));
    }
  }
  writeSafetensorsSync(path, raw, options.metadata);
}

/** Reads every tensor of a safetensors file. */
export function loadTensors(path: string): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  const file = readSafetensors(path);
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of file.tensors) tensors.set(name, fromRaw(raw));
  return { tensors, metadata: file.metadata };
}
