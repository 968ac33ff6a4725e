// The guide and the architecture page point at real files, and the architecture page covers every folder.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../scaffold/project_copy.ts';
import { codeBlocks } from './code_blocks.ts';

const DOCS = ['docs/implementing-a-model.md', 'docs/architecture.md'];

/** Relative link targets of a markdown file (outside code blocks), with their lines. */
function relativeLinks(path: string): { target: string; line: number }[] {
  const text = readFileSync(join(REPO_ROOT, path), 'utf8');
  const inCode = new Set<number>();
  for (const b of codeBlocks(text)) {
    for (let i = 0; i <= b.code.split('\n').length; i++) inCode.add(b.line + i);
  }
  const links: { target: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    if (inCode.has(i + 1)) return;
    for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (target && !/^[a-z]+:/i.test(target)) links.push({ target, line: i + 1 });
    }
  });
  return links;
}

test('relative links of the guide and the architecture page resolve', () => {
  for (const doc of DOCS) {
    const links = relativeLinks(doc);
    assert.ok(links.length > 10, `${doc}: only ${links.length} links`);
    const broken = links
      .filter(({ target }) => !existsSync(join(REPO_ROOT, dirname(doc), target)))
      .map(({ target, line }) => `${doc}:${line}: ${target}`);
    assert.deepEqual(broken, [], 'broken links');
  }
});

test('docs/architecture.md names every folder of src/ and the top-level folders', () => {
  const text = readFileSync(join(REPO_ROOT, 'docs/architecture.md'), 'utf8');
  const src = readdirSync(join(REPO_ROOT, 'src')).filter((n) =>
    statSync(join(REPO_ROOT, 'src', n)).isDirectory(),
  );
  const folders = [...src.map((n) => `src/${n}`), 'native/', 'bench/', 'recipes/', 'scripts/'];
  const missing = folders.filter((f) => !text.includes(`\`${f}`));
  assert.deepEqual(missing, [], 'folders the architecture page does not describe');
});
