#!/usr/bin/env node
// The `ribbit` command. In a checkout of the repository (src/ present, tsx installed) it runs the TypeScript
// sources through tsx, so what runs is always what is in src/, built or not. An installed package ships no
// sources: it runs the JavaScript built into dist/ (`npm run build`, run by `npm pack` / `npm publish`).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
/** tsx's loader, registered; null when tsx is not installed (a user's install: dev dependency). */
async function registerTsx() {
  try {
    return (await import('tsx/esm/api')).register();
  } catch {
    return null;
  }
}

let main;
if (existsSync(sources) && (await registerTsx())) {
  ({ main } = await import(sources.href));
} else if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  console.error(
    'ribbit: neither dist/ (run `npm run build`) nor tsx (a dev dependency) to run src/ is here.',
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
