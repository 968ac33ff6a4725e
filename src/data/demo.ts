/**
 * The demo dataset: an LJSpeech-format corpus (22050 Hz mono 16-bit wavs + metadata.csv) spoken by
 * espeak-ng from the sentence list the project ships (recipes/data/demo_sentences.txt). It lets every
 * recipe and test train a real model on this machine with no download.
 *
 * With several espeak-ng voices (`speakers`) every voice speaks the same sentences and the metadata is
 * multi-speaker, in Coqui's `coqui` format (`audio_file|text|speaker_name`, speaker = the voice name).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resample } from '../audio/resample.ts';
import { readWav, writeWav } from '../audio/wav.ts';
import { writeFileAtomicSync } from '../util/atomic.ts';

const run = promisify(execFile);

export const DEMO_SENTENCES = new URL('../../recipes/data/demo_sentences.txt', import.meta.url);

export interface DemoDatasetOptions {
  out: string;
  /** How many sentences (from the start of the list; at most the list's length). */
  sentences: number;
  /** Skip the first `offset` sentences (to make a held-out set). */
  offset?: number;
  /** The espeak-ng voice of a single-speaker dataset (default en-us). */
  voice?: string;
  /**
   * espeak-ng voices of a multi-speaker dataset (e.g. en-us, en-gb, en-us+f3): each speaks every sentence into
   * `wavs/<voice>/`, and `metadata.csv` is written for the `coqui` formatter. Replaces `voice`.
   */
  speakers?: string[];
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

/** A voice name as a folder name (`en-us+f3` -> `en-us_f3`). */
function voiceFolder(voice: string): string {
  return voice.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Writes the dataset; returns the metadata path. Existing wavs are reused (the run can be resumed).
 * The formatter to read it with is `ljspeech`, or `coqui` when `speakers` is given.
 */
export async function makeDemoDataset(o: DemoDatasetOptions): Promise<string> {
  const speakers = o.speakers ?? [];
  if (new Set(speakers).size !== speakers.length)
    throw new Error(`a voice is listed twice: ${speakers.join(', ')}`);
  if (speakers.length && o.voice) throw new Error('give either one voice or a list of speakers, not both');
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
  const ids = sentences.map((_, i) => `DEMO-${String(offset + i + 1).padStart(4, '0')}`);
  // one job per utterance: (voice, sentence index, wav path relative to out)
  const voices = speakers.length ? speakers : [o.voice ?? 'en-us'];
  const jobs = voices.flatMap((voice) =>
    sentences.map((_, i) => ({
      voice,
      i,
      wav: speakers.length
        ? join('wavs', voiceFolder(voice), `${ids[i]}.wav`)
        : join('wavs', `${ids[i]}.wav`),
    })),
  );
  for (const voice of voices)
    mkdirSync(join(o.out, 'wavs', speakers.length ? voiceFolder(voice) : ''), { recursive: true });
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { voice, i, wav } = jobs[next++];
      const path = join(o.out, wav);
      if (!existsSync(path)) {
        const tmp = `${path}.espeak.wav`;
        await run('espeak-ng', ['-v', voice, '-w', tmp, sentences[i]]).catch((e: { stderr?: string }) => {
          throw new Error(`espeak-ng -v ${voice}: ${e.stderr?.trim() || String(e)}`);
        });
        const wav = readWav(tmp);
        const samples = wav.sampleRate === sr ? wav.samples : resample(wav.samples, wav.sampleRate, sr);
        writeWav(path, samples, sr, { bitsPerSample: 16 });
        rmSync(tmp, { force: true });
      }
      done += 1;
      o.onProgress?.(done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, worker));
  const meta = join(o.out, 'metadata.csv');
  const lines = speakers.length
    ? ['audio_file|text|speaker_name', ...jobs.map((j) => `${j.wav}|${sentences[j.i]}|${j.voice}`)]
    : sentences.map((s, i) => `${ids[i]}|${s}|${s}`);
  writeFileAtomicSync(meta, `${lines.join('\n')}\n`);
  return meta;
}
