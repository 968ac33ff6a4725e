/**
 * A pool of synthesis executors with a fair, bounded queue.
 *
 * Each executor runs one job at a time: a worker thread that loaded the model through a loader module
 * (`workers >= 1`), or a Synthesizer in this thread (`workers: 0`, or a `synthesizer` given directly).
 * Jobs wait in one FIFO queue and go to the first free executor; when `queueSize` jobs already wait, a new
 * one is refused at once with {@link QueueFullError} (a server answers 503 with Retry-After). Aborting a
 * job's signal drops it from the queue, or makes its executor stop between sentences.
 *
 * A watchdog bounds each job (`jobTimeoutMs`): past it the job fails with {@link JobTimeoutError} and its
 * worker, stuck (a thread blocked in native code cannot be interrupted), is abandoned and replaced; a worker
 * that crashes is replaced too. `stats()` (the server's /health) counts idle, busy, starting, stuck and dead
 * workers as they are. `close(graceMs)` lets running jobs finish for a grace period, then stops the workers
 * without waiting on stuck ones.
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
import { siblingModule } from '../util/module_url.ts';

/** Per-job options (those of the Synthesizer, without the signal: JSON/structured-clone friendly). */
export type JobOptions = Omit<SynthesisOptions, 'signal'>;

/** The queue is full: retry after `retryAfterSeconds`. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(readonly retryAfterSeconds: number) {
    super(`the synthesis queue is full; retry in ${retryAfterSeconds} s`);
  }
}

/** A job ran past the pool's `jobTimeoutMs` (its worker was replaced). */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the synthesis job did not finish within ${timeoutMs / 1000} s; its worker was replaced`);
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
  /** Restart a worker that died or was stuck, at most this many times in the pool's life (default 8). */
  maxRestarts?: number;
  /**
   * Watchdog: a job running longer than this fails with {@link JobTimeoutError}, and its worker is replaced
   * (default 120000 ms; 0: no limit). An in-thread executor cannot be replaced: its job is aborted between
   * sentences and the executor counts as stuck until the job returns.
   */
  jobTimeoutMs?: number;
}

/** What an executor is doing, as /health reports it. */
export type ExecutorState = 'starting' | 'idle' | 'busy' | 'stuck' | 'dead';

/** Counters of a pool. */
export interface PoolStats {
  /**
   * 'ok': every executor is up; 'degraded': some are starting, stuck or dead but one can take jobs;
   * 'down': none can (a server answers /health with 503).
   */
  status: 'ok' | 'degraded' | 'down';
  workers: number;
  /** Executors free for a job. */
  idle: number;
  /** Executors running a job within its time limit. */
  busy: number;
  /** Executors (re)loading their model. */
  starting: number;
  /** Abandoned workers past their job's time limit that have not exited, and in-thread executors past it. */
  stuck: number;
  /** Executors whose worker died with no restarts left. */
  dead: number;
  /** Workers replaced so far (crashed or stuck). */
  restarts: number;
  /** Seconds the longest running job has run (0 when none). */
  longestJobSeconds: number;
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
  /** Failed by the watchdog. */
  timedOut: number;
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
  state(): ExecutorState;
  start(job: Job): void;
  cancel(job: Job): void;
  /** The watchdog fired for `job`, the executor's current one. */
  timeOut(job: Job, error: JobTimeoutError): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

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
  readonly jobTimeoutMs: number;
  #executors: Executor[] = [];
  #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #stats = { completed: 0, failed: 0, cancelled: 0, rejected: 0, timedOut: 0, seconds: 0 };
  /** @internal Workers replaced, and abandoned workers that have not exited yet (shared with executors). */
  readonly workerCounts = { restarts: 0, abandoned: 0 };
  #watchdogs = new Map<Executor, ReturnType<typeof setTimeout>>();
  #idleWaiters: (() => void)[] = [];

  /** @internal use createSynthesisPool. */
  constructor(queueSize: number, jobTimeoutMs = 120_000) {
    if (!Number.isInteger(queueSize) || queueSize < 0)
      throw new RangeError(`queueSize must be an integer >= 0, got ${queueSize}`);
    if (!Number.isFinite(jobTimeoutMs) || jobTimeoutMs < 0)
      throw new RangeError(`jobTimeoutMs must be a number >= 0, got ${jobTimeoutMs}`);
    this.queueSize = queueSize;
    this.jobTimeoutMs = jobTimeoutMs;
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
    const states = this.#executors.map((e) => e.state());
    const count = (state: ExecutorState) => states.filter((x) => x === state).length;
    const now = performance.now();
    const ages = this.#executors.map((e) => (e.current ? (now - e.current.startedAt) / 1000 : 0));
    const up = count('idle') + count('busy');
    return {
      status:
        up === 0 ? 'down' : up === states.length && this.workerCounts.abandoned === 0 ? 'ok' : 'degraded',
      workers: this.#executors.length,
      idle: count('idle'),
      busy: count('busy'),
      starting: count('starting'),
      stuck: count('stuck') + this.workerCounts.abandoned,
      dead: count('dead'),
      restarts: this.workerCounts.restarts,
      longestJobSeconds: Math.max(0, ...ages),
      running: this.#executors.filter((e) => e.current).length,
      waiting: this.#queue.length,
      queueSize: this.queueSize,
      completed: s.completed,
      failed: s.failed,
      cancelled: s.cancelled,
      rejected: s.rejected,
      timedOut: s.timedOut,
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
    if (this.jobTimeoutMs > 0) {
      // Guards the executor, not the caller: it stays armed after a cancel until the executor reports back.
      const timer = setTimeout(() => {
        this.#watchdogs.delete(executor);
        if (executor.current !== job) return;
        this.#stats.timedOut++;
        executor.timeOut(job, new JobTimeoutError(this.jobTimeoutMs));
      }, this.jobTimeoutMs);
      timer.unref();
      this.#watchdogs.set(executor, timer);
    }
    executor.start(job);
  }

  /** @internal Fails `job` now (the watchdog), leaving its executor as it is. */
  fail(job: Job, error: Error): void {
    this.#settle(job, { error });
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
    if (executor.current === job) {
      executor.current = null;
      clearTimeout(this.#watchdogs.get(executor));
      this.#watchdogs.delete(executor);
    }
    this.#settle(job, outcome);
    if (!this.#executors.some((e) => e.current)) for (const wake of this.#idleWaiters.splice(0)) wake();
    this.dispatch();
  }

  /** @internal Starts queued jobs on free executors. */
  dispatch(): void {
    for (const e of this.#executors) {
      if (this.#queue.length === 0) return;
      if (e.available && !e.current) this.#run(e, this.#queue.shift()!);
    }
  }

  /**
   * Refuses new and queued jobs, lets running ones finish for `graceMs` (default 10 s), then stops the
   * executors: jobs still running fail. Does not wait on a worker stuck in native code (it is left to the
   * process's exit).
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = () => new Error('the synthesis pool was closed');
    for (const job of this.#queue.splice(0)) this.#settle(job, { error: closed() });
    if (this.#executors.some((e) => e.current) && graceMs > 0) {
      const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      await Promise.race([idle, sleep(graceMs)]);
    }
    for (const e of this.#executors) if (e.current) this.#settle(e.current, { error: closed() });
    for (const timer of this.#watchdogs.values()) clearTimeout(timer);
    this.#watchdogs.clear();
    // A terminate() that a stuck thread never answers must not hold the shutdown.
    await Promise.race([Promise.all(this.#executors.map((e) => e.close())), sleep(2000)]);
  }
}

/** Runs jobs on a Synthesizer in this thread. */
class InlineExecutor implements Executor {
  current: Job | null = null;
  readonly available = true;
  #controller: AbortController | null = null;
  /** The watchdog fired for the current job: it was aborted, and the executor waits for it to return. */
  #overdue = false;

  constructor(
    readonly pool: SynthesisPool,
    readonly synthesizer: Synthesizer,
  ) {}

  state(): ExecutorState {
    return this.current ? (this.#overdue ? 'stuck' : 'busy') : 'idle';
  }

  timeOut(job: Job, error: JobTimeoutError): void {
    this.#overdue = true;
    this.#controller?.abort(error);
    this.pool.fail(job, error);
  }

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
      const end = (outcome: Parameters<SynthesisPool['onEnd']>[2]) => {
        this.#overdue = false;
        this.pool.onEnd(this, job, outcome);
      };
      run().then(end, (error: Error) => end({ error }));
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
const WORKER_ENTRY = siblingModule(import.meta.url, 'worker');

/** Runs jobs in a worker thread that loads its own model. */
class WorkerExecutor implements Executor {
  current: Job | null = null;
  available = false;
  #worker: Worker | null = null;
  #starting = false;
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

  state(): ExecutorState {
    if (this.#starting) return 'starting';
    if (!this.#worker || !this.available) return 'dead';
    return this.current ? 'busy' : 'idle';
  }

  /** The job ran past its limit: fail it, abandon the (stuck) worker and start another. */
  timeOut(job: Job, error: JobTimeoutError): void {
    const stuck = this.#worker;
    this.#worker = null;
    this.available = false;
    if (stuck) {
      const counts = this.pool.workerCounts;
      counts.abandoned++;
      stuck.once('exit', () => counts.abandoned--);
      stuck.unref();
      stuck.terminate().catch(() => {});
    }
    this.pool.onEnd(this, job, { error });
    this.#replace();
  }

  #replace(): void {
    if (this.#closing || this.#restarts.left <= 0) return;
    this.#restarts.left--;
    this.pool.workerCounts.restarts++;
    this.spawn().catch(() => {});
  }

  /** Starts the thread; resolves with the model info once the model is loaded. */
  spawn(): Promise<SynthesizerInfo> {
    this.#starting = true;
    return new Promise((resolve, reject) => {
      let ready = false;
      const worker = new Worker(BOOTSTRAP, {
        workerData: { entry: WORKER_ENTRY, ...this.data },
        execArgv: [],
        name: `ribbit-synthesis-${this.index}`,
      });
      this.#worker = worker;
      worker.on('message', (m: WorkerMessage) => {
        if (this.#worker !== worker) return; // abandoned
        if (m.type === 'ready') {
          ready = true;
          this.#starting = false;
          this.available = true;
          resolve(m.info);
          this.pool.dispatch();
        } else if (m.type === 'fatal') {
          this.#starting = false;
          reject(errorFromWire(m.error));
        } else this.#onJobMessage(m);
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
      });
      worker.on('exit', (code) => {
        if (this.#worker !== worker) return; // abandoned by the watchdog: already replaced
        this.available = false;
        this.#worker = null;
        this.#starting = false;
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
        this.#replace();
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
  const pool = new SynthesisPool(options.queueSize ?? 32, options.jobTimeoutMs);
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
