/** The phonemizer interface shared by all grapheme-to-phoneme backends. */

/** A grapheme-to-phoneme converter. */
export interface Phonemizer {
  /** Backend name (Coqui's `name()`, e.g. `"espeak"`); part of cache keys. */
  readonly name: string;
  /** Language code given to the backend (e.g. `"en-us"`). */
  readonly language: string;
  /**
   * Extra settings that change the output (punctuation handling, ...), folded into cache keys.
   * Optional; empty when absent.
   */
  readonly settingsKey?: string;
  /** Phonemizes one text; phonemes of one word are joined by `separator` (Coqui default `"|"`). */
  phonemize(text: string, separator?: string): Promise<string>;
  /** Phonemizes many texts (in parallel where the backend allows), results in input order. */
  phonemizeMany(texts: readonly string[], separator?: string): Promise<string[]>;
  /** Backend version string (part of cache keys). */
  version(): Promise<string>;
}

/** Limits how many asynchronous jobs (child processes) run at once. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  /** @param concurrency maximal number of jobs running at the same time (>= 1). */
  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
  }

  /** Runs `job` when a slot is free. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
