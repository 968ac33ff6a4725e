/**
 * Speakers of multi-speaker models, after Coqui's `SpeakerManager` (TTS/tts/utils/speakers.py, managers.py):
 *
 * - speaker ids: names -> ids, sorted by name as Coqui sorts them (`parse_ids_from_data`), taken from the
 *   datasets' samples or from a Coqui `speakers.json` (`{"name": id, ...}`, also `speakers.pth`);
 * - d-vectors: a Coqui `d_vector_file` (`{clip: {"name": speaker, "embedding": [...]}, ...}`), whose speakers
 *   get ids the same way and whose clips are looked up per batch item (`useDVectorFile`).
 *
 * A model keeps its manager (`BaseTTS.speakerManager`), maps a batch's speaker names to ids (or its clips to
 * d-vectors) in `formatBatch`, and writes `speakers.json` into the run folder when training starts.
 */
import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { readJsonFile } from '../../config/json.ts';
import type { Sample } from '../../data/formatters.ts';
import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { readPth, toPlain } from '../../torch/serialization/index.ts';
import { writeFileAtomicSync } from '../../util/atomic.ts';

/** One clip of a d-vector file. */
export interface DVectorEntry {
  /** Speaker name. */
  name: string;
  /** The clip's speaker embedding `[D]`. */
  embedding: number[];
}

/** The speaker fields of a model config (Coqui's names in camelCase; every model with speakers has them). */
export interface SpeakerConfig {
  /** Learn an embedding table with one row per speaker id. */
  useSpeakerEmbedding?: boolean;
  /** Coqui `speakers.json` / `speakers.pth` with the ids of the table's rows. */
  speakersFile?: string | null;
  /** Condition on external d-vectors instead. */
  useDVectorFile?: boolean;
  /** Coqui d-vector file(s) (JSON `{clip: {name, embedding}}`). */
  dVectorFile?: string | string[] | null;
}

/** The file name a run folder and a voice folder keep the speaker ids in (Coqui's name). */
export const SPEAKERS_FILE_NAME = 'speakers.json';

/**
 * The speaker fields of any config object, read as Coqui's `get_from_config_or_model_args_with_default` does:
 * the config's own field, else its `modelArgs` one (VITS keeps them there); absent or mistyped fields are unset.
 */
export function speakerConfigOf(config: object): SpeakerConfig {
  const c = config as Record<string, unknown>;
  const args = (c.modelArgs ?? {}) as Record<string, unknown>;
  const get = (k: string) => (k in c ? c[k] : args[k]);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const files = get('dVectorFile');
  return {
    useSpeakerEmbedding: get('useSpeakerEmbedding') === true,
    speakersFile: str(get('speakersFile')),
    useDVectorFile: get('useDVectorFile') === true,
    dVectorFile: Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : str(files),
  };
}

/** A JSON object or a pickled dict from a `.json` or `.pth` file (Coqui's `load_file`). */
function loadFile(path: string): unknown {
  if (!existsSync(path)) throw new Error(`speakers file not found: ${path}`);
  if (/\.(pth|pt)$/i.test(path)) return toPlain(readPth(path));
  return readJsonFile(path);
}

/** Ids 0..N-1, one per name, in name order (Coqui's `parse_ids_from_data`: `sorted(set(names))`). */
function idsOfNames(names: Iterable<string>): Map<string, number> {
  // Python sorts str by code point; JavaScript's default sort compares UTF-16 units (the same below U+D800).
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sorted.map((n, i) => [n, i]));
}

export class SpeakerManager {
  /** Speaker name -> id (Coqui's `name_to_id` / `ids`); ids are 0..N-1. */
  ids = new Map<string, number>();
  /** Clip name -> `{name, embedding}` from a d-vector file (Coqui's `embeddings`). */
  embeddings = new Map<string, DVectorEntry>();
  #byName: Map<string, number[][]> | null = null;

  /** Ids from `samples` (train + eval), then from `speakersFile`, then from `dVectorFile` (each overrides). */
  constructor(
    options: {
      samples?: readonly Sample[];
      speakersFile?: string;
      dVectorFile?: string | readonly string[];
    } = {},
  ) {
    if (options.samples?.length) this.setIdsFromData(options.samples);
    if (options.speakersFile) this.loadIdsFromFile(options.speakersFile);
    const dVectorFiles =
      typeof options.dVectorFile === 'string' ? [options.dVectorFile] : options.dVectorFile;
    if (dVectorFiles?.length) this.loadEmbeddingsFromFile(...dVectorFiles);
  }

