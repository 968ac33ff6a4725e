/**
 * Phonemization throughput: 300 sentences through espeak-ng, one process at a time vs the parallel pool.
 * Run: node --import tsx tests/text/throughput.bench.ts   (not part of `npm test`)
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ESpeakPhonemizer, phonemeCleaners } from '../../src/text/index.ts';
import { sentences } from './fixtures.ts';

const texts = Array.from({ length: 300 }, (_, i) =>
  phonemeCleaners(`${sentences[i % sentences.length]!.text} Take ${Math.floor(i / sentences.length) + 1}.`),
);

async function measure(concurrency: number): Promise<number> {
  const ph = new ESpeakPhonemizer('en-us', { concurrency });
  await ph.phonemize('warm up', '');
  const t0 = performance.now();
  await ph.phonemizeMany(texts, '');
  return texts.length / ((performance.now() - t0) / 1000);
}

const cpus = availableParallelism();
const serial = await measure(1);
console.log(`cpus=${cpus}  300 sentences`);
console.log(`one process at a time: ${serial.toFixed(1)} sentences/s`);
for (const c of [...new Set([2, 4, cpus, 2 * cpus])].sort((a, b) => a - b)) {
  const r = await measure(c);
  console.log(`pool of ${c}: ${r.toFixed(1)} sentences/s (x${(r / serial).toFixed(2)})`);
}
