/**
 * Intelligibility by an independent speech recogniser: CMU PocketSphinx (Debian's `pocketsphinx` and
 * `pocketsphinx-en-us`, run as a separate `pocketsphinx_continuous` process) transcribes each wav, and the
 * word error rate (WER) of its transcript against the sentence's text is reported.
 *
 * The recogniser's language model is restricted to the test sentences' words: an ARPA unigram + bigram model
 * (Witten-Bell, see {@link writeArpa}) estimated from the reference sentences, with a dictionary holding only
 * those words (pronunciations from the en-us cmudict shipped with the acoustic model; words missing from it get
 * espeak-ng's pronunciation mapped to CMU phones). Why this keeps the figure informative: a grammar of whole
 * sentences would turn recognition into a lookup (any audio near one sentence is "recognised" perfectly),
 * and the general 130,000-word model errs even on clean espeak-ng speech, which hides the difference between
 * voices. A bigram model over the sentences' words still has to hear every word: each word can be followed by
 * any other word of the vocabulary (backing off to the unigram), so a mumbled word is replaced, dropped or
 * split into others and the WER rises; silence and noise give empty or wrong transcripts (a test checks this).
 *
 * Audio is resampled to 16 kHz mono with `src/audio/resample.ts`, padded with 0.5 s of silence on each side and
 * written as 16-bit PCM (peak-normalised only when it would clip) into a temporary folder; only file paths are passed on pocketsphinx's command line.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resample } from '../audio/resample.ts';
import { writeWav } from '../audio/wav.ts';
import { englishCleaners } from '../text/cleaners.ts';
import type { Audio } from './analysis.ts';

const run = promisify(execFile);

/** Where Debian's pocketsphinx-en-us puts the US English acoustic model and dictionary. */
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** The recogniser's executable (looked up on PATH). */
export const POCKETSPHINX_BIN = 'pocketsphinx_continuous';
/** Sample rate the acoustic model was trained on, Hz. */
export const ASR_SAMPLE_RATE = 16000;

