/**
 * A pool of synthesis executors with a fair, bounded queue.
 *
 * Each executor runs one job at a time: a worker thread that loaded the model through a loader module
 * (`workers >= 1`), or a Synthesizer in this thread (`workers: 0`, or a `synthesizer` given directly).
 * Jobs wait in one FIFO queue and go to the first free executor; when `queueSize` jobs already wait, a new
 * one is refused at once with {@link QueueFullError} (a server answers 503 with Retry-After). Aborting a
 * job's signal drops it from the queue, or makes its executor stop between sentences.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEFAULT_LOADER_MODULE, type LoadOptions, loadFromModule } from '../inference/load.ts';
import { SynthesisError, type Synthesizer } from '../inference/synthesizer.ts';
import type {
  StreamSummary,
  SynthesisChunk,
  SynthesisOptions,
  SynthesisResult,
  SynthesizerInfo,
} from '../inference/types.ts';

/** Per-job options (those of the Synthesizer, without the signal: JSON/structured-clone friendly). */
export type JobOptions = Omit<SynthesisOptions, 'signal'>;

/** The queue is full: retry after `retryAfterSeconds`. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super(`the synthesis queue is full; retry in ${retryAfterSeconds} s`);
  }
}

/** Options of {@link createSynthesisPool}. */
export interface PoolOptions {
  /**
   * Worker threads, each with its own model (default: min(cores, 4)). 0: run in this thread (one job at a
   * time, the event loop blocked during each sentence).
   */
  workers?: number;
  /**
   * libtorch intra-op threads of each worker (default max(1, floor(cores / workers))). The count is per
   * thread (each worker runs its own OpenMP team), so workers x threadsPerWorker threads compute at most;
   * BLAS calls run on their worker's thread (one BLAS thread: see src/torch/native.ts).
   */
  threadsPerWorker?: number;
  /** Module URL exporting `loadSynthesizer(options)` (default: src/inference/load.ts). */
  loaderModule?: string;
  /** Options given to the loader (must be structured-clone-able). */
  loadOptions?: LoadOptions;
  /** Use this Synthesizer in this thread instead of loading one (implies one in-thread executor). */
  synthesizer?: Synthesizer;
  /** Most jobs waiting for an executor (not counting running ones) before new ones get 503 (default 32). */
  queueSize?: number;
  /** Restart a worker that died, at most this many times in the pool's life (default 8). */
  maxRestarts?: number;
}

/** Counters of a pool. */
export interface PoolStats {
  workers: number;
  /** Jobs running now. */
  running: number;
  /** Jobs waiting now. */
  waiting: number;
  /** Queue capacity (waiting jobs). */
  queueSize: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Refused because the queue was full. */
  rejected: number;
  /** Mean duration of completed jobs (s), 0 before the first. */
  meanJobSeconds: number;
}

interface Sink {
  chunk(c: SynthesisChunk): void;
  result(r: SynthesisResult): void;
  summary(s: StreamSummary): void;
  error(e: Error): void;
}

interface Job {
  id: number;
  kind: 'synthesize' | 'stream';
  text: string;
  options: JobOptions;
  sink: Sink;
  signal: AbortSignal | undefined;
  state: 'queued' | 'running' | 'settled';
  executor: Executor | null;
  detach: () => void;
  startedAt: number;
}

interface Executor {
  readonly available: boolean;
  current: Job | null;
  start(job: Job): void;
  cancel(job: Job): void;
  close(): Promise<void>;
}

/** Error objects cross threads as plain data. */
interface WireError {
  name: string;
  message: string;
  code?: string;
  parameter?: string;
  stack?: string;
}

/** Messages from a worker (see worker.ts). */
export type WorkerMessage =
  | { type: 'ready'; info: SynthesizerInfo }
  | { type: 'fatal'; error: WireError }
  | { type: 'chunk'; id: number; chunk: SynthesisChunk }
  | { type: 'result'; id: number; result: SynthesisResult }
  | { type: 'summary'; id: number; summary: StreamSummary }
  | { type: 'error'; id: number; error: WireError };

/** Messages to a worker. */
export type WorkerRequest =
  | { type: 'job'; id: number; kind: 'synthesize' | 'stream'; text: string; options: JobOptions }
  | { type: 'cancel'; id: number };

/** Plain-data form of an error (for postMessage). */
export function errorToWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const out: WireError = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof SynthesisError) {
    out.code = err.code;
    out.parameter = err.parameter;
  }
  return out;
}

/** Rebuilds an error sent by {@link errorToWire} (SynthesisError and AbortError keep their kind). */
export function errorFromWire(w: WireError): Error {
  if (w.name === 'SynthesisError')
    return new SynthesisError(w.message, w.code as SynthesisError['code'], w.parameter ?? 'text');
  if (w.name === 'AbortError') return new DOMException(w.message, 'AbortError');
  const e = new Error(w.message);
  if (w.name && w.name !== 'Error') e.name = w.name;
  return e;
}

