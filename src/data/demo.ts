/**
 * The demo dataset: an LJSpeech-format corpus (22050 Hz mono 16-bit wavs + metadata.csv) spoken by
 * espeak-ng from the sentence list the project ships (recipes/data/demo_sentences.txt). It lets every
 * recipe and test train a real model on this machine with no download.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resample } from '../audio/resample.js';
import { readWav, writeWav } from '../audio/wav.js';
import { writeFileAtomicSync } from '../util/atomic.js';

const run = promisify(execFile);

export const DEMO_SENTENCES = new URL('../../recipes/data/demo_sentences.txt', import.meta.url);

export interface DemoDatasetOptions {
  out: string;
  /** How many sentences (from the start of the list; at most the list's length). */
  sentences: number;
  /** Skip the first `offset` sentences (to make a held-out set). */
  offset?: number;
  voice?: string;
  sampleRate?: number;
  /** espeak-ng processes at once (default 2). */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The shipped sentence list. */
export function demoSentences(): string[] {
  return readFileSync(DEMO_SENTENCES, 'utf8')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Writes the dataset; returns the metadata path. Existing wavs are reused (the run can be resumed). */
export async function makeDemoDataset(o: DemoDatasetOptions): Promise<string> {
  try {
    await run('espeak-ng', ['--version']);
  } catch {
    throw new Error('espeak-ng is not installed: apt-get install espeak-ng');
  }
  const all = demoSentences();
  const offset = o.offset ?? 0;
  if (o.sentences < 1 || offset + o.sentences > all.length) {
    throw new Error(
      `--sentences must be between 1 and ${all.length - offset} (the list has ${all.length} sentences)`,
    );
  }
  const sentences = all.slice(offset, offset + o.sentences);
  const sr = o.sampleRate ?? 22050;
  const wavs = join(o.out, 'wavs');
  mkdirSync(wavs, { recursive: true });
  const ids = sentences.map((_, i) => `DEMO-${String(offset + i + 1).padStart(4, '0')}`);
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < sentences.length) {
      const i = next++;
      const path = join(wavs, `${ids[i]}.wav`);
      if (!existsSync(path)) {
        const tmp = `${path}.espeak.wav`;
        await run('espeak-ng', ['-v', o.voice ?? 'en-us', '-w', tmp, sentences[i]]);
        const wav = readWav(tmp);
        const samples = wav.sampleRate === sr ? wav.samples : resample(wav.samples, wav.sampleRate, sr);
        writeWav(path, samples, sr, { bitsPerSample: 16 });
        rmSync(tmp, { force: true });
      }
      done += 1;
      o.onProgress?.(done, sentences.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, worker));
  const meta = join(o.out, 'metadata.csv');
  writeFileAtomicSync(meta, `${sentences.map((s, i) => `${ids[i]}|${s}|${s}`).join('\n')}\n`);
  return meta;
}
