/**
 * Dataset formatters: `(rootPath, metaFile, ignoredSpeakers?) => samples`, one per corpus layout, with
 * Coqui's semantics (which column is the text, where the wavs live, how speakers are named). A bad metadata
 * line or a missing audio file is reported with its file and line number through `problems`; the caller
 * decides whether that is fatal.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/** One utterance of a dataset. */
export interface Sample {
  text: string;
  /** Absolute or root-relative path of the audio file. */
  audioFile: string;
  speakerName: string;
  rootPath: string;
  language?: string;
  /**
   * Coqui's `audio_unique_name`: `<datasetName>#<audio path relative to the root, without extension>` (set by
   * `loadTtsSamples`); d-vector files are keyed by it.
   */
  audioUniqueName?: string;
  /** Where the sample came from, for error messages: `/data/lj/metadata.csv:12` (file:line, 1-based). */
  source?: string;
}

/** The file and 1-based line of a sample's `source` (line 0 when the source has no line number). */
export function sourceLocation(
  sample: Sample,
  fallbackFile = sample.rootPath,
): { file: string; line: number } {
  const m = /^(.*):(\d+)$/s.exec(sample.source ?? '');
  if (m) return { file: m[1], line: Number(m[2]) };
  return { file: sample.source ?? fallbackFile, line: 0 };
}

/** A problem found while reading metadata (not thrown: collected for the caller). */
export interface FormatProblem {
  file: string;
  line: number;
  message: string;
}

export interface FormatterResult {
  samples: Sample[];
  problems: FormatProblem[];
}

export type Formatter = (
  rootPath: string,
  metaFile: string | null,
  ignoredSpeakers?: string[] | null,
) => FormatterResult;

function readLines(path: string): string[] {
  if (!existsSync(path)) throw new Error(`metadata file not found: ${path}`);
  return readFileSync(path, 'utf8').split(/\r?\n/);
}

/**
 * A `|`-separated metadata file: `idColumn` names the wav (`wavs/<id>.wav` unless `wavPath` says otherwise),
 * `textColumn` the text; lines with too few columns are reported.
 */
function pipeFormatter(options: {
  speakerName: string;
  textColumn: number;
  minColumns: number;
  wavPath: (root: string, id: string) => string;
  separator?: string;
  skipHeader?: (line: string) => boolean;
}): Formatter {
  return (rootPath, metaFile) => {
    const file = join(rootPath, metaFile ?? 'metadata.csv');
    const samples: Sample[] = [];
    const problems: FormatProblem[] = [];
    readLines(file).forEach((line, i) => {
      if (!line.trim() || options.skipHeader?.(line)) return;
      const cols = line.split(options.separator ?? '|');
      if (cols.length < options.minColumns) {
        problems.push({
          file,
          line: i + 1,
          message: `expected ${options.minColumns} '${options.separator ?? '|'}'-separated columns, got ${cols.length}`,
        });
        return;
      }
      const id = cols[0].trim();
      const text = cols[options.textColumn].trim();
      if (!id || !text) {
        problems.push({ file, line: i + 1, message: id ? 'empty text' : 'empty audio file name' });
        return;
      }
      samples.push({
        text,
        audioFile: options.wavPath(rootPath, id),
        speakerName: options.speakerName,
        rootPath,
        source: `${file}:${i + 1}`,
      });
    });
    return { samples, problems };
  };
}

/** LJSpeech: `metadata.csv` lines `id|text|normalized text`, audio in `wavs/<id>.wav`; the normalized text is used. */
export const ljspeech = pipeFormatter({
  speakerName: 'ljspeech',
  textColumn: 2,
  minColumns: 3,
  wavPath: (root, id) => join(root, 'wavs', `${id}.wav`),
});

/** Thorsten (German): `id|text`, audio in `wavs/<id>.wav`. */
export const thorsten = pipeFormatter({
  speakerName: 'thorsten',
  textColumn: 1,
  minColumns: 2,
  wavPath: (root, id) => join(root, 'wavs', `${id}.wav`),
});

