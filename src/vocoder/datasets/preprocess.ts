/**
 * Vocoder data lists (Coqui's `TTS.vocoder.datasets.preprocess`): every `.wav` under a folder, optionally paired
 * by file stem with a precomputed mel `.npy` under another folder (fine-tuning on a TTS model's output), shuffled
 * with a fixed seed and split into eval and train lists.
 */
import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { SeededRandom } from '../../data/random.ts';

/** A wav file, or a wav file with its precomputed mel. */
export type VocoderItem = string | { wav: string; feat: string };

/** Files under `root` (recursively) ending in `ext`, sorted. */
export function findFiles(root: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

const stem = (p: string) => basename(p, extname(p));

/** `[eval, train]`: the first `evalSplitSize` items of a seeded shuffle, and the rest. */
function split<T>(items: T[], evalSplitSize: number, seed: number): [T[], T[]] {
  new SeededRandom(seed).shuffle(items);
  return [items.slice(0, evalSplitSize), items.slice(evalSplitSize)];
}

/** Every wav under `dataPath`, split into `[eval, train]` (Coqui's `load_wav_data`). */
export function loadWavData(dataPath: string, evalSplitSize: number, seed = 0): [string[], string[]] {
  const wavs = findFiles(dataPath, '.wav');
  if (wavs.length === 0) throw new Error(`${dataPath}: no .wav files found`);
  return split(wavs, evalSplitSize, seed);
}

/**
 * Wavs under `dataPath` paired by stem with the `.npy` mels under `featPath` (Coqui's `load_wav_feat_data`),
 * split into `[eval, train]`. Wavs without a mel (and mels without a wav) are reported through `log` and left out.
 */
export function loadWavFeatData(
  dataPath: string,
  featPath: string,
  evalSplitSize: number,
  options: { seed?: number; log?: (line: string) => void } = {},
): [VocoderItem[], VocoderItem[]] {
  const wavs = findFiles(dataPath, '.wav');
  const feats = new Map(findFiles(featPath, '.npy').map((f) => [stem(f), f]));
  const items: VocoderItem[] = [];
  const unpaired: string[] = [];
  for (const w of wavs) {
    const f = feats.get(stem(w));
    if (f) {
      items.push({ wav: w, feat: f });
      feats.delete(stem(w));
    } else unpaired.push(w);
  }
  if (unpaired.length > 0) {
    options.log?.(
      `   | > ${unpaired.length} wav files have no mel in ${featPath} (e.g. ${unpaired[0]}); left out`,
    );
  }
  if (feats.size > 0) options.log?.(`   | > ${feats.size} mel files have no wav in ${dataPath}; left out`);
  if (items.length === 0) throw new Error(`no wav files in ${dataPath} pair with a .npy mel in ${featPath}`);
  return split(items, evalSplitSize, options.seed ?? 0);
}
