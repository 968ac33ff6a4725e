#!/usr/bin/env node
// Runs the test suite with Node's built-in runner: every `tests/**/*.test.ts` file (or those under the
// paths given as arguments), each in its own process, TypeScript loaded through tsx.
// Usage: npm test [-- tests/torch tests/text/cleaners.test.ts]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(relative(root, path));
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = (roots.length ? roots : ['tests']).flatMap((p) => collect(join(root, p), []));
if (files.length === 0) {
  console.error('no test files found under', roots.join(' ') || 'tests');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...passThrough, ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, RIBBIT_TEST: '1' } },
);
process.exit(result.status ?? 1);