  /**
   * The manager a config asks for (Coqui's `SpeakerManager.init_from_config`): with `useSpeakerEmbedding`, ids
   * from `speakersFile` when set, else from the samples (read only then); with `useDVectorFile`, the d-vectors
   * of `dVectorFile`. Null for a single-speaker config, or when nothing names the speakers.
   */
  static initFromConfig(config: SpeakerConfig, samples?: () => readonly Sample[]): SpeakerManager | null {
    if (config.useDVectorFile) return new SpeakerManager({ dVectorFile: config.dVectorFile ?? undefined });
    if (!config.useSpeakerEmbedding) return null;
    if (config.speakersFile) return new SpeakerManager({ speakersFile: config.speakersFile });
    const items = samples?.() ?? [];
    return items.length ? new SpeakerManager({ samples: items }) : null;
  }

  /** Number of speakers (rows of a speaker-embedding table). */
  get numSpeakers(): number {
    return this.ids.size;
  }

  /** Names in id order: `speakerNames[id]` is the speaker of that id. */
  get speakerNames(): string[] {
    return [...this.ids].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  }

  /** Size of the d-vectors (0 without a d-vector file). */
  get embeddingDim(): number {
    const first = this.embeddings.values().next();
    return first.done ? 0 : first.value.embedding.length;
  }

  /** Ids from the samples' speaker names (Coqui's `set_ids_from_data(items, parse_key="speaker_name")`). */
  setIdsFromData(samples: readonly Sample[]): void {
    this.ids = idsOfNames(samples.map((s) => s.speakerName));
  }