/** CSS10: `relative/path.wav|text|...`. */
export const css10 = pipeFormatter({
  speakerName: 'css10',
  textColumn: 1,
  minColumns: 2,
  wavPath: (root, id) => join(root, id),
});

/** Common Voice: a TSV with a `client_id` header; `client_id \t path \t sentence`; mp3 names map to .wav. */
export const commonVoice: Formatter = (rootPath, metaFile, ignoredSpeakers) => {
  const file = join(rootPath, metaFile ?? 'validated.tsv');
  const samples: Sample[] = [];
  const problems: FormatProblem[] = [];
  readLines(file).forEach((line, i) => {
    if (!line.trim() || line.startsWith('client_id')) return;
    const cols = line.split('\t');
    if (cols.length < 3) {
      problems.push({
        file,
        line: i + 1,
        message: `expected at least 3 tab-separated columns, got ${cols.length}`,
      });
      return;
    }
    if (ignoredSpeakers?.includes(cols[0])) return;
    samples.push({
      text: cols[2],
      audioFile: join(rootPath, 'clips', cols[1].replace('.mp3', '.wav')),
      speakerName: `MCV_${cols[0]}`,
      rootPath,
      source: `${file}:${i + 1}`,
    });
  });
  return { samples, problems };
};

function walk(dir: string, test: (path: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, test, out);
    else if (test(p)) out.push(p);
  }
  return out;
}

/** LibriTTS: every `*trans.tsv` (or the given one): `file \t text \t normalized`; speaker from the file name. */
export const libriTts: Formatter = (rootPath, metaFile, ignoredSpeakers) => {
  const files = metaFile ? [join(rootPath, metaFile)] : walk(rootPath, (p) => p.endsWith('trans.tsv'));
  const samples: Sample[] = [];
  const problems: FormatProblem[] = [];
  for (const file of files) {
    readLines(file).forEach((line, i) => {
      if (!line.trim()) return;
      const cols = line.split('\t');
      if (cols.length < 3) {
        problems.push({ file, line: i + 1, message: `expected 3 tab-separated columns, got ${cols.length}` });
        return;
      }
      const [speaker, chapter] = cols[0].split('_');
      if (ignoredSpeakers?.includes(speaker)) return;
      samples.push({
        text: cols[2],
        audioFile: join(rootPath, speaker, chapter, `${cols[0]}.wav`),
        speakerName: `LTTS_${speaker}`,
        rootPath,
        source: `${file}:${i + 1}`,
      });
    });
  }
  return { samples, problems };
};

/** M-AILABS: `by_book/<gender>/<speaker>/<book>/metadata.csv` with `id|text|...`, audio in `wavs/<id>.wav`. */
export const mailabs: Formatter = (rootPath, metaFile, ignoredSpeakers) => {
  const files = metaFile ? [join(rootPath, metaFile)] : walk(rootPath, (p) => basename(p) === 'metadata.csv');
  const samples: Sample[] = [];
  const problems: FormatProblem[] = [];
  const speakerRe = /by_book\/(male|female)\/([^/]+)\//;
  for (const file of files) {
    const m = speakerRe.exec(file.split(sep).join('/'));
    if (!m) continue;
    const speaker = m[2];
    if (ignoredSpeakers?.includes(speaker)) continue;
    readLines(file).forEach((line, i) => {
      if (!line.trim()) return;
      const cols = line.split('|');
      if (cols.length < 2) {
        problems.push({ file, line: i + 1, message: `expected '|'-separated columns, got ${cols.length}` });
        return;
      }
      samples.push({
        text: cols[1].trim(),
        audioFile: join(dirname(file), 'wavs', `${cols[0]}.wav`),
        speakerName: speaker,
        rootPath,
        source: `${file}:${i + 1}`,
      });
    });
  }
  return { samples, problems };
};

