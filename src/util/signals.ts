/**
 * Stop signals (Ctrl-C, SIGTERM, SIGHUP) for long-running commands: the first asks for a clean stop, a later one
 * forces it.
 *
 * One Ctrl-C reaches every process of the terminal's foreground group: the `ribbit` launcher (bin/gc.mjs, which
 * forwards it) and the process doing the work, which so receives it twice within milliseconds; `pkill -f` and
 * closing the terminal do the same. A repeat within `SIGNAL_REPEAT_GRACE_MS` of the first is that same request,
 * not a second one (before, it aborted a training run without its checkpoint).
 */
import { constants as osConstants } from 'node:os';

/** A signal this soon (ms) after the first is the same request delivered twice. */
export const SIGNAL_REPEAT_GRACE_MS = 1000;

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Exit status of a process ended by `signal`: 128 + its number (130 for SIGINT). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

/**
 * Calls `first(signal)` on the first stop signal and `again(signal)` on any later one that arrives after the
 * grace period; repeats inside it are ignored. Returns a function that removes the handlers.
 */
export function onStopSignals(
  first: (signal: NodeJS.Signals) => void,
  again: (signal: NodeJS.Signals) => void,
  signals: readonly NodeJS.Signals[] = STOP_SIGNALS,
): () => void {
  let firstAt: number | null = null;
  const handler = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt === null) {
      firstAt = now;
      first(signal);
    } else if (now - firstAt >= SIGNAL_REPEAT_GRACE_MS) {
      again(signal);
    }
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
