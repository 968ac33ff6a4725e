// Entry of a synthesis worker thread: makes TypeScript importable in this thread (tsx), then loads the
// worker module named in workerData.entry (src/server/worker.ts). Plain JavaScript because nothing can
// load TypeScript before this runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