function abortError(signal?: AbortSignal): Error {
  const r = signal?.reason;
  return r instanceof Error ? r : new DOMException('the request was aborted', 'AbortError');
}

/**
 * An async iterator over a job's chunks that ends with the stream's summary. Calling `return()` (a
 * `for await` loop left early) cancels the job.
 */
class ChunkChannel implements AsyncIterableIterator<SynthesisChunk, StreamSummary> {
  #items: SynthesisChunk[] = [];
  #waiter: {
    resolve: (r: IteratorResult<SynthesisChunk, StreamSummary>) => void;
    reject: (e: Error) => void;
  } | null = null;
  #end: { summary: StreamSummary } | { error: Error } | null = null;
  onReturn: (() => void) | null = null;

  push(c: SynthesisChunk): void {
    if (this.#end) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w.resolve({ value: c, done: false });
    } else this.#items.push(c);
  }

  finish(end: { summary: StreamSummary } | { error: Error }): void {
    if (this.#end) return;
    this.#end = end;
    if (this.#waiter && this.#items.length === 0) {
      const w = this.#waiter;
      this.#waiter = null;
      if ('error' in end) w.reject(end.error);
      else w.resolve({ value: end.summary, done: true });
    }
  }

  next(): Promise<IteratorResult<SynthesisChunk, StreamSummary>> {
    const item = this.#items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    const end = this.#end;
    if (end)
      return 'error' in end ? Promise.reject(end.error) : Promise.resolve({ value: end.summary, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<SynthesisChunk, StreamSummary>> {
    if (!this.#end) {
      this.onReturn?.();
      this.finish({ error: new DOMException('the stream was closed by its consumer', 'AbortError') });
    }
    this.#items.length = 0;
    return Promise.resolve({ value: undefined as unknown as StreamSummary, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** A FIFO-scheduled pool of synthesis executors. Create with {@link createSynthesisPool}. */
export class SynthesisPool {
  /** Model facts (sample rate, languages, speakers), as the first executor reported them. */
  info!: SynthesizerInfo;
  readonly queueSize: number;
  #executors: Executor[] = [];
  #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #stats = { completed: 0, failed: 0, cancelled: 0, rejected: 0, seconds: 0 };

  /** @internal use createSynthesisPool. */
  constructor(queueSize: number) {
    if (!Number.isInteger(queueSize) || queueSize < 0)
      throw new RangeError(`queueSize must be an integer >= 0, got ${queueSize}`);
    this.queueSize = queueSize;
  }

  /** @internal */
  setExecutors(executors: Executor[], info: SynthesizerInfo): void {
    this.#executors = executors;
    this.info = info;
  }

  /** Number of executors. */
  get size(): number {
    return this.#executors.length;
  }

  stats(): PoolStats {
    const s = this.#stats;
    return {
      workers: this.#executors.length,
      running: this.#executors.filter((e) => e.current).length,
      waiting: this.#queue.length,
      queueSize: this.queueSize,
      completed: s.completed,
      failed: s.failed,
      cancelled: s.cancelled,
      rejected: s.rejected,
      meanJobSeconds: s.completed ? s.seconds / s.completed : 0,
    };
  }

  /** Seconds a refused client should wait: the queue's expected drain time, in [1, 60]. */
  retryAfterSeconds(): number {
    const mean = this.stats().meanJobSeconds || 1;
    const est = (mean * (this.#queue.length + 1)) / Math.max(1, this.#executors.length);
    return Math.min(60, Math.max(1, Math.ceil(est)));
  }

  /**
   * Speaks `text` on the first free executor.
   * @throws QueueFullError at once when the queue is full; then as `Synthesizer.synthesize`.
   */
  synthesize(text: string, options: JobOptions = {}, signal?: AbortSignal): Promise<SynthesisResult> {
    return new Promise((resolve, reject) => {
      this.#submit('synthesize', text, options, signal, {
        chunk: () => {},
        summary: () => {},
        result: resolve,
        error: reject,
      });
    });
  }

  /**
   * Streams `text` sentence by sentence from the first free executor. The job is queued at once (so a
   * full queue throws here, synchronously); leaving the iteration early cancels it.
   * @throws QueueFullError when the queue is full.
   */
  stream(
    text: string,
    options: JobOptions = {},
    signal?: AbortSignal,
  ): AsyncIterableIterator<SynthesisChunk, StreamSummary> {
    const channel = new ChunkChannel();
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => signal?.removeEventListener('abort', onAbort);
    channel.onReturn = () => controller.abort();
    try {
      this.#submit('stream', text, options, controller.signal, {
        chunk: (c) => channel.push(c),
        result: () => {},
        summary: (s) => {
          cleanup();
          channel.finish({ summary: s });
        },
        error: (e) => {
          cleanup();
          channel.finish({ error: e });
        },
      });
    } catch (e) {
      cleanup();
      throw e;
    }
    return channel;
  }

  #submit(
    kind: Job['kind'],
    text: string,
    options: JobOptions,
    signal: AbortSignal | undefined,
    sink: Sink,
  ): void {
    if (this.#closed) throw new Error('the synthesis pool is closed');
    if (signal?.aborted) {
      this.#stats.cancelled++;
      sink.error(abortError(signal));
      return;
    }
    const free =
      this.#queue.length === 0 ? this.#executors.find((e) => e.available && !e.current) : undefined;
    if (!free && this.#queue.length >= this.queueSize) {
      this.#stats.rejected++;
      throw new QueueFullError(this.retryAfterSeconds());
    }
    const job: Job = {
      id: this.#nextId++,
      kind,
      text,
      options,
      sink,
      signal,
      state: 'queued',
      executor: null,
      detach: () => {},
      startedAt: 0,
    };
    if (signal) {
      const onAbort = () => this.#abort(job);
      signal.addEventListener('abort', onAbort, { once: true });
      job.detach = () => signal.removeEventListener('abort', onAbort);
    }
    if (free) this.#run(free, job);
    else this.#queue.push(job);
  }

  #abort(job: Job): void {
    if (job.state === 'queued') {
      const i = this.#queue.indexOf(job);
      if (i >= 0) this.#queue.splice(i, 1);
      this.#settle(job, { error: abortError(job.signal) });
    } else if (job.state === 'running') {
      job.executor?.cancel(job);
      // The executor stays busy until it reports the job's end; the caller learns of the abort now.
      this.#settle(job, { error: abortError(job.signal) }, false);
    }
  }

  #run(executor: Executor, job: Job): void {
    job.state = 'running';
    job.executor = executor;
    job.startedAt = performance.now();
    executor.current = job;
    executor.start(job);
  }

  /** Reports a job's outcome to its caller once. */
  #settle(
    job: Job,
    outcome: { error: Error } | { result: SynthesisResult } | { summary: StreamSummary },
    count = true,
  ): void {
    if (job.state === 'settled') return;
    const wasRunning = job.state === 'running';
    job.state = 'settled';
    job.detach();
    if ('error' in outcome) {
      if (outcome.error.name === 'AbortError') this.#stats.cancelled++;
      else if (count) this.#stats.failed++;
      job.sink.error(outcome.error);
    } else {
      if (wasRunning) {
        this.#stats.completed++;
        this.#stats.seconds += (performance.now() - job.startedAt) / 1000;
      }
      if ('result' in outcome) job.sink.result(outcome.result);
      else job.sink.summary(outcome.summary);
    }
  }

  /** @internal Executors report through these. */
  onChunk(job: Job, chunk: SynthesisChunk): void {
    if (job.state === 'running') job.sink.chunk(chunk);
  }

  /** @internal An executor finished `job` (successfully or not) and is free again. */
  onEnd(
    executor: Executor,
    job: Job,
    outcome: { error: Error } | { result: SynthesisResult } | { summary: StreamSummary },
  ): void {
    if (executor.current === job) executor.current = null;
    this.#settle(job, outcome);
    this.dispatch();
  }

  /** @internal Starts queued jobs on free executors. */
  dispatch(): void {
    for (const e of this.#executors) {
      if (this.#queue.length === 0) return;
      if (e.available && !e.current) this.#run(e, this.#queue.shift()!);
    }
  }

  /** Refuses queued jobs, stops the executors (running jobs fail). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0))
      this.#settle(job, { error: new Error('the synthesis pool was closed') });
    await Promise.all(this.#executors.map((e) => e.close()));
  }
}

/** Runs jobs on a Synthesizer in this thread. */
class InlineExecutor implements Executor {
  current: Job | null = null;
  readonly available = true;
  #controller: AbortController | null = null;

  constructor(
    readonly pool: SynthesisPool,
    readonly synthesizer: Synthesizer,
  ) {}

  start(job: Job): void {
    const controller = new AbortController();
    this.#controller = controller;
    const options = { ...job.options, signal: controller.signal };
    const run = async () => {
      if (job.kind === 'synthesize') return { result: await this.synthesizer.synthesize(job.text, options) };
      const it = this.synthesizer.stream(job.text, options);
      for (let r = await it.next(); ; r = await it.next()) {
        if (r.done) return { summary: r.value };
        this.pool.onChunk(job, r.value);
      }
    };
    // Start on a later turn so a caller's synchronous code (e.g. attaching listeners) runs first.
    setImmediate(() => {
      run().then(
        (outcome) => this.pool.onEnd(this, job, outcome),
        (error: Error) => this.pool.onEnd(this, job, { error }),
      );
    });
  }

  cancel(job: Job): void {
    if (this.current === job) this.#controller?.abort();
  }

  async close(): Promise<void> {
    this.#controller?.abort();
  }
}

const BOOTSTRAP = new URL('./worker_bootstrap.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./worker.ts', import.meta.url).href;

/** Runs jobs in a worker thread that loads its own model. */
class WorkerExecutor implements Executor {
  current: Job | null = null;
  available = false;
  #worker: Worker | null = null;
  #closing = false;
  #restarts: { left: number };

  constructor(
    readonly pool: SynthesisPool,
    readonly index: number,
    readonly data: { loaderModule: string; loadOptions: LoadOptions; threads: number },
    restarts: { left: number },
  ) {
    this.#restarts = restarts;
  }

  /** Starts the thread; resolves with the model info once the model is loaded. */
  spawn(): Promise<SynthesizerInfo> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const worker = new Worker(BOOTSTRAP, {
        workerData: { entry: WORKER_ENTRY, ...this.data },
        execArgv: [],
        name: `ribbit-synthesis-${this.index}`,
      });
      this.#worker = worker;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          ready = true;
          this.available = true;
          resolve(m.info);
          this.pool.dispatch();
        } else if (m.type === 'fatal') {
          reject(errorFromWire(m.error));
        } else this.#onJobMessage(m);
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
      });
      worker.on('exit', (code) => {
        this.available = false;
        if (this.#worker === worker) this.#worker = null;
        if (!ready) {
          reject(
            new Error(`synthesis worker ${this.index} exited with code ${code} while loading the model`),
          );
          return;
        }
        const job = this.current;
        if (job)
          this.pool.onEnd(this, job, {
            error: new Error(`synthesis worker ${this.index} died (exit code ${code})`),
          });
        if (!this.#closing && this.#restarts.left > 0) {
          this.#restarts.left--;
          this.spawn().catch(() => {});
        }
      });
    });
  }

  #onJobMessage(m: Exclude<WorkerMessage, { type: 'ready' } | { type: 'fatal' }>): void {
    const job = this.current;
    if (!job || job.id !== m.id) return;
    if (m.type === 'chunk') this.pool.onChunk(job, m.chunk);
    else if (m.type === 'result') this.pool.onEnd(this, job, { result: m.result });
    else if (m.type === 'summary') this.pool.onEnd(this, job, { summary: m.summary });
    else this.pool.onEnd(this, job, { error: errorFromWire(m.error) });
  }

  start(job: Job): void {
    const msg: WorkerRequest = {
      type: 'job',
      id: job.id,
      kind: job.kind,
      text: job.text,
      options: job.options,
    };
    this.#worker!.postMessage(msg);
  }

  cancel(job: Job): void {
    const msg: WorkerRequest = { type: 'cancel', id: job.id };
    this.#worker?.postMessage(msg);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.available = false;
    await this.#worker?.terminate();
  }
}

