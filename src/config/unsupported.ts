/**
 * The config fields ribbit accepts (so every Coqui config loads) but does not act on, each with the reason.
 * Every other field is read by something in src/ (tests/config/fields.test.ts enforces it): a field nobody
 * reads must be listed here, and setting one of these to a value other than its default prints one warning
 * (`warnUnsupported`, called by `ribbit train` after the overrides).
 *
 * Keys are field paths of a run config: `mixedPrecision`, `audio.pitchFmin`; an array of configs is walked
 * item by item (`datasets.metaFileAttnMask` covers `datasets.0.metaFileAttnMask`, ...). A key applies to
 * every config class that has that path. When a field becomes supported, delete its line.
 */
import type { AnyConfigClass, ConfigClass, Field } from './schema.ts';
import { configClassOf, isPlainObject } from './schema.ts';

const NO_REMOTE_LOGGER = 'the dashboard is TensorBoard event files in the run folder; no remote logger';
const NO_DDP = 'training runs in one process (no distributed data parallel)';
const FP32 = 'training runs in float32 (no autocast or gradient scaler)';
const CUDA_FLAGS = 'the addon does not expose the cuDNN/TF32 backend switches (libtorch defaults apply)';
const IN_PROCESS_LOADER =
  'the data loader runs in the training process and prefetches the next batch (no worker processes)';
const NO_SAMPLERS =
  'no weighted samplers: batches are length buckets (batchGroupSize) drawn in a shuffled order';

const NO_SPEAKER_ENCODER = 'no speaker-encoder consistency loss (Vits refuses useSpeakerEncoderAsLoss)';

/** Why a field has no effect, and the values (besides the default) that agree with what ribbit does anyway. */
export interface UnsupportedField {
  reason: string;
  /** Values that need no warning: ribbit behaves so regardless (e.g. `computeInputSeqCache: true`). */
  agrees?: readonly unknown[];
}

/** Field path -> why it has no effect (a string, or the reason and the values that agree). */
export const UNSUPPORTED_FIELDS: Readonly<Record<string, string | UnsupportedField>> = {
  // TrainerConfig
  loggerUri: NO_REMOTE_LOGGER,
  projectName: NO_REMOTE_LOGGER,
  wandbEntity: NO_REMOTE_LOGGER,
  logModelStep: NO_REMOTE_LOGGER,
  modelParamStats: 'parameter statistics are not logged to the dashboard',
  distributedBackend: NO_DDP,
  distributedUrl: NO_DDP,
  mixedPrecision: FP32,
  precision: FP32,
  useGradScaler: FP32,
  allowTf32: CUDA_FLAGS,
  cudnnEnable: CUDA_FLAGS,
  cudnnDeterministic: CUDA_FLAGS,
  cudnnBenchmark: CUDA_FLAGS,
  // BaseTrainingConfig
  numLoaderWorkers: IN_PROCESS_LOADER,
  numEvalLoaderWorkers: IN_PROCESS_LOADER,
  useNoiseAugment: 'no noise augmentation of training audio',
  // BaseTTSConfig
  computeInputSeqCache: {
    reason: 'token ids of every sample are always computed before the first batch',
    agrees: [true],
  },
  testSentencesFile: 'test sentences come from testSentences only',
  lossMasking: {
    reason: 'the models mask padded frames in their losses unconditionally (as Coqui Glow-TTS does)',
    agrees: [true],
  },
  computeF0: 'the data loader returns token ids and mels only (no pitch)',
  computeEnergy: 'the data loader returns token ids and mels only (no energy)',
  computeLinearSpec: 'the data loader returns token ids and mels only (no linear spectrograms)',
  precomputeNumWorkers: 'features are computed by the data loader on first use (no precomputation pass)',
  startByLongest: 'the batch order is shuffled from the first epoch on (no longest-first batch)',
  shuffle:
    'training batches are always drawn in a seeded shuffled order of length buckets; evaluation keeps the sorted order',
  useSpeakerWeightedSampler: NO_SAMPLERS,
  speakerWeightedSamplerAlpha: NO_SAMPLERS,
  useLanguageWeightedSampler: NO_SAMPLERS,
  languageWeightedSamplerAlpha: NO_SAMPLERS,
  useLengthWeightedSampler: NO_SAMPLERS,
  lengthWeightedSamplerAlpha: NO_SAMPLERS,
  'audio.pitchFmin': 'pitch (F0) extraction is not provided',
  'audio.pitchFmax': 'pitch (F0) extraction is not provided',
  'characters.vocabDict': 'explicit vocabularies (Coqui BaseVocabulary) are not provided; use characters',
  'datasets.datasetName': 'samples are not told apart by dataset name',
  'datasets.phonemizer': 'every dataset uses the run config phonemizer',
  'datasets.metaFileAttnMask': 'precomputed attention masks are not read (aligning models use MAS)',
  // GlowTTSConfig
  styleWavForTest: 'Glow-TTS has no style input (Coqui keeps the field unused too)',
  minSeqLen: 'legacy Coqui field; minTextLen filters samples',
  maxSeqLen: 'legacy Coqui field; maxTextLen filters samples',
  r: 'the reduction factor of Glow-TTS is always 1',
  dVectorFile: 'd-vector files are not read yet (speaker embeddings come from useSpeakerEmbedding)',
  // VitsConfig
  speakerEncoderLossAlpha: NO_SPEAKER_ENCODER,
  'modelArgs.speakerEncoderConfigPath': NO_SPEAKER_ENCODER,
  'modelArgs.speakerEncoderModelPath': NO_SPEAKER_ENCODER,
  'modelArgs.interpolateZ': 'encoderSampleRate is not supported (Vits refuses it): z is never interpolated',
  'modelArgs.reinitDp': 'layers are not re-initialised after a restored checkpoint',
  'modelArgs.reinitTextEncoder': 'layers are not re-initialised after a restored checkpoint',
  returnWav: { reason: 'the VITS data loader always yields waveforms', agrees: [true] },
  useWeightedSampler: NO_SAMPLERS,
  weightedSamplerAttrs: NO_SAMPLERS,
  weightedSamplerMultipliers: NO_SAMPLERS,
};

