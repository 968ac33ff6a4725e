/**
 * The Trainer's terminal and log-file output: step summaries with running averages, and a progress bar with
 * ETA that redraws in place on a TTY (and stays silent in a log file or CI).
 */
import { appendFileSync } from 'node:fs';
import { ioError } from './io_error.ts';

/** Keeps running averages of named values (loss items, step time). */
export class RunningAverage {
  #sums = new Map<string, number>();
  #counts = new Map<string, number>();

  update(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) {
      if (!Number.isFinite(v)) continue;
      this.#sums.set(k, (this.#sums.get(k) ?? 0) + v);
      this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
    }
  }

  get(key: string): number | undefined {
    const n = this.#counts.get(key);
    return n ? (this.#sums.get(key) as number) / n : undefined;
  }

  values(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.#sums.keys()) out[k] = this.get(k) as number;
    return out;
  }

  reset(): void {
    this.#sums.clear();
    this.#counts.clear();
  }

  /** The sums and counts so far (plain numbers: JSON keeps them exactly), for a checkpoint. */
  stateDict(): RunningAverageState {
    return { sums: Object.fromEntries(this.#sums), counts: Object.fromEntries(this.#counts) };
  }

  /** Replaces the sums and counts with saved ones. */
  loadStateDict(state: RunningAverageState): void {
    this.reset();
    for (const [k, v] of Object.entries(state.sums)) this.#sums.set(k, v);
    for (const [k, n] of Object.entries(state.counts)) this.#counts.set(k, n);
  }
}

/** What `RunningAverage.stateDict()` returns: per key, the sum of the values seen and how many. */
export interface RunningAverageState {
  sums: Record<string, number>;
  counts: Record<string, number>;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(3);
  return v.toFixed(5);
}

/** Formats seconds as H:MM:SS or M:SS. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** Console + log-file writer used by the Trainer. */
export class ConsoleLogger {
  readonly #logFile: string | null;
  readonly #out: NodeJS.WriteStream;
  #detached = false;
  #barVisible = false;
  readonly quiet: boolean;

  constructor(options: { logFile?: string | null; stream?: NodeJS.WriteStream; quiet?: boolean } = {}) {
    this.#logFile = options.logFile ?? null;
    this.#out = options.stream ?? process.stdout;
    this.quiet = options.quiet ?? false;
  }

  /** A line to the terminal and to the log file. */
  line(text: string): void {
    this.#clearBar();
    if (!this.quiet && !this.#detached) this.#out.write(`${text}\n`);
    if (this.#logFile) appendLine(this.#logFile, text);
  }

  /**
   * Stops writing to the terminal (after SIGHUP it is gone: writes would fail with EIO/EPIPE); its pending
   * write errors are ignored. The log file keeps every line.
   */
  detachTerminal(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#out.on('error', () => {});
  }

  /** Coqui-style block: a header line and ` | > key: value (average)` rows. */
  block(header: string, values: Record<string, number>, averages?: Record<string, number>): void {
    const rows = Object.entries(values).map(([k, v]) => {
      const avg = averages?.[k];
      return `     | > ${k}: ${fmt(v)}${avg !== undefined ? `  (${fmt(avg)})` : ''}`;
    });
    this.line([header, ...rows].join('\n'));
  }

  /** Redraws the progress bar in place (TTY only). */
  progress(label: string, done: number, total: number, startedAt: number, suffix = ''): void {
    if (this.quiet || this.#detached || !this.#out.isTTY) return;
    const width = 28;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const elapsed = (Date.now() - startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${label} ${bar} ${done}/${total} [${formatDuration(elapsed)}<${formatDuration(eta)}] ${suffix}`;
    const cols = this.#out.columns ?? 120;
    this.#out.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length))}`);
    this.#barVisible = true;
  }

  #clearBar(): void {
    if (this.#barVisible && !this.#detached) {
      this.#out.write('\r\x1b[2K');
      this.#barVisible = false;
    }
  }

  /** Ends a progress bar (clears it). */
  endProgress(): void {
    this.#clearBar();
  }
}

/** Appends a line to the run's log file. @throws Error naming the file (a full disk says ENOSPC, not which file). */
function appendLine(file: string, text: string): void {
  try {
    appendFileSync(file, `${text}\n`);
  } catch (e) {
    throw ioError(e, `cannot append to the log file ${file}`);
  }
}
