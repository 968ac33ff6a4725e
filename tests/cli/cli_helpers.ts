// What the command-line tests share: running `ribbit` as a user would, and finding the run folder it made.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;

/** Runs `ribbit ...args` in `cwd`: exit status, stdout, and stdout + stderr together. */
export function runRibbit(
  cwd: string,
  ...args: string[]
): { status: number | null; out: string; stdout: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, stdout: r.stdout };
}

/** The one run folder of `runName` under `dir/runs` (runs are named `<runName>-<date>`). */
export function onlyRunFolder(dir: string, runName: string): string {
  const runs = readdirSync(join(dir, 'runs')).filter((n) => n.startsWith(`${runName}-`));
  assert.equal(runs.length, 1, `one run folder expected, got ${runs.join(', ')}`);
  return join(dir, 'runs', runs[0]!);
}
