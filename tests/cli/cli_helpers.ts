// What the command-line tests share: running `ribbit` as a user would, and finding the run folder it made.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

/** A `ribbit serve` child that printed its banner: its URL, output so far, and its exit code once it ends. */
export interface ServeChild {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `ribbit serve ...args` (add `--port 0 --host 127.0.0.1`) and resolves once it prints
 * "Serving on http://127.0.0.1:PORT"; rejects with its stderr if it exits first or prints nothing in `timeoutMs`.
 * The caller kills it (SIGTERM) and may await `exited`.
 */
export async function startServe(args: string[], cwd?: string, timeoutMs = 60_000): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no banner after ${timeoutMs / 1000} s; stderr: ${stderr}`)),
        timeoutMs,
      );
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /Serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.on('exit', () => reject(new Error(`server exited early: ${stderr}`)));
    });
    return { url, child, stdout: () => stdout, stderr: () => stderr, exited };
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
}

/** Config fields every CLI training test shares: the demo dataset in `data/` and en-us phonemes cached in `runs/`. */
export const DEMO_DATA_FIELDS = {
  usePhonemes: true,
  phonemeLanguage: 'en-us',
  textCleaner: 'phoneme_cleaners',
  phonemeCachePath: 'runs/phonemes',
  datasets: [{ formatter: 'ljspeech', path: 'data', metaFileTrain: 'metadata.csv' }],
};

/** A Glow-TTS small enough to train a few steps in seconds (hidden 16, 2 flow blocks, 1 encoder layer). */
export const TINY_GLOW_TTS_FIELDS = {
  hiddenChannelsEnc: 16,
  hiddenChannelsDec: 16,
  hiddenChannelsDp: 16,
  numFlowBlocksDec: 2,
  numBlockLayers: 2,
  encoderParams: { numLayers: 1, hiddenChannelsFfn: 32 },
};
