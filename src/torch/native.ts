/**
 * The loaded native addon (native/ribbit.cc) and its raw, untyped functions. Everything else in src/torch
 * wraps these; model code never imports this module.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** An opaque native tensor handle (a type-tagged N-API external holding an at::Tensor). */
export type Handle = { readonly __tensorHandle: unique symbol };

export interface NativeAddon {
  findOp(name: string, overload: string): number;
  opSchema(id: number): string;
  allSchemas(): string[];
  callOp(id: number, args: unknown[]): unknown;
  fromBytes(bytes: Uint8Array, shape: number[], scalarType: number): Handle;
  toBytes(h: Handle): ArrayBuffer;
  meta(h: Handle): number[] & [number, boolean, ...number[]];
  device(h: Handle): string;
  item(h: Handle): number | boolean;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  isTensor(v: unknown): v is Handle;
  sameTensor(a: Handle, b: Handle): boolean;
  setRequiresGrad(h: Handle, value: boolean): void;
  isLeaf(h: Handle): boolean;
  gradFnName(h: Handle): string | null;
  backward(tensors: Handle[], grads: (Handle | null)[], retainGraph: boolean, createGraph: boolean): void;
  grad(
    outputs: Handle[],
    inputs: Handle[],
    gradOutputs: (Handle | null)[],
    retainGraph: boolean,
    createGraph: boolean,
    allowUnused: boolean,
  ): (Handle | null)[];
  getGrad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  manualSeed(seed: number): void;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  parallelInfo(): string;
  torchVersion: string;
}

function load(): NativeAddon {
  const require = createRequire(import.meta.url);
  const path = fileURLToPath(new URL('../../native/build/Release/ribbit.node', import.meta.url));
  try {
    return require(path) as NativeAddon;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        'ribbit: the native addon is not built. Run `npm ci` (it needs libtorch: `apt-get install libtorch-dev`, ' +
          'or LIBTORCH=/path/to/libtorch).',
      );
    }
    throw new Error(
      `ribbit: the native addon failed to load (${e.message}). Rebuild it with \`npm run build:native\`.`,
    );
  }
}

export const native: NativeAddon = load();

const envThreads = Number.parseInt(process.env.RIBBIT_NUM_THREADS ?? '', 10);
native.setNumThreads(Number.isFinite(envThreads) && envThreads > 0 ? envThreads : availableParallelism());
