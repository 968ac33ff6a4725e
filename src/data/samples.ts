/**
 * Loading the samples of one or more datasets and splitting off an eval set (Coqui's load_tts_samples).
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  type FormatProblem,
  type Formatter,
  getFormatter,
  type Sample,
  sourceLocation,
} from './formatters.ts';
import { SeededRandom } from './random.ts';

/** The fields of a dataset entry in a config (BaseDatasetConfig). */
export interface DatasetEntry {
  formatter: string;
  datasetName?: string;
  path: string;
  metaFileTrain?: string | null;
  metaFileVal?: string | null;
  ignoredSpeakers?: string[] | null;
  language?: string | null;
}

export interface SplitOptions {
  /** Whether to split off an eval set from the train metadata when no metaFileVal is given (default true). */
  evalSplit?: boolean;
  /** A fraction (< 1) or a count of eval samples (default 0.01). */
  evalSplitSize?: number;
  /** Upper bound on the eval count (default none). */
  evalSplitMaxSize?: number | null;
  /**
   * Go on without the samples that have a problem (a bad metadata line, a missing audio file), which are
   * still reported through `onProblem` and returned in `problems`, instead of failing (default false: any
   * problem throws one error listing them with file and line).
   */
  skipMissing?: boolean;
  /** Seed of the eval split (default 0). */
  seed?: number;
  /** Use this formatter function instead of the named one (a user-supplied formatter). */
  formatter?: Formatter;
  /** Receives every problem (bad metadata line, missing file). Default: thrown if any is fatal. */
  onProblem?: (p: FormatProblem) => void;
}

export interface LoadedSamples {
  train: Sample[];
  eval: Sample[];
  problems: FormatProblem[];
}

/**
 * Splits `samples` into (eval, train) as Coqui does: a shuffled pick, and for multi-speaker data only samples
 * whose speaker keeps at least one sample in training.
 */
export function splitDataset(
  samples: Sample[],
  evalSplitSize: number,
  evalSplitMaxSize: number | null = null,
  seed = 0,
): { eval: Sample[]; train: Sample[] } {
  let size = evalSplitSize < 1 ? Math.floor(samples.length * evalSplitSize) : Math.floor(evalSplitSize);
  if (evalSplitMaxSize !== null) size = Math.min(size, evalSplitMaxSize);
  if (size <= 0) {
    throw new Error(
      `the eval split is empty: ${samples.length} samples with evalSplitSize ${evalSplitSize}; ` +
        'raise evalSplitSize or give a metaFileVal',
    );
  }
  if (size >= samples.length) throw new Error(`evalSplitSize ${evalSplitSize} leaves no training samples`);
  const rng = new SeededRandom(seed);
  const items = rng.shuffle([...samples]);
  const speakers = new Map<string, number>();
  for (const s of items) speakers.set(s.speakerName, (speakers.get(s.speakerName) ?? 0) + 1);
  if (speakers.size <= 1) return { eval: items.slice(0, size), train: items.slice(size) };
  const evalItems: Sample[] = [];
  const train = [...items];
  let guard = 0;
  while (evalItems.length < size && guard++ < items.length * 20) {
    const idx = rng.int(train.length);
    const spk = train[idx].speakerName;
    if ((speakers.get(spk) ?? 0) > 1) {
      speakers.set(spk, (speakers.get(spk) ?? 0) - 1);
      evalItems.push(train[idx]);
      train.splice(idx, 1);
    }
  }
  // The random picks gave up (few speakers with spare samples): take the rest in order, still keeping every
  // speaker in training.
  for (let idx = train.length - 1; idx >= 0 && evalItems.length < size; idx--) {
    const spk = train[idx].speakerName;
    if ((speakers.get(spk) ?? 0) > 1) {
      speakers.set(spk, (speakers.get(spk) ?? 0) - 1);
      evalItems.push(train[idx]);
      train.splice(idx, 1);
    }
  }
  if (evalItems.length === 0) {
    throw new Error(
      'the eval split is empty: every speaker has a single sample, and taking it would leave the speaker ' +
        'out of training; give a metaFileVal',
    );
  }
  return { eval: evalItems, train };
}

/** Loads the samples of every dataset entry and returns train and eval lists (load_tts_samples). */
export function loadTtsSamples(datasets: DatasetEntry[], options: SplitOptions = {}): LoadedSamples {
  const train: Sample[] = [];
  const evalSamples: Sample[] = [];
  const problems: FormatProblem[] = [];
  const parts: { entry: DatasetEntry; train: Sample[]; eval: Sample[] }[] = [];
  for (const d of datasets) {
    const fmt = options.formatter ?? getFormatter(d.formatter);
    // An absolute root: the formatters join it into every path, and a relative one would be joined twice below.
    const root = resolve(d.path);
    const trainPart = fmt(root, d.metaFileTrain || null, d.ignoredSpeakers ?? null);
    let evalPart: Sample[] = [];
    problems.push(...trainPart.problems);
    if (d.metaFileVal) {
      const v = fmt(root, d.metaFileVal, d.ignoredSpeakers ?? null);
      problems.push(...v.problems);
      evalPart = v.samples;
    }
    let trainSamples = trainPart.samples;
    for (const list of [trainSamples, evalPart]) {
      for (const s of list) {
        if (d.language) s.language = d.language;
        // A user formatter may give root-relative paths.
        if (!isAbsolute(s.audioFile)) s.audioFile = join(root, s.audioFile);
        const rel = relative(s.rootPath ?? root, s.audioFile);
        s.audioUniqueName = `${d.datasetName ?? ''}#${rel.slice(0, rel.length - extname(rel).length)}`;
      }
    }
    const keep = (s: Sample) => {
      if (existsSync(s.audioFile)) return true;
      problems.push({ ...sourceLocation(s, root), message: `audio file not found: ${s.audioFile}` });
      return false;
    };
    trainSamples = trainSamples.filter(keep);
    evalPart = evalPart.filter(keep);
    parts.push({ entry: d, train: trainSamples, eval: evalPart });
  }
  for (const p of problems) options.onProblem?.(p);
  if (problems.length && !options.skipMissing) {
    const head = problems
      .slice(0, 10)
      .map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`)
      .join('\n');
    throw new Error(
      `${problems.length} problem(s) in the dataset metadata (set skipMissing to train without those samples):\n${head}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`,
    );
  }
  for (const part of parts) {
    let { train: trainSamples, eval: evalPart } = part;
    if (!part.entry.metaFileVal && (options.evalSplit ?? true)) {
      const split = splitDataset(
        trainSamples,
        options.evalSplitSize ?? 0.01,
        options.evalSplitMaxSize ?? null,
        options.seed ?? 0,
      );
      trainSamples = split.train;
      evalPart = split.eval;
    }
    train.push(...trainSamples);
    evalSamples.push(...evalPart);
  }
  return { train, eval: evalSamples, problems };
}