/** One unsupported field set to a value other than its default (and other than the values that agree). */
/** The reason and agreeing values of an `UNSUPPORTED_FIELDS` entry. */
export function unsupportedField(key: string): UnsupportedField {
  const entry = UNSUPPORTED_FIELDS[key];
  return typeof entry === 'string' ? { reason: entry } : entry;
}

export interface UnsupportedSetting {
  /** The key of `UNSUPPORTED_FIELDS` (`datasets.phonemizer`). */
  field: string;
  /** Where it was set (`datasets.1.phonemizer`). */
  path: string;
  value: unknown;
  reason: string;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/** The defaults of a config class (fields without a default stay undefined). */
function defaultsOf(cls: ConfigClass): Record<string, unknown> {
  return cls.normalize({}, '', []) as Record<string, unknown>;
}

function collect(
  cls: ConfigClass,
  value: Record<string, unknown>,
  defaults: Record<string, unknown>,
  segments: string[],
  at: string,
  field: string,
  out: UnsupportedSetting[],
): void {
  const [name, ...rest] = segments;
  const def: Field | undefined = Object.hasOwn(cls.fields, name) ? cls.fields[name] : undefined;
  if (def === undefined) return;
  const path = at === '' ? name : `${at}.${name}`;
  const v = value[name];
  if (rest.length === 0) {
    const { reason, agrees = [] } = unsupportedField(field);
    const silent = [defaults[name], ...agrees].some((ok) => sameValue(v, ok));
    if (v !== undefined && !silent) out.push({ field, path, value: v, reason });
    return;
  }
  const d = def.def;
  if (d.kind === 'config' && isPlainObject(v)) {
    const sub = isPlainObject(defaults[name]) ? defaults[name] : defaultsOf(d.config!);
    collect(d.config!, v, sub, rest, path, field, out);
  } else if (d.kind === 'array' && d.item?.def.kind === 'config' && Array.isArray(v)) {
    const itemCls = d.item.def.config!;
    const sub = defaultsOf(itemCls);
    v.forEach((item, i) => {
      if (isPlainObject(item)) collect(itemCls, item, sub, rest, `${path}.${i}`, field, out);
    });
  }
}

/**
 * The unsupported fields `cfg` sets to a non-default value. `cls` defaults to the class that created `cfg`;
 * a config of unknown class has none.
 */
export function unsupportedSettings(cfg: object, cls?: AnyConfigClass): UnsupportedSetting[] {
  const klass = (cls as ConfigClass | undefined) ?? configClassOf(cfg);
  if (klass === undefined || !isPlainObject(cfg)) return [];
  const defaults = defaultsOf(klass);
  const out: UnsupportedSetting[] = [];
  for (const field of Object.keys(UNSUPPORTED_FIELDS)) {
    collect(klass, cfg, defaults, field.split('.'), '', field, out);
  }
  return out;
}

const warned = new Set<string>();

/** Options of `warnUnsupported`. */
export interface WarnUnsupportedOptions {
  /** The config's class (default: the class that created it). */
  configClass?: AnyConfigClass;
  /** Receives each warning line (default: console.warn). */
  warn?: (line: string) => void;
}

/**
 * Warns once per process for each unsupported field `cfg` sets to a non-default value (one line per
 * field, however many datasets or loads set it); returns the settings it warned about.
 */
export function warnUnsupported(cfg: object, options: WarnUnsupportedOptions = {}): UnsupportedSetting[] {
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const fresh: UnsupportedSetting[] = [];
  for (const s of unsupportedSettings(cfg, options.configClass)) {
    if (warned.has(s.field)) continue;
    warned.add(s.field);
    fresh.push(s);
    warn(`[config] ${s.path} = ${JSON.stringify(s.value)} has no effect: ${s.reason}`);
  }
  return fresh;
}

/** Forgets which fields were warned about (for tests). */
export function resetUnsupportedWarnings(): void {
  warned.clear();
}
