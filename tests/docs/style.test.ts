// One style across the sources, the guide and the scaffold: relative imports name the `.ts` file (the build
// rewrites them to `.js`), and sub-modules/parameters are registered with `registerModule`/`registerParameter`
// (PyTorch's names; the short aliases are gone).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|tmpl|md)$/.test(name)) out.push(path);
  }
  return out;
}

const checked = ['src', 'tests', 'bench', 'scripts', 'recipes', 'docs'].flatMap((d) => files(d));

test('relative imports name .ts files', () => {
  const bad = checked.filter((f) =>
    /(from|import\()\s*'\.{1,2}\/[^']*\.js'|^import '\.{1,2}\/[^']*\.js'/m.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(bad, []);
});

test('modules register children with registerModule/registerParameter', () => {
  const bad = checked.filter((f) => /this\.(module|param)\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(bad, []);
});
