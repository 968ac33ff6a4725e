/**
 * The loaded native addon (native/ribbit.cc) and its raw, untyped functions. Everything else in src/torch
 * wraps these; model code never imports this module.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

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
  /** Starts reporting the storage bytes `h` owns to V8 (no-op if it does already, or owns none). */
  reportMemory(h: Handle): void;
  /** The bytes `h` reports to V8 now: 0 for views, in-place results, scoped or disposed tensors. */
  reportedBytes(h: Handle): number;
  /** Whether a tidy() scope is open in this environment: new handles then report nothing. */
  setScopeOpen(open: boolean): void;
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
  ownGenerator(): void;
  getRngState(): Handle;
  setRngState(state: Handle): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setBlasThreads(n: number): boolean;
  blasInfo(): { library: string; threads: number | null };
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
    // a dependency of another project (…/node_modules/ribbit) or a checkout of the repository
    const rebuild = path.split(/[\\/]/).includes('node_modules')
      ? 'npm rebuild ribbit'
      : 'npm run build:native';
    if (e.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `ribbit: the native addon is not built. Build it with \`${rebuild}\` (it needs libtorch: ` +
          '`apt-get install libtorch-dev`, or LIBTORCH=/path/to/libtorch).',
      );
    }
    throw new Error(
      `ribbit: the native addon failed to load (${e.message}). Rebuild it with \`${rebuild}\`.`,
    );
  }
}

/**
 * Threading model (docs/architecture.md, "Threads"), set up here because some of it must be in the
 * environment before libtorch's libraries load:
 * - libtorch's intra-op threads (OpenMP) are counted per calling thread: the main thread and each Worker
 *   set their own (`setNumThreads`; default RIBBIT_NUM_THREADS or the machine's cores).
 * - Idle OpenMP threads spin briefly, then sleep (GOMP_SPINCOUNT=5000 unless OMP_WAIT_POLICY or GOMP_SPINCOUNT
 *   is set). libgomp's default (300,000 spins) burns the cores other processes need: under load a 2-thread
 *   training step took 12.1 s spinning against 0.60 s passive (python3-torch: 14.5 s and 1.07 s); sleeping at
 *   once (PASSIVE) costs a wake-up per parallel region instead: the quiet 2-thread Glow-TTS step took 4.22 s
 *   passive and 3.52 s with a short spin. `npm run bench -- train-contention --threads 2` (a 4-block Glow
 *   decoder step, quiet / beside one busy loop): PASSIVE 0.426 / 0.506 s, 5000 spins 0.294 / 0.694 s, 30000
 *   spins 0.270 / 1.082 s; python3-torch's default 0.261 / 1.034 s.
 * - The BLAS library (OpenBLAS through Debian's libblas.so.3) runs on its caller's thread: OPENBLAS_NUM_THREADS
 *   defaults to 1, and a Worker that loads ribbit forces 1, because OpenBLAS's thread pool is one per process
 *   and deadlocked when two threads called sgemm at once.
 * - Random numbers: a Worker draws from a CPU generator of its own (seeded as PyTorch's default one), so
 *   seeding or sampling in one thread never shifts another's stream (F.dropout included: on the CPU it draws
 *   its mask through random_, which takes a generator); libtorch kernels without a generator argument
 *   (aten::dropout, used off the CPU) still share the process's default generator.
 * The names this module put into the environment, so that benchmarks can run other engines without them.
 */
export const threadEnvDefaults: Readonly<Record<string, string>> = setThreadEnvDefaults();

function setThreadEnvDefaults(): Record<string, string> {
  const set: Record<string, string> = {};
  // A Worker's process.env is its own copy (setting it reaches no library), and the libraries are loaded by
  // then when the main thread imported ribbit first (the server does); otherwise set these in the environment.
  if (!isMainThread) return set;
  const env = process.env;
  if (env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined) set.GOMP_SPINCOUNT = '5000';
  if (env.OPENBLAS_NUM_THREADS === undefined) set.OPENBLAS_NUM_THREADS = '1';
  Object.assign(env, set);
  return set;
}

export const native: NativeAddon = load();

if (!isMainThread) {
  native.setBlasThreads(1);
  native.ownGenerator();
}
const envThreads = Number.parseInt(process.env.RIBBIT_NUM_THREADS ?? '', 10);
native.setNumThreads(Number.isFinite(envThreads) && envThreads > 0 ? envThreads : availableParallelism());
