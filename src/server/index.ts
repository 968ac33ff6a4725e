/**
 * ribbit serving: a pool of synthesis workers with a fair bounded queue, and a Coqui/MaryTTS-compatible
 * HTTP server with a streaming endpoint and a demo page.
 */
export { PAGE_HTML } from './page.ts';
export {
  createSynthesisPool,
  type JobOptions,
  type PoolOptions,
  type PoolStats,
  QueueFullError,
  SynthesisPool,
} from './pool.ts';
export {
  createTtsServer,
  HttpError,
  type RunningTtsServer,
  startTtsServer,
  type TtsServerOptions,
} from './server.ts';
