// Entry of a synthesis worker thread: loads the worker module named in workerData.entry (src/server/worker.ts,
// or dist/server/worker.js in the built package). From the sources, TypeScript is made importable in this
// thread first (tsx, a dev dependency). Plain JavaScript because nothing can load TypeScript before this runs.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);
