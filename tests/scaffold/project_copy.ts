/**
 * A throwaway copy of the project for tests that write source files (the guide's code blocks, `ribbit
 * new-model`): `src/`, `package.json` and `tsconfig.json` are copied, `node_modules` and `native/build` are
 * symlinked, so the copy imports, typechecks and runs like the real tree without touching it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real project's root folder. */
export const REPO_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));

/** What a finished child process left. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for assertion messages. */
  output: string;
  seconds: number;
}

/** Children of runProcess still running (stopped by ProjectCopy.remove). */
const running = new Set<ChildProcess>();

/** Runs a program to completion (asynchronously, so several can run at once). */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = { cwd: REPO_ROOT },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // A test runner's child sees NODE_TEST_CONTEXT; a `node --test` started with it would not run its files.
    const { NODE_TEST_CONTEXT: _, ...env } = options.env ?? process.env;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    running.add(child);
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({
        code,
        stdout,
        stderr,
        output: `${stdout}${stderr ? `\n--- stderr ---\n${stderr}` : ''}`,
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

export class ProjectCopy {
  /** The copy's root folder (in the system temp folder). */
  readonly root: string;

  constructor(prefix = 'ribbit-copy-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    cpSync(join(REPO_ROOT, 'src'), join(this.root, 'src'), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'biome.json'])
      cpSync(join(REPO_ROOT, f), join(this.root, f));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    mkdirSync(join(this.root, 'native'));
    symlinkSync(join(REPO_ROOT, 'native', 'build'), join(this.root, 'native', 'build'), 'dir');
  }

  /** Absolute path of a project-relative path. */
  path(rel: string): string {
    return join(this.root, rel);
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel));
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  write(rel: string, text: string): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
  }

  append(rel: string, text: string): void {
    appendFileSync(this.path(rel), text);
  }

  /** `node --import tsx ARGS` in the copy. */
  node(args: string[], timeoutMs = 600_000): Promise<RunResult> {
    return runProcess(process.execPath, ['--import', 'tsx', ...args], { cwd: this.root, timeoutMs });
  }

  /** `node --import tsx --test FILES` in the copy (one process per file, as `npm test` does). */
  test(files: string[], timeoutMs = 600_000): Promise<RunResult> {
    return this.node(['--test', '--test-reporter=spec', ...files], timeoutMs);
  }

  /**
   * `tsc --noEmit` with the project's compiler options over `files` and everything they import (much less
   * than the whole project, so it takes seconds rather than a minute).
   */
  typecheck(files: string[], timeoutMs = 600_000): Promise<RunResult> {
    const config = 'tsconfig.check.json';
    this.write(config, JSON.stringify({ extends: './tsconfig.json', include: [], files }, null, 2));
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    return runProcess(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', config], {
      cwd: this.root,
      timeoutMs,
    });
  }

  /** `biome check` (format and lint, the project's settings) of `files`; changes nothing. */
  lint(files: string[], timeoutMs = 300_000): Promise<RunResult> {
    const biome = join(REPO_ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
    return runProcess(process.execPath, [biome, 'check', '--colors=off', ...files], {
      cwd: this.root,
      timeoutMs,
    });
  }

  /** Stops what still runs in it (a test that failed early) and deletes it (not the symlinked folders). */
  remove(): void {
    for (const child of running) child.kill();
    rmSync(this.root, { recursive: true, force: true });
  }
}