/**
 * VCTK (0.92 or the older wav layout): `txt/<speaker>/<id>.txt`, audio `wav48_silence_trimmed/<speaker>/<id>_mic1.wav`
 * (FLAC is not read by ribbit: convert to WAV first) or `wav48/<speaker>/<id>.wav`.
 */
export const vctk: Formatter = (rootPath, _metaFile, ignoredSpeakers) => {
  const samples: Sample[] = [];
  const problems: FormatProblem[] = [];
  for (const txt of walk(join(rootPath, 'txt'), (p) => p.endsWith('.txt'))) {
    const [, speaker, file] = relative(rootPath, txt).split(sep);
    if (ignoredSpeakers?.includes(speaker)) continue;
    const id = file.split('.')[0];
    const candidates = [
      join(rootPath, 'wav48_silence_trimmed', speaker, `${id}_mic1.wav`),
      join(rootPath, 'wav48', speaker, `${id}.wav`),
    ];
    const audioFile = candidates.find((c) => existsSync(c));
    if (!audioFile) {
      problems.push({
        file: txt,
        line: 1,
        message: `no audio for ${id} (looked for ${candidates.join(', ')})`,
      });
      continue;
    }
    samples.push({
      text: readFileSync(txt, 'utf8').split('\n')[0].trim(),
      audioFile,
      speakerName: `VCTK_${speaker}`,
      rootPath,
      source: `${txt}:1`,
    });
  }
  return { samples, problems };
};

/**
 * Coqui's own layout (`coqui`): a `|`-separated file with a header naming the columns, `audio_file|text` and
 * optionally `speaker_name` (default speaker 'coqui'); audio paths are relative to the root. The multi-speaker
 * demo dataset is written in it.
 */
export const coqui: Formatter = (rootPath, metaFile, ignoredSpeakers) => {
  const file = join(rootPath, metaFile ?? 'metadata.csv');
  const samples: Sample[] = [];
  const problems: FormatProblem[] = [];
  const lines = readLines(file);
  const header = (lines[0] ?? '').split('|').map((c) => c.trim());
  const col = (name: string) => header.indexOf(name);
  const [audioCol, textCol, speakerCol] = [col('audio_file'), col('text'), col('speaker_name')];
  if (audioCol < 0 || textCol < 0) {
    problems.push({
      file,
      line: 1,
      message: `expected a header with audio_file and text columns, got ${lines[0]}`,
    });
    return { samples, problems };
  }
  lines.slice(1).forEach((line, i) => {
    if (!line.trim()) return;
    const cols = line.split('|');
    if (cols.length !== header.length) {
      problems.push({ file, line: i + 2, message: `expected ${header.length} columns, got ${cols.length}` });
      return;
    }
    const speakerName = speakerCol < 0 ? 'coqui' : cols[speakerCol].trim();
    if (speakerCol >= 0 && ignoredSpeakers?.includes(speakerName)) return;
    samples.push({
      text: cols[textCol].trim(),
      audioFile: join(rootPath, cols[audioCol].trim()),
      speakerName,
      rootPath,
      source: `${file}:${i + 2}`,
    });
  });
  return { samples, problems };
};

const FORMATTERS: Record<string, Formatter> = {
  coqui,
  ljspeech,
  thorsten,
  css10,
  common_voice: commonVoice,
  libri_tts: libriTts,
  mailabs,
  vctk,
  vctk_old: vctk,
};

/** Registers a user formatter under a name usable in `datasets[].formatter`. */
export function registerFormatter(name: string, fn: Formatter): void {
  FORMATTERS[name] = fn;
}

/** The formatter of a name (Coqui's names), with a clear error listing the known ones. */
export function getFormatter(name: string): Formatter {
  const f = FORMATTERS[name];
  if (!f)
    throw new Error(
      `unknown dataset formatter '${name}' (known: ${Object.keys(FORMATTERS).sort().join(', ')})`,
    );
  return f;
}
