#!/usr/bin/env node
// The `ribbit` command. In a checkout of the repository (src/ present, tsx installed) it runs the TypeScript
// sources through tsx, so what runs is always what is in src/, built or not. An installed package ships no
// sources: it runs the JavaScript built into dist/ (`npm run build`, run by `npm pack` / `npm publish`).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources) && (await import('tsx/esm/api').then((m) => (m.register(), true), () => false))) {
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
