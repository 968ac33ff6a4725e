/**
 * Coqui's released models by name, as Coqui's `ModelManager` (TTS/utils/manage.py) gets them: the release
 * archive of `tts_models/<lang>/<dataset>/<model>` (or `vocoder_models/...`) is downloaded into a cache folder,
 * verified, extracted flat into `<cache>/<type>--<lang>--<dataset>--<model>/` and its `config.json` paths
 * (scale stats, speaker files) pointed at the files beside it. A cached model is used without any network.
 *
 * Cache: `$RIBBIT_HOME/models`, else `$XDG_DATA_HOME/ribbit/models`, else `~/.local/share/ribbit/models`.
 * A download goes to `<cache>/.downloads/<folder>.zip.part` and resumes from there (HTTP Range) when it was
 * interrupted; the model folder appears (by one rename) only once the archive is complete, matches its size
 * (and MD5 where the catalogue gives one) and every entry's CRC-32 checks out. A bad archive is deleted.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { readJsonFile, toPythonJson } from '../config/json.ts';
import { registeredModelNames } from '../models/registry.ts';
import { writeFileAtomicSync } from '../util/atomic.ts';
import { crc32 } from '../util/crc.ts';
import type { LoadOptions } from './load.ts';
import {
  type CatalogueEntry,
  cannotRunReason,
  canRun,
  findEntry,
  parseCatalogue,
  type RawCatalogue,
  readCatalogue,
} from './model_catalogue.ts';

/** Progress of one download: bytes so far (including a resumed part) of `total` (undefined: unknown). */
export type DownloadProgress = (p: {
  name: string;
  received: number;
  total?: number;
  done?: boolean;
}) => void;

export interface ModelManagerOptions {
  /** Cache folder (default: {@link modelsHome}). */
  home?: string;
  /** The catalogue: entries, a raw `.models.json` object, or its path (default: Coqui 0.22's, shipped). */
  catalogue?: readonly CatalogueEntry[] | RawCatalogue | string;
  /** Called as bytes arrive (the CLI draws a progress bar with {@link progressBar}). */
  onProgress?: DownloadProgress;
  /** One line per event (downloading, cached, license, vocoder fallback); default: none. */
  log?: (line: string) => void;
}

/** A model in the cache. */
export interface CachedModel {
  entry: CatalogueEntry;
  /** The model's folder. */
  dir: string;
  /** Its checkpoint (`model_file.pth`, `model_file.pth.tar` or `model.pth`). */
  modelPath: string;
  configPath: string;
}

/** The cache folder of downloaded models (see the module comment). */
export function modelsHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RIBBIT_HOME) return join(env.RIBBIT_HOME, 'models');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'ribbit', 'models');
}

function catalogueOf(c: ModelManagerOptions['catalogue']): readonly CatalogueEntry[] {
  if (c === undefined) return readCatalogue();
  if (typeof c === 'string') return readCatalogue(c);
  if (Array.isArray(c)) return c;
  return parseCatalogue(c as RawCatalogue);
}

/** Folder name of an entry in the cache, as Coqui names it: `tts_models--en--ljspeech--glow-tts`. */
export function cacheFolderName(entry: CatalogueEntry): string {
  return entry.name.split('/').join('--');
}

const CHECKPOINT_NAMES = ['model_file.pth', 'model_file.pth.tar', 'model.pth'];

/** The checkpoint and config of an extracted model folder (null when either is missing). */
function findModelFiles(dir: string): { modelPath: string; configPath: string } | null {
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir);
  const model = CHECKPOINT_NAMES.find((n) => names.includes(n));
  if (!model || !names.includes('config.json')) return null;
  return { modelPath: join(dir, model), configPath: join(dir, 'config.json') };
}

// ---------------------------------------------------------------------------------------------------------
// Download (resumable)

/** Downloads `url` into `part`, resuming from its current size; returns the archive's full size. */
async function downloadResumable(url: string, part: string, name: string, onProgress?: DownloadProgress) {
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  let offset = 0;
  let total: number | undefined;
  if (res.status === 206) {
    const m = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
    const start = Number(/bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1] ?? Number.NaN);
    if (start !== have) throw new Error(`${url}: the server resumed at byte ${start}, not ${have}`);
    offset = have;
    total = m ? Number(m[1]) : undefined;
  } else if (res.status === 416 && have > 0) {
    // the part is complete already, or longer than the file: start again
    rmSync(part, { force: true });
    await res.body?.cancel();
    return downloadResumable(url, part, name, onProgress);
  } else if (res.ok) {
    const length = res.headers.get('content-length');
    total = length === null ? undefined : Number(length);
  } else {
    await res.body?.cancel();
    throw new Error(
      `downloading ${name} failed: ${url} answered HTTP ${res.status} ${res.statusText}`.trim(),
    );
  }
  if (!res.body) throw new Error(`downloading ${name} failed: ${url} sent no body`);
  let received = offset;
  onProgress?.({ name, received, total });
  const counted = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  counted.on('data', (chunk: Buffer) => {
    received += chunk.length;
    onProgress?.({ name, received, total });
  });
  // a 200 answer is the whole file: overwrite the part; a 206 one continues it
  try {
    await pipeline(counted, createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }));
  } catch (e) {
    throw new Error(
      `downloading ${name} was interrupted after ${received} bytes (${(e as Error).message}); ` +
        'run the same command again to resume it',
    );
  }
  const size = statSync(part).size;
  if (total !== undefined && size !== total)
    throw new Error(`downloading ${name} failed: got ${size} bytes of ${total}`);
  onProgress?.({ name, received: size, total: size, done: true });
  return size;
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// Extraction (yauzl; every entry's CRC-32 checked, flattened as Coqui does)

