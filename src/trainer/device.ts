/**
 * The Trainer's `device` setting: 'cpu', 'cuda' (device 0) or 'cuda:N', checked against what libtorch offers,
 * and moving a batch's tensors there.
 */
import * as torch from '../torch/index.ts';
import type { Batch } from './api.ts';

/**
 * Checks a device name and that libtorch can use it; returns it normalised ('cuda' -> 'cuda:0').
 * @throws Error with one clear sentence for a malformed name, a libtorch built without CUDA, or a missing GPU.
 */
export function checkDevice(device: string): string {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(device);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined)) {
    throw new Error(`device must be 'cpu', 'cuda' or 'cuda:N' (N a GPU index), got '${device}'`);
  }
  if (m[1] === 'cpu') return 'cpu';
  const index = Number(m[2] ?? 0);
  const count = torch.cudaDeviceCount();
  if (count === 0) {
    throw new Error(
      `device '${device}' needs CUDA, but this libtorch has no CUDA support or sees no GPU (cudaDeviceCount() = 0); train with device 'cpu' or install a CUDA build of libtorch`,
    );
  }
  if (index >= count) {
    throw new Error(
      `device '${device}' does not exist: libtorch sees ${count} GPU(s) (cuda:0 .. cuda:${count - 1})`,
    );
  }
  return `cuda:${index}`;
}

/**
 * The batch with every tensor value (and tensors inside array values) on `device`; other values as they are.
 * Tensors already there are kept as they are; moved copies belong to the enclosing tensor scope.
 */
export function batchToDevice<B extends Batch>(batch: B, device: string): B {
  if (device === 'cpu') return batch; // data loaders make CPU tensors
  const move = (v: unknown): unknown => {
    if (torch.isTensor(v)) return v.device === device ? v : v.to(device);
    if (Array.isArray(v)) return v.map(move);
    return v;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch)) out[k] = move(v);
  return out as B;
}
