// Benchmark dispatcher: `npm run bench -- <name> [options]` runs bench/<name>.ts in this process with the
// options left in process.argv (a '-' in the name stands for '_': `glow-tts` runs bench/glow_tts.ts).
// `--threads N` sets libtorch's intra-op threads for any bench (through RIBBIT_NUM_THREADS, read when the
// engine loads); the benches in LIST_THREADS read --threads themselves, as a list (`--threads 1,all`).
// Without a name, lists the benches. Benches run under the `ribbit` command's V8 GC settings (bin/gc.mjs:
// the process re-runs itself with them once; RIBBIT_NODE_GC=0 measures with Node's defaults).
import { readdirSync } from 'node:fs';
import { reexecWithGcFlags } from '../bin/gc.mjs';

if (await reexecWithGcFlags()) process.exit();

const dir = new URL('.', import.meta.url);
/** Modules of bench/ that are not benches. */
const HELPERS = new Set(['run.ts', 'args.ts', 'coqui.ts', 'torch_glow_decoder.ts']);
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !HELPERS.has(f))
  .map((f) => f.slice(0, -3))
  .sort();
/** Benches that take `--threads` as a list of thread counts and set them per case. */
const LIST_THREADS = new Set(['glow_tts', 'vocoder', 'vits']);
const given = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const name = given?.replaceAll('-', '_');
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--threads N] [options]\nbenches: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const t = process.argv.indexOf('--threads');
if (t >= 0 && !LIST_THREADS.has(name)) {
  const n = Number(process.argv[t + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--threads: expected a positive integer, got ${process.argv[t + 1]}`);
    process.exit(1);
  }
  process.env.RIBBIT_NUM_THREADS = String(n);
}
await import(new URL(`./${name}.ts`, dir).href);
