// V8 garbage-collector settings of the `ribbit` command (training, the server, every subcommand): the
// collector runs on the main thread only (--single-threaded-gc: its helper threads competed with libtorch's
// compute threads for the cores) with a larger young generation (--max-semi-space-size, MB: fewer
// scavenges of the many small tensor wrappers a step makes). V8 takes these only at startup, so the command
// re-runs itself once with them, forwarding signals and the exit status. RIBBIT_NODE_GC=0, or the flags
// already given to node, leave Node's own settings.
import { spawn } from 'node:child_process';

export const GC_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=32'];

/** Runs this command again under GC_FLAGS; resolves to true if it did (the caller then does nothing). */
export function reexecWithGcFlags() {
  const has = (f) => process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]);
  if (process.env.RIBBIT_NODE_GC === '0' || GC_FLAGS.every(has)) return Promise.resolve(false);
  const flags = GC_FLAGS.filter((f) => !has(f));
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  const forward = (signal) => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal ? 128 : 1);
      resolve(true);
    });
  });
}