  /**
   * Ids from a Coqui `speakers.json` / `speakers.pth` (`{"name": id}`). A d-vector file given as the speakers
   * file (Coqui writes those as `speakers.json` too) loads its d-vectors.
   * @throws Error when the ids are not 0..N-1, each once.
   */
  loadIdsFromFile(path: string): void {
    const data = loadFile(path);
    if (!data || typeof data !== 'object' || Array.isArray(data))
      throw new Error(`${path}: expected {"speaker name": id, ...}`);
    const entries = Object.entries(data as Record<string, unknown>);
    if (entries.length && entries.every(([, v]) => v !== null && typeof v === 'object')) {
      this.loadEmbeddingsFromFile(path);
      return;
    }
    const ids = new Map<string, number>();
    for (const [name, id] of entries) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length)
        throw new Error(
          `${path}: speaker ${JSON.stringify(name)} has id ${JSON.stringify(id)}; expected 0..N-1`,
        );
      ids.set(name, id);
    }
    if (new Set(ids.values()).size !== ids.size) throw new Error(`${path}: two speakers share an id`);
    this.ids = ids;
  }

  /**
   * Writes the ids as Coqui's `speakers.json`: the bytes Python's `json.dump(ids, f, indent=4)` writes (id
   * order, non-ASCII escaped as `\uXXXX`).
   */
  saveIdsToFile(path: string): void {
    const ascii = (n: string) =>
      JSON.stringify(n).replace(
        /[\u0080-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    const lines = [...this.ids].sort((a, b) => a[1] - b[1]).map(([n, id]) => `    ${ascii(n)}: ${id}`);
    writeFileAtomicSync(path, lines.length ? `{\n${lines.join(',\n')}\n}` : '{}');
  }

  /**
   * D-vectors from Coqui d-vector files (`{clip: {"name": speaker, "embedding": [...]}}`; several files are
   * merged); the speakers get ids in name order (Coqui's `load_embeddings_from_file` / `_from_list_of_files`).
   * @throws Error for an entry without a name or a numeric embedding, embeddings of different sizes, or a clip
   *   in two files.
   */
  loadEmbeddingsFromFile(...paths: string[]): void {
    const embeddings = new Map<string, DVectorEntry>();
    let dim = -1;
    for (const path of paths) dim = this.#readEmbeddings(path, embeddings, dim);
    this.embeddings = embeddings;
    this.ids = idsOfNames([...embeddings.values()].map((e) => e.name));
    this.#byName = null;
  }

  /** Adds the clips of one d-vector file to `into`; returns the vector size. */
  #readEmbeddings(path: string, into: Map<string, DVectorEntry>, size: number): number {
    const data = loadFile(path);
    if (!data || typeof data !== 'object' || Array.isArray(data))
      throw new Error(`${path}: expected {"clip": {"name": speaker, "embedding": [...]}, ...}`);
    let dim = size;
    for (const [clip, v] of Object.entries(data as Record<string, unknown>)) {
      const e = v as { name?: unknown; embedding?: unknown };
      if (
        typeof e?.name !== 'string' ||
        !Array.isArray(e.embedding) ||
        !e.embedding.every((x) => typeof x === 'number')
      )
        throw new Error(`${path}: clip ${JSON.stringify(clip)} needs "name" and a numeric "embedding" list`);
      if (dim >= 0 && e.embedding.length !== dim)
        throw new Error(
          `${path}: clip ${JSON.stringify(clip)} has ${e.embedding.length} values, others ${dim}`,
        );
      if (into.has(clip))
        throw new Error(`${path}: clip ${JSON.stringify(clip)} is in another d-vector file too`);
      dim = e.embedding.length;
      into.set(clip, { name: e.name, embedding: e.embedding as number[] });
    }
    return dim;
  }

  /** Writes the d-vectors as a Coqui d-vector file. */
  saveEmbeddingsToFile(path: string): void {
    writeFileAtomicSync(path, JSON.stringify(Object.fromEntries(this.embeddings), null, 4));
  }

  /**
   * The d-vector of a sample: looked up by Coqui's `audio_unique_name` (`dataset#relative/path`), then by the
   * file name with and without its extension (older d-vector files).
   */
  embeddingOfSample(sample: { audioFile: string; audioUniqueName?: string }): number[] | undefined {
    const file = basename(sample.audioFile);
    for (const key of [sample.audioUniqueName, file, file.slice(0, file.length - extname(file).length)]) {
      const e = key === undefined ? undefined : this.embeddings.get(key);
      if (e) return e.embedding;
    }
    return undefined;
  }

  /** Mean d-vector of a speaker's clips (Coqui's `get_mean_embedding(name)`). */
  meanEmbedding(name: string): number[] {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const e of this.embeddings.values()) {
        const list = this.#byName.get(e.name) ?? [];
        list.push(e.embedding);
        this.#byName.set(e.name, list);
      }
    }
    const list = this.#byName.get(name);
    if (!list) throw new Error(`no d-vector of speaker ${JSON.stringify(name)}`);
    const mean = new Array<number>(list[0].length).fill(0);
    for (const v of list) for (let i = 0; i < v.length; i++) mean[i] += v[i] / list.length;
    return mean;
  }

  /** "a, b, c" (at most 20 names), for messages. */
  describe(): string {
    const names = this.speakerNames;
    return names.length > 20
      ? `${names.slice(0, 20).join(', ')}, ... (${names.length} in all)`
      : names.join(', ');
  }
}

/** A batch's speaker inputs for a model: ids `[B]` int64 and/or d-vectors `[B, D]` (null when not used). */
export interface SpeakerInputs {
  speakerIds: Tensor | null;
  dVectors: Tensor | null;
}

/**
 * Speaker ids (useSpeakerEmbedding) or d-vectors (useDVectorFile) for a loader batch's `speakerNames` and
 * `audioFiles`/`audioUniqueNames`, on `device` (Coqui's `format_batch`).
 * @throws Error naming the speaker or clip the manager does not know.
 */
export function batchSpeakerInputs(
  manager: SpeakerManager | null,
  config: SpeakerConfig,
  batch: Record<string, unknown>,
  device?: string,
): SpeakerInputs {
  const none: SpeakerInputs = { speakerIds: null, dVectors: null };
  if (!manager) return none;
  const names = batch.speakerNames as readonly string[] | undefined;
  const files = batch.audioFiles as readonly string[] | undefined;
  if (config.useDVectorFile) {
    if (!files) return none;
    if (manager.embeddings.size === 0) throw new Error('useDVectorFile is set but no dVectorFile was loaded');
    const unique = batch.audioUniqueNames as readonly (string | undefined)[] | undefined;
    const rows = files.map((audioFile, i) => {
      const v = manager.embeddingOfSample({ audioFile, audioUniqueName: unique?.[i] });
      if (!v) throw new Error(`the d-vector file has no entry for ${unique?.[i] ?? audioFile}`);
      return v;
    });
    const dim = manager.embeddingDim;
    return { speakerIds: null, dVectors: torch.tensor(rows.flat(), { shape: [rows.length, dim], device }) };
  }
  if (!config.useSpeakerEmbedding || !names) return none;
  const ids = names.map((n) => {
    const id = manager.ids.get(n);
    if (id === undefined)
      throw new Error(
        `speaker ${JSON.stringify(n)} of the batch is not among the model's speakers (${manager.describe()})`,
      );
    return BigInt(id);
  });
  return { speakerIds: torch.tensor(BigInt64Array.from(ids), { device }), dVectors: null };
}

