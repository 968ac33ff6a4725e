/**
 * URLs of sibling modules that are imported by URL at run time (worker entries, loader modules). ribbit runs
 * from its TypeScript sources in a checkout (through tsx) and from `dist/*.js` once built, so a sibling's
 * extension is the caller's own.
 */
import { extname } from 'node:path';

/**
 * URL of the module `stem` beside `base` (the caller's `import.meta.url`), with `base`'s extension:
 * `siblingModule(import.meta.url, 'worker')` is `.../worker.ts` from the sources, `.../worker.js` from dist.
 */
export function siblingModule(base: string, stem: string): string {
  return new URL(`./${stem}${extname(new URL(base).pathname)}`, base).href;
}
