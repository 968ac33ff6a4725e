/** Process-wide libtorch settings: threads, CUDA presence, version. */
import { native } from './native.js';

/** Sets the number of intra-op threads (default: the machine's cores, or RIBBIT_NUM_THREADS). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Number of CUDA devices libtorch can use (0 for a CPU-only libtorch). */
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}

export function cudaIsAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}

/** The libtorch version the addon was built against. */
export function torchVersion(): string {
  return native.torchVersion;
}