/** Opens a zip with yauzl (imported on first use: only a download needs it). */
async function openZip(path: string): Promise<yauzl.ZipFile> {
  const { open } = (await import('yauzl')).default;
  return new Promise((resolve, reject) =>
    open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

/**
 * Extracts every file of the archive into `dir` under its base name (Coqui keeps no folders: a release holds
 * one folder of files), skipping hidden entries (`__MACOSX/`, `.DS_Store`).
 * @throws Error when the archive is not a valid zip or an entry's CRC-32 or size is wrong.
 */
async function extractFlat(archive: string, dir: string): Promise<void> {
  const zip = await openZip(archive);
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      zip.close();
      reject(e);
    };
    zip.on('error', fail);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      const parts = entry.fileName.split('/');
      const file = parts[parts.length - 1];
      if (entry.fileName.endsWith('/') || parts.some((p) => p.startsWith('.') || p === '__MACOSX')) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        let crc = 0;
        stream.on('data', (c: Buffer) => {
          crc = crc32(c, crc);
        });
        pipeline(stream, createWriteStream(join(dir, basename(file)))).then(() => {
          if (crc >>> 0 !== entry.crc32 >>> 0) return fail(new Error(`${entry.fileName}: CRC-32 mismatch`));
          zip.readEntry();
        }, fail);
      });
    });
    zip.readEntry();
  });
}

// ---------------------------------------------------------------------------------------------------------
// Config paths (Coqui's ModelManager._update_paths)

/** Config fields that name a file of the release, and the files they are pointed at when present. */
const CONFIG_PATHS: [string, string[]][] = [
  ['audio.stats_path', ['scale_stats.npy']],
  ['d_vector_file', ['speakers.json', 'speakers.pth']],
  ['model_args.d_vector_file', ['speakers.json', 'speakers.pth']],
  ['speakers_file', ['speaker_ids.json', 'speaker_ids.pth']],
  ['model_args.speakers_file', ['speaker_ids.json', 'speaker_ids.pth']],
  ['speaker_encoder_model_path', ['model_se.pth', 'model_se.pth.tar']],
  ['model_args.speaker_encoder_model_path', ['model_se.pth', 'model_se.pth.tar']],
  ['speaker_encoder_config_path', ['config_se.json']],
  ['model_args.speaker_encoder_config_path', ['config_se.json']],
];

/**
 * Points the file fields of `<dir>/config.json` at the files of `dir` (a field that exists in the config and
 * whose file is there; a list-valued field becomes a one-element list), as Coqui does after a download.
 * @returns the fields changed.
 */
export function fixConfigPaths(dir: string): string[] {
  const configPath = join(dir, 'config.json');
  const config = readJsonFile(configPath) as Record<string, unknown>;
  const changed: string[] = [];
  for (const [field, files] of CONFIG_PATHS) {
    const keys = field.split('.');
    let parent: Record<string, unknown> | undefined = config;
    for (const k of keys.slice(0, -1)) {
      const next: unknown = parent?.[k];
      parent = next && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
    }
    const key = keys[keys.length - 1];
    if (!parent || !(key in parent)) continue;
    for (const file of files) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      parent[key] = Array.isArray(parent[key]) ? [path] : path;
      changed.push(field);
    }
  }
  if (changed.length) writeFileAtomicSync(configPath, toPythonJson(config));
  return changed;
}

// ---------------------------------------------------------------------------------------------------------
// The manager

/**
 * The cached model of `entry`, downloading it first when it is not in the cache.
 * @throws Error when the download fails (HTTP error, short read), the archive is corrupt (the partial
 *   download and extraction are removed), or the archive holds no checkpoint/config.
 */
