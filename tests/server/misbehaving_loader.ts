// A loader module for pool tests: the fake synthesizer, except that a text with "hang" blocks its worker
// thread in native code for 5 s (a synchronous child process: like a call stuck in libtorch, neither a message
// nor Worker.terminate() gets through meanwhile) and a text with "crash" ends the worker thread. Only for worker threads (process.exit there ends the thread, not the process).
import { spawnSync } from 'node:child_process';
import { loadSynthesizer as loadFake } from '../../src/inference/fake.ts';
import type { Synthesizer } from '../../src/inference/synthesizer.ts';

/** URL of this module (a pool's `loaderModule`). */
export const MISBEHAVING_LOADER: string = import.meta.url;

/** How long a "hang" text blocks its thread (ms). */
export const HANG_MS = 5000;

function misbehave(text: string): void {
  if (text.includes('hang')) spawnSync('sleep', [String(HANG_MS / 1000)]);
  if (text.includes('crash')) process.exit(3);
}

export async function loadSynthesizer(options: Parameters<typeof loadFake>[0]): Promise<Synthesizer> {
  const synth = await loadFake(options);
  const synthesize = synth.synthesize.bind(synth);
  const stream = synth.stream.bind(synth);
  synth.synthesize = (text, o) => {
    misbehave(text);
    return synthesize(text, o);
  };
  synth.stream = (text, o) => {
    misbehave(text);
    return stream(text, o);
  };
  return synth;
}