/** Why pocketsphinx cannot run here, or null when it can. */
export function pocketsphinxMissing(modelDir = POCKETSPHINX_MODEL_DIR): string | null {
  const probe = spawnSync(POCKETSPHINX_BIN, [], { stdio: 'ignore' });
  if (probe.error) return `${POCKETSPHINX_BIN} not found: apt-get install pocketsphinx pocketsphinx-en-us`;
  for (const f of ['en-us', 'cmudict-en-us.dict'])
    if (!existsSync(join(modelDir, f)))
      return `${join(modelDir, f)} not found: apt-get install pocketsphinx-en-us`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Text normalisation and word error rate

/**
 * The words of a text as WER counts them: the English text normaliser (lower case, numbers, times and
 * abbreviations spelled out as the TTS front end does), then everything but letters and inner apostrophes
 * dropped. `"Dr. Smith paid $3!"` -> `["doctor", "smith", "paid", "three", "dollars"]`.
 */
export function normalizeWords(text: string): string[] {
  return englishCleaners(text)
    .replace(/[^a-z']+/g, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}

/** Edit counts of a transcript against its reference (minimum Levenshtein alignment over words). */
export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** substitutions + deletions + insertions. */
  edits: number;
  /** Words in the reference. */
  refWords: number;
}

/**
 * Word-level Levenshtein distance with unit costs, split into substitutions, deletions and insertions (among
 * the alignments of minimal cost, the one with the fewest substitutions). WER = edits / refWords.
 */
export function wordErrors(ref: readonly string[], hyp: readonly string[]): WordErrors {
  const n = ref.length;
  const m = hyp.length;
  // cost[i][j] and, per cell, the op counts of the chosen path: [sub, del, ins]
  type Cell = { cost: number; s: number; d: number; i: number };
  let prev: Cell[] = Array.from({ length: m + 1 }, (_, j) => ({ cost: j, s: 0, d: 0, i: j }));
  for (let i = 1; i <= n; i++) {
    const cur: Cell[] = [{ cost: i, s: 0, d: i, i: 0 }];
    for (let j = 1; j <= m; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      const diag = prev[j - 1];
      const up = prev[j];
      const left = cur[j - 1];
      const cands: Cell[] = [
        { cost: diag.cost + (same ? 0 : 1), s: diag.s + (same ? 0 : 1), d: diag.d, i: diag.i },
        { cost: up.cost + 1, s: up.s, d: up.d + 1, i: up.i },
        { cost: left.cost + 1, s: left.s, d: left.d, i: left.i + 1 },
      ];
      cands.sort((a, b) => a.cost - b.cost || a.s - b.s);
      cur.push(cands[0]);
    }
    prev = cur;
  }
  const last = prev[m];
  return { substitutions: last.s, deletions: last.d, insertions: last.i, edits: last.cost, refWords: n };
}

/** Pooled WER over rows: sum of edits / sum of reference words (NaN without reference words). */
export function totalWer(rows: readonly WordErrors[]): { wer: number; edits: number; refWords: number } {
  let edits = 0;
  let refWords = 0;
  for (const r of rows) {
    edits += r.edits;
    refWords += r.refWords;
  }
  return { wer: refWords > 0 ? edits / refWords : Number.NaN, edits, refWords };
}

// ---------------------------------------------------------------------------------------------------------
// Language model

/** Sentence start and end tokens of the ARPA model. */
export const BOS = '<s>';
export const EOS = '</s>';

/** log10 written in ARPA files for an impossible event (the unigram of `<s>`, which is never predicted). */
const LOG_ZERO = -99;

function log10(x: number): string {
  return Math.log10(x).toFixed(6);
}

/**
 * An ARPA unigram + bigram model of word sequences (each sentence wrapped in `<s>` ... `</s>`).
 *
 * Unigrams: maximum likelihood over the predicted tokens (every word and `</s>`; all are seen, so none is
 * zero). Bigrams: interpolated Witten-Bell, `P(w|h) = (c(h,w) + T(h) P1(w)) / (c(h) + T(h))` with `c(h)` the
 * count of `h` as a history and `T(h)` its number of distinct successors. The bigrams listed are the seen
 * ones (with their interpolated probability); any other successor backs off with weight
 * `bow(h) = T(h) / (c(h) + T(h))`, so `Σ_w P(w|h) = 1` exactly for every history and each word may follow
 * any other with a probability of at least `bow(h) P1(w)`.
 */
export function writeArpa(sentences: readonly (readonly string[])[]): string {
  const uni = new Map<string, number>();
  const bi = new Map<string, Map<string, number>>();
  let total = 0;
  for (const words of sentences) {
    if (!words.length) continue;
    const seq = [BOS, ...words, EOS];
    for (let k = 1; k < seq.length; k++) {
      const [h, w] = [seq[k - 1], seq[k]];
      uni.set(w, (uni.get(w) ?? 0) + 1);
      total++;
      let row = bi.get(h);
      if (!row) {
        row = new Map();
        bi.set(h, row);
      }
      row.set(w, (row.get(w) ?? 0) + 1);
    }
  }
  if (!total) throw new Error('writeArpa: no words in the sentences');
  const p1 = (w: string) => (uni.get(w) ?? 0) / total;
  const words = [...uni.keys()].filter((w) => w !== EOS).sort();
  const unigramLines: string[] = [];
  const bigramLines: string[] = [];
  const bow = new Map<string, number>();
  for (const [h, row] of [...bi.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    let c = 0;
    for (const v of row.values()) c += v;
    const t = row.size;
    bow.set(h, t / (c + t));
    for (const [w, chw] of [...row.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      bigramLines.push(`${log10((chw + t * p1(w)) / (c + t))} ${h} ${w}`);
  }
  const bowOf = (w: string) => {
    const b = bow.get(w);
    return b === undefined ? '' : ` ${log10(b)}`;
  };
  unigramLines.push(`${LOG_ZERO} ${BOS}${bowOf(BOS)}`);
  unigramLines.push(`${log10(p1(EOS))} ${EOS}`);
  for (const w of words) unigramLines.push(`${log10(p1(w))} ${w}${bowOf(w)}`);
  return [
    '\\data\\',
    `ngram 1=${unigramLines.length}`,
    `ngram 2=${bigramLines.length}`,
    '',
    '\\1-grams:',
    ...unigramLines,
    '',
    '\\2-grams:',
    ...bigramLines,
    '',
    '\\end\\',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Dictionary

/** Pronunciations by word (alternates in file order), from a CMU-format dictionary text. */
export function parseDictionary(text: string): Map<string, string[]> {
  const dict = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+?)(?:\(\d+\))?\s+(.+?)\s*$/.exec(line);
    if (!m || line.startsWith(';;;')) continue;
    const word = m[1].toLowerCase();
    const list = dict.get(word);
    if (list) list.push(m[2]);
    else dict.set(word, [m[2]]);
  }
  return dict;
}

/**
 * The dictionary restricted to `words`, in pocketsphinx's format (`word PH PH`, alternates as `word(2)`), and
 * the words it has no pronunciation for.
 */
export function restrictDictionary(
  words: Iterable<string>,
  dict: ReadonlyMap<string, readonly string[]>,
): { text: string; missing: string[] } {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const w of [...new Set(words)].sort()) {
    const prons = dict.get(w);
    if (!prons?.length) {
      missing.push(w);
      continue;
    }
    prons.forEach((p, k) => {
      lines.push(`${k ? `${w}(${k + 1})` : w} ${p}`);
    });
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', missing };
}

/** espeak-ng's IPA symbols (en-us voice) as CMU phones; longest match first. */
const IPA_TO_CMU: ReadonlyArray<readonly [string, string]> = [
  ['aɪ', 'AY'],
  ['aʊ', 'AW'],
  ['eɪ', 'EY'],
  ['oʊ', 'OW'],
  ['əʊ', 'OW'],
  ['ɔɪ', 'OY'],
  ['tʃ', 'CH'],
  ['dʒ', 'JH'],
  ['ɜ', 'ER'],
  ['ɚ', 'ER'],
  ['ɝ', 'ER'],
  ['ɑ', 'AA'],
  ['ɒ', 'AA'],
  ['a', 'AA'],
  ['ɔ', 'AO'],
  ['o', 'OW'],
  ['æ', 'AE'],
  ['ʌ', 'AH'],
  ['ə', 'AH'],
  ['ɐ', 'AH'],
  ['ɪ', 'IH'],
  ['ᵻ', 'IH'],
  ['i', 'IY'],
  ['ʊ', 'UH'],
  ['u', 'UW'],
  ['ɛ', 'EH'],
  ['e', 'EH'],
  ['ɾ', 'T'],
  ['ʃ', 'SH'],
  ['ʒ', 'ZH'],
  ['θ', 'TH'],
  ['ð', 'DH'],
  ['ŋ', 'NG'],
  ['ɹ', 'R'],
  ['r', 'R'],
  ['j', 'Y'],
  ['w', 'W'],
  ['h', 'HH'],
  ['l', 'L'],
  ['ɫ', 'L'],
  ['m', 'M'],
  ['n', 'N'],
  ['p', 'P'],
  ['b', 'B'],
  ['t', 'T'],
  ['d', 'D'],
  ['k', 'K'],
  ['ɡ', 'G'],
  ['g', 'G'],
  ['f', 'F'],
  ['v', 'V'],
  ['s', 'S'],
  ['z', 'Z'],
];
/** Marks without a phone of their own: stress, length, syllabicity, glottal stop, separators. */
const IPA_IGNORED = new Set(['ˈ', 'ˌ', 'ː', 'ˑ', '\u0329', 'ʔ', '_', '-', ' ', '\u200d', '\u200c']);

/** CMU phones of an IPA string, or null when a symbol has no mapping. */
export function ipaToCmu(ipa: string): string[] | null {
  const phones: string[] = [];
  let k = 0;
  const s = ipa.normalize('NFC');
  while (k < s.length) {
    if (IPA_IGNORED.has(s[k])) {
      k++;
      continue;
    }
    const hit = IPA_TO_CMU.find(([sym]) => s.startsWith(sym, k));
    if (!hit) return null;
    phones.push(hit[1]);
    k += hit[0].length;
  }
  return phones.length ? phones : null;
}

/** espeak-ng's pronunciation of one normalised word as CMU phones (null if espeak-ng fails or cannot map). */
export async function espeakPronunciation(word: string, voice = 'en-us'): Promise<string | null> {
  if (!/^[a-z']+$/.test(word)) return null;
  try {
    // the word is a positional argument after `--`, never an option
    const { stdout } = await run('espeak-ng', ['-q', '--ipa', '-v', voice, '--', word]);
    const phones = ipaToCmu(stdout.trim());
    return phones ? phones.join(' ') : null;
  } catch {
    return null;
  }
}

let cmudictCache: Map<string, string[]> | null = null;

/** The en-us cmudict shipped with pocketsphinx-en-us (read once). */
export function cmudict(modelDir = POCKETSPHINX_MODEL_DIR): Map<string, string[]> {
  if (!cmudictCache)
    cmudictCache = parseDictionary(readFileSync(join(modelDir, 'cmudict-en-us.dict'), 'utf8'));
  return cmudictCache;
}

// ---------------------------------------------------------------------------------------------------------
// Recognition

/** A recogniser restricted to a sentence set: its files live in `dir` until {@link Recognizer.close}. */
export interface Recognizer {
  dir: string;
  /** The vocabulary (sorted). */
  words: string[];
  /** Words whose pronunciation came from espeak-ng (not in the cmudict). */
  fromEspeak: string[];
  /** Words without any pronunciation (they cannot be recognised; the WER counts them as errors). */
  missing: string[];
  /** Transcribes one utterance; returns its words. */
  transcribe(audio: Audio): Promise<string[]>;
  close(): void;
}

export interface RecognizerOptions {
  /** Acoustic model folder holding `en-us/` and `cmudict-en-us.dict` (default Debian's). */
  modelDir?: string;
  /** espeak-ng voice for words missing from the cmudict (default en-us). */
  espeakVoice?: string;
}

/**
 * Writes the restricted language model and dictionary for `sentences` (raw texts; normalised with
 * {@link normalizeWords}) and returns a recogniser over them.
 */
export async function createRecognizer(
  sentences: readonly string[],
  options: RecognizerOptions = {},
): Promise<Recognizer> {
  const modelDir = options.modelDir ?? POCKETSPHINX_MODEL_DIR;
  const why = pocketsphinxMissing(modelDir);
  if (why) throw new Error(why);
  const tokenized = sentences.map(normalizeWords);
  const words = [...new Set(tokenized.flat())].sort();
  const base = cmudict(modelDir);
  const restricted = restrictDictionary(words, base);
  const fromEspeak: string[] = [];
  const missing: string[] = [];
  const extra = new Map<string, string[]>();
  for (const w of restricted.missing) {
    const p = await espeakPronunciation(w, options.espeakVoice);
    if (p) {
      extra.set(w, [p]);
      fromEspeak.push(w);
    } else missing.push(w);
  }
  const dictText = restricted.text + restrictDictionary(extra.keys(), extra).text;
  // words without a pronunciation stay out of the model: they can only be counted as deletions
  const lm = writeArpa(tokenized.map((s) => s.filter((w) => !missing.includes(w))));
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-asr-'));
  const lmPath = join(dir, 'words.lm');
  const dictPath = join(dir, 'words.dict');
  writeFileSync(lmPath, lm);
  writeFileSync(dictPath, dictText);
  let count = 0;
  return {
    dir,
    words,
    fromEspeak,
    missing,
    async transcribe(audio: Audio) {
      const wav = join(dir, `utt${count++}.wav`);
      writeWav(wav, toAsrInput(audio), ASR_SAMPLE_RATE, { bitsPerSample: 16 });
      try {
        const { stdout } = await run(
          POCKETSPHINX_BIN,
          [
            '-hmm',
            join(modelDir, 'en-us'),
            '-lm',
            lmPath,
            '-dict',
            dictPath,
            '-infile',
            wav,
            '-logfn',
            '/dev/null',
          ],
          { maxBuffer: 1 << 24 },
        );
        return stdout
          .split('\n')
          .flatMap((line) => line.trim().split(/\s+/))
          .map((w) => w.replace(/\(\d+\)$/, '').toLowerCase())
          .filter((w) => w && !w.startsWith('<') && !w.startsWith('['));
      } finally {
        rmSync(wav, { force: true });
      }
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Silence added before and after each utterance, seconds (see {@link toAsrInput}). */
export const ASR_PADDING_SECONDS = 0.5;

/**
 * Audio as the recogniser wants it: 16 kHz, scaled down to a 0.99 peak only if it would clip, with
 * {@link ASR_PADDING_SECONDS} of digital silence on each side. The padding gives the recogniser's voice
 * activity detector the lead-in it expects (TTS output starts speaking at its first sample): on the everyday
 * sentences spoken by espeak-ng it lowers the WER from 38.8 % to 34.1 %, mostly first words no longer lost.
 */
export function toAsrInput(audio: Audio): Float32Array {
  const x =
    audio.sampleRate === ASR_SAMPLE_RATE
      ? audio.samples
      : resample(audio.samples, audio.sampleRate, ASR_SAMPLE_RATE);
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const gain = peak > 0.99 ? 0.99 / peak : 1;
  const pad = Math.round(ASR_PADDING_SECONDS * ASR_SAMPLE_RATE);
  const out = new Float32Array(x.length + 2 * pad);
  for (let i = 0; i < x.length; i++) out[pad + i] = x[i] * gain;
  return out;
}

/** One transcribed utterance. */
export interface AsrResult extends WordErrors {
  /** Normalised reference words, joined by spaces. */
  ref: string;
  /** The transcript. */
  hyp: string;
  /** edits / refWords of this utterance. */
  wer: number;
}

/** Transcribes `audio` and scores it against `text`. */
export async function scoreUtterance(recognizer: Recognizer, audio: Audio, text: string): Promise<AsrResult> {
  const ref = normalizeWords(text);
  const hyp = await recognizer.transcribe(audio);
  const e = wordErrors(ref, hyp);
  return {
    ...e,
    ref: ref.join(' '),
    hyp: hyp.join(' '),
    wer: e.refWords ? e.edits / e.refWords : Number.NaN,
  };
}

/** Everyday English sentences of the built-in eval set (`ribbit eval --everyday`), one per line. */
export const EVERYDAY_SENTENCES = new URL('./everyday_sentences.txt', import.meta.url);

/** Sentences of a text file, one per non-empty line (`#` lines are comments). */
export function readSentences(path: string | URL): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}
