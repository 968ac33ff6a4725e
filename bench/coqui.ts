// Coqui TTS 0.22 as a reference measured in the same run (not constants): finds the reference install that
// ../shared/reference/setup.sh builds (Coqui's pure-Python sources + Debian's python3-torch 1.13) and runs
// bench/reference/*.py scripts in it as child processes.
//
// Where: RIBBIT_COQUI_REF (the setup's DEST folder, holding vendor/ and stubs.py), default ../coqui-ref
// beside the repository; RIBBIT_COQUI_PYTHON (default /usr/bin/python3, whose torch is Debian's).
// The child gets the environment as given, without what ribbit's engine added to it (threadEnvDefaults:
// OMP_WAIT_POLICY, OPENBLAS_NUM_THREADS), as a Coqui user runs it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadEnvDefaults } from '../src/torch/native.ts';

export interface CoquiReference {
  /** The install folder (vendor/ and stubs.py). */
  dir: string;
  python: string;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The reference install, or why there is none (then benches print ribbit's figures alone). */
export function findCoquiReference(): CoquiReference | { missing: string } {
  const dir = resolve(process.env.RIBBIT_COQUI_REF ?? resolve(repoRoot, '../coqui-ref'));
  const python = process.env.RIBBIT_COQUI_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(resolve(dir, 'vendor/TTS')) || !existsSync(resolve(dir, 'stubs.py'))) {
    return {
      missing:
        `no Coqui reference in ${dir} (build it with ../shared/reference/setup.sh, DEST=<dir>, and set ` +
        'RIBBIT_COQUI_REF=<dir>)',
    };
  }
  if (!existsSync(python)) return { missing: `no Python at ${python} (RIBBIT_COQUI_PYTHON)` };
  return { dir, python };
}

/** The environment a reference child runs in: as given, minus ribbit's thread defaults. */
function referenceEnv(ref: CoquiReference): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in threadEnvDefaults)));
  return { ...env, VENDOR: resolve(ref.dir, 'vendor'), STUBS: ref.dir };
}

/**
 * Runs bench/reference/<script> with `args` in the reference and resolves to the last JSON line it prints
 * (rejects with its stderr's tail when it fails). Asynchronous, so the event loop runs meanwhile.
 */
export function runReference(
  ref: CoquiReference,
  script: string,
  args: string[],
): Promise<Record<string, unknown>> {
  const path = fileURLToPath(new URL(`./reference/${script}`, import.meta.url));
  return new Promise((done, fail) => {
    const child = spawn(ref.python, [path, ...args], {
      env: referenceEnv(ref),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) {
        fail(new Error(`${script} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
      } else {
        done(JSON.parse(line) as Record<string, unknown>);
      }
    });
  });
}