/**
 * Creates a pool and waits until every executor has loaded its model.
 * @throws the loader's error (with all started workers stopped) when a model cannot be loaded.
 */
export async function createSynthesisPool(options: PoolOptions = {}): Promise<SynthesisPool> {
  const pool = new SynthesisPool(options.queueSize ?? 32);
  if (options.synthesizer) {
    pool.setExecutors([new InlineExecutor(pool, options.synthesizer)], options.synthesizer.info());
    return pool;
  }
  const cores = availableParallelism();
  const workers = options.workers ?? Math.min(cores, 4);
  if (!Number.isInteger(workers) || workers < 0)
    throw new RangeError(`workers must be an integer >= 0, got ${workers}`);
  const loaderModule = options.loaderModule ?? DEFAULT_LOADER_MODULE;
  const loadOptions = options.loadOptions ?? {};
  if (workers === 0) {
    const synth = await loadFromModule(loaderModule, loadOptions);
    pool.setExecutors([new InlineExecutor(pool, synth)], synth.info());
    return pool;
  }
  const threads = options.threadsPerWorker ?? Math.max(1, Math.floor(cores / workers));
  const restarts = { left: options.maxRestarts ?? 8 };
  const executors = Array.from(
    { length: workers },
    (_, i) => new WorkerExecutor(pool, i, { loaderModule, loadOptions, threads }, restarts),
  );
  try {
    const infos = await Promise.all(executors.map((e) => e.spawn()));
    pool.setExecutors(executors, infos[0]!);
  } catch (e) {
    await Promise.all(executors.map((x) => x.close()));
    throw e;
  }
  return pool;
}
