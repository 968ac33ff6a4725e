// `npm ci` / `npm install` runs this (in a checkout, and when ribbit is installed into another project): it
// builds the addon with node-gyp against the libtorch that native/libtorch.mjs finds, and skips the build when
// the sources and libtorch location are unchanged.
// Usage: node native/build.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './libtorch.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// installed as a dependency (…/node_modules/ribbit/native) or a checkout of the repository
const installed = here.split(sep).includes('node_modules');
const retry = installed
  ? 'then reinstall ribbit, or rebuild it in place with `npm rebuild ribbit`'
  : 'then run `npm run build:native`';
const found = findLibtorch();
if ('error' in found) {
  console.error(`\nribbit: the native addon needs libtorch. ${found.error}\nribbit: ${retry}.\n`);
  process.exit(1);
}
const output = join(here, 'build/Release/ribbit.node');
const stampPath = join(here, 'build/stamp.json');
const sources = ['ribbit.cc', 'binding.gyp', 'libtorch.mjs'].map((f) => join(here, f));
const stamp = JSON.stringify({ found, node: process.version, mtimes: sources.map((f) => statSync(f).mtimeMs) });
if (!process.argv.includes('--force') && existsSync(output) && existsSync(stampPath)) {
  if (readFileSync(stampPath, 'utf8') === stamp) {
    console.log('ribbit: native addon is up to date');
    process.exit(0);
  }
}
console.log(`ribbit: building the native addon against libtorch in ${found.libdir} (about a minute)...`);
// node-gyp is a dependency: resolved as Node resolves modules from here (npm may hoist it into the
// consuming project's node_modules)
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.error(`\nribbit: node-gyp (a dependency of ribbit) is not installed beside it; ${retry}.\n`);
  process.exit(1);
}
const args = [gyp, 'rebuild', '--jobs', 'max'];
// Build against the headers of the running Node when they are installed beside it (Debian's nodejs, the
// official tarballs, nvm): no header download, so offline machines build too.
const nodeRoot = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(nodeRoot, 'include/node/node_api.h'))) {
  args.push(`--nodedir=${nodeRoot}`);
}
const result = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`\nribbit: the native addon failed to build (see the compiler output above); fix it, ${retry}.`);
  process.exit(result.status ?? 1);
}
writeFileSync(stampPath, stamp);
