/** Errors of the Trainer's file writes that say which file (Node's write errors do not). */

/** An I/O error as one sentence naming what was being written (the errno code kept as `code`). */
export function ioError(e: unknown, what: string): Error {
  const err = e as NodeJS.ErrnoException;
  const reason = err.code === 'ENOSPC' ? 'no space left on the device' : (err.message ?? String(e));
  const out = new Error(`${what}: ${reason}`, { cause: e }) as NodeJS.ErrnoException;
  if (err.code) out.code = err.code;
  return out;
}
