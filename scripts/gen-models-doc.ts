/**
 * Writes docs/models.md: every model of Coqui's catalogue, its architecture and whether ribbit runs it (from the
 * models registered now). Run `npm run docs:models` after registering a model family.
 */
import { writeFileSync } from 'node:fs';
import { modelsMarkdown } from '../src/cli/list_models.ts';

await import('../src/models/index.ts');
const path = new URL('../docs/models.md', import.meta.url);
writeFileSync(path, modelsMarkdown());
console.log(`wrote ${path.pathname}`);
