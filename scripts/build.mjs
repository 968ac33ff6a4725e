#!/usr/bin/env node
// Builds the package's JavaScript: `dist/` = src/ compiled by tsc (tsconfig.build.json: declarations, relative
// `.ts` specifiers rewritten to `.js`), plus the files src/ reads at run time that are not TypeScript (the
// worker thread's bootstrap, the scaffold templates, data files). `npm pack` / `npm publish` run it (prepack).
// Usage: npm run build
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('ribbit: tsc failed (see above); dist/ is incomplete.');
  process.exit(result.status ?? 1);
}

/** Copies every non-TypeScript file under src/ to the same place under dist/. */
function copyAssets(dir) {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) n += copyAssets(path);
    else if (!name.endsWith('.ts')) {
      cpSync(path, join(dist, relative(src, path)));
      n++;
    }
  }
  return n;
}
console.log(`ribbit: built dist/ (tsc) and copied ${copyAssets(src)} other files`);
