#!/usr/bin/env node
// The `ribbit` command. Loads the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';
import { reexecWithGcFlags } from './gc.mjs';

if (!(await reexecWithGcFlags())) {
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