/**
 * `inference` inputs for speaker id `speakerId` (an index into `speakerNames`): `{ speakerId }` for a
 * speaker-embedding model, `{ dVectors [1, D] }` (the speaker's mean d-vector) for a d-vector model, `{}` for
 * a single-speaker one.
 */
export function inferenceSpeakerInputs(
  manager: SpeakerManager | null,
  config: SpeakerConfig,
  speakerId: number | null | undefined,
  device?: string,
): { speakerId?: number | null; dVectors?: Tensor | null } {
  if (speakerId === null || speakerId === undefined) return {};
  if (config.useDVectorFile && manager) {
    const name = manager.speakerNames[speakerId];
    if (name === undefined) throw new Error(`no speaker has id ${speakerId} (${manager.describe()})`);
    const v = manager.meanEmbedding(name);
    return { speakerId: null, dVectors: torch.tensor(v, { shape: [1, v.length], device }) };
  }
  return { speakerId };
}

/**
 * Writes `speakers.json` into a run folder and records its absolute path as `speakersFile` in each of
 * `configs` (and their `modelArgs`, as Coqui's `on_init_start` does); returns the path.
 */
export function saveRunSpeakers(
  manager: SpeakerManager,
  runPath: string,
  configs: readonly object[] = [],
): string {
  const path = resolve(runPath, SPEAKERS_FILE_NAME);
  manager.saveIdsToFile(path);
  for (const c of new Set(configs)) {
    Object.assign(c, { speakersFile: path });
    const args = (c as { modelArgs?: unknown }).modelArgs;
    if (args && typeof args === 'object') Object.assign(args, { speakersFile: path });
  }
  return path;
}

/**
 * Where a config's speaker file is, for a model loaded from `dirs` (the config's and the checkpoint's
 * folders): an absolute path as given, a relative one in each folder and then in the working directory, else
 * a file of the same name in one of the folders (a run folder moved elsewhere; Coqui's `_set_file_path` does
 * the same), else `speakers.json` there when the config names no file. Null when none exists.
 */
export function findSpeakerFile(file: string | null | undefined, dirs: readonly string[]): string | null {
  const candidates: string[] = [];
  if (file) {
    // a relative path is the folder's own file first (a voice folder's `speakers.json`), then the caller's
    if (isAbsolute(file)) candidates.push(file);
    else candidates.push(...dirs.map((d) => join(d, file)), file);
    for (const d of dirs) candidates.push(join(d, basename(file)));
  } else {
    for (const d of dirs) candidates.push(join(d, SPEAKERS_FILE_NAME));
  }
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * The speakers of a trained model being loaded for inference or export: from `override` (a `--speakers-file-path`)
 * or the config's `speakersFile` / `dVectorFile` found with {@link findSpeakerFile} in `dirs`. Null for a
 * single-speaker config, or when no file is found (the model then speaks by id only).
 */
export function loadModelSpeakers(
  config: object,
  dirs: readonly string[],
  override?: string | null,
): SpeakerManager | null {
  const c = speakerConfigOf(config);
  if (c.useDVectorFile) {
    const given = typeof c.dVectorFile === 'string' ? [c.dVectorFile] : (c.dVectorFile ?? []);
    const files = override ? [override] : given.map((f) => findSpeakerFile(f, dirs));
    if (!files.length || files.some((f) => f === null)) return null;
    return new SpeakerManager({ dVectorFile: files as string[] });
  }
  if (!c.useSpeakerEmbedding) return null;
  const file = override || findSpeakerFile(c.speakersFile, dirs);
  return file ? new SpeakerManager({ speakersFile: file }) : null;
}