export async function downloadModel(
  entry: CatalogueEntry,
  options: ModelManagerOptions = {},
): Promise<CachedModel> {
  const home = options.home ?? modelsHome();
  const folder = cacheFolderName(entry);
  const dir = join(home, folder);
  const cached = findModelFiles(dir);
  if (cached) {
    options.log?.(` > ${entry.name} is already downloaded (${dir}).`);
    return { entry, dir, ...cached };
  }
  if (!entry.url) throw new Error(cannotRunReason(entry));
  const downloads = join(home, '.downloads');
  mkdirSync(downloads, { recursive: true });
  const part = join(downloads, `${folder}.zip.part`);
  const tmp = join(downloads, `${folder}.tmp-${process.pid}`);
  options.log?.(` > Downloading ${entry.name} to ${dir}`);
  await downloadResumable(entry.url, part, entry.name, options.onProgress);
  try {
    if (entry.md5) {
      const md5 = await md5Of(part);
      if (md5 !== entry.md5) throw new Error(`MD5 ${md5}, the catalogue says ${entry.md5}`);
    }
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await extractFlat(part, tmp);
    if (!findModelFiles(tmp)) {
      throw new Error(`it holds no ${CHECKPOINT_NAMES.join('/')} and config.json`);
    }
    fixConfigPaths(tmp);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(part, { force: true });
    throw new Error(
      `the archive of ${entry.name} (${entry.url}) is corrupt and was deleted: ${(e as Error).message}`,
    );
  }
  rmSync(part, { force: true });
  if (entry.license) options.log?.(` > Model's license: ${entry.license}`);
  return { entry, dir, ...findModelFiles(dir)! };
}

/** Throws the one-sentence reason when ribbit cannot run the model (by catalogue name, then by its config). */
function requireRunnable(entry: CatalogueEntry, configPath?: string): void {
  const registered = registeredModelNames();
  if (!canRun(entry, registered)) throw new Error(cannotRunReason(entry, registered));
  if (!configPath) return;
  const model = (readJsonFile(configPath) as { model?: unknown }).model;
  if (typeof model === 'string' && !registered.includes(model))
    throw new Error(cannotRunReason({ ...entry, architecture: model }, registered));
}

/**
 * {@link LoadOptions} with `modelName` / `vocoderName` replaced by the paths of the cached (downloaded when
 * needed) model and vocoder: the model's default vocoder unless `vocoderName` names one. A default vocoder
 * whose architecture ribbit lacks is left out (Griffin-Lim, said through `log`); a named one is an error.
 * Options without either name come back as they are.
 */
export async function resolveModelName(
  options: LoadOptions,
  manager: ModelManagerOptions = {},
): Promise<LoadOptions> {
  const { modelName, vocoderName, ...out } = options;
  if (!modelName && !vocoderName) return options;
  await import('../models/index.ts'); // every model family registered: what ribbit can run
  const catalogue = catalogueOf(manager.catalogue);
  let vocoder = vocoderName;
  if (modelName) {
    if (options.modelPath || options.configPath)
      throw new Error('give either a model name or a model path/config path, not both');
    const entry = findEntry(catalogue, modelName);
    if (entry.type !== 'tts_models')
      throw new Error(`${modelName} is not a text-to-speech model (tts_models/...)`);
    requireRunnable(entry);
    const model = await downloadModel(entry, manager);
    requireRunnable(entry, model.configPath);
    out.modelPath = model.modelPath;
    out.configPath = model.configPath;
    if (!vocoder && !options.vocoderPath && entry.defaultVocoder) {
      const fallback = findEntry(catalogue, entry.defaultVocoder);
      if (canRun(fallback)) vocoder = fallback.name;
      else
        manager.log?.(
          ` > The default vocoder ${fallback.name} (${fallback.architecture}) is not in ribbit yet: Griffin-Lim instead.`,
        );
    }
  }
  if (vocoder) {
    if (options.vocoderPath || options.vocoderConfigPath)
      throw new Error('give either a vocoder name or a vocoder path/config path, not both');
    const entry = findEntry(catalogue, vocoder);
    if (entry.type !== 'vocoder_models') throw new Error(`${vocoder} is not a vocoder (vocoder_models/...)`);
    requireRunnable(entry);
    const cached = await downloadModel(entry, manager);
    requireRunnable(entry, cached.configPath);
    out.vocoderPath = cached.modelPath;
    out.vocoderConfigPath = cached.configPath;
  }
  return out;
}

/**
 * A {@link DownloadProgress} that draws `name [#####-----] 45% 12.3/27.1 MB` on a terminal (redrawn in place),
 * or one line when the download ends on anything else.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): DownloadProgress {
  let last = 0;
  return ({ name, received, total, done }) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const size = total ? `${mb(received)}/${mb(total)} MB` : `${mb(received)} MB`;
    if (!stream.isTTY) {
      if (done) stream.write(` > ${name}: ${size}\n`);
      return;
    }
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    const frac = total ? Math.min(1, received / total) : 0;
    const bar = `${'#'.repeat(Math.round(frac * 30))}${'-'.repeat(30 - Math.round(frac * 30))}`;
    stream.write(
      `\r > ${name} [${bar}] ${total ? `${Math.round(frac * 100)}% ` : ''}${size}${done ? '\n' : ''}`,
    );
  };
}

/** What the CLI uses: a progress bar and the manager's lines on stderr. */
export function cliManagerOptions(): ModelManagerOptions {
  return { onProgress: progressBar(process.stderr), log: (line) => console.error(line) };
}
