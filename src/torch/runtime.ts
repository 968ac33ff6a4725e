/** libtorch settings: threads, CUDA presence, version. */
import { native } from './native.ts';

/**
 * Sets the number of intra-op threads of the calling thread (the main thread and each worker_threads Worker
 * have their own; default: RIBBIT_NUM_THREADS, or the machine's cores). The BLAS library stays at one
 * thread per caller (see native.ts).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}

/** The calling thread's intra-op thread count. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** The loaded BLAS library and its thread count (null when it has no thread control, e.g. reference BLAS). */
export function blasInfo(): { library: string; threads: number | null } {
  return native.blasInfo();
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
