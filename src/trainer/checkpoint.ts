/**
 * Checkpoints: a model's weights in `<name>.safetensors` (a plain state dict with the model's parameter
 * names, loadable on its own), the rest of the training state (optimizer and scheduler state, RNG, step,
 * epoch, best loss, config) in `<name>.json` with its tensors in `<name>.state.safetensors`.
 *
 * Every file is written atomically (temp + rename) and the JSON is written last: a checkpoint exists once its
 * JSON exists, so a kill at any moment leaves every earlier checkpoint intact and never a half one.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parsePythonJson, toPythonJson } from '../config/json.ts';
import { isTensor, type Tensor } from '../torch/index.ts';
import { loadTensors, saveTensors } from '../torch/io.ts';
import { writeFileAtomicSync } from '../util/atomic.ts';
import type { RunningAverageState } from './console.ts';
import { ioError } from './io_error.ts';

export const CHECKPOINT_FORMAT = 'ribbit-checkpoint-1';

/** Training state beside the weights. Tensors may appear anywhere inside `optimizers`/`schedulers`/`extra`. */
export interface TrainingState {
  step: number;
  epoch: number;
  /** Batches of `epoch` already trained (a mid-epoch save resumes after them). */
  batchInEpoch: number;
  bestLoss: number | null;
  bestStep: number | null;
  optimizers: unknown[];
  schedulers: unknown[];
  rngState: Tensor | null;
  /**
   * The running train-loss averages of `epoch` so far (a mid-epoch resume logs the same epoch averages as an
   * unbroken run); absent in older checkpoints.
   */
  trainAverages?: RunningAverageState;
  config: unknown;
  extra?: Record<string, unknown>;
}

interface TensorRef {
  $tensor: string;
}

/** Replaces every tensor inside `value` by a `{$tensor: key}` reference and collects it in `out`. */
function extractTensors(value: unknown, path: string, out: Map<string, Tensor>): unknown {
  if (isTensor(value)) {
    out.set(path, value);
    return { $tensor: path } satisfies TensorRef;
  }
  if (Array.isArray(value)) return value.map((v, i) => extractTensors(v, `${path}.${i}`, out));
  if (value instanceof Map) {
    return { $map: [...value].map(([k, v]) => [k, extractTensors(v, `${path}.${String(k)}`, out)]) };
  }
  if (value !== null && typeof value === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = extractTensors(v, `${path}.${k}`, out);
    return o;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

function restoreTensors(value: unknown, tensors: Map<string, Tensor>): unknown {
  if (Array.isArray(value)) return value.map((v) => restoreTensors(v, tensors));
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$tensor === 'string') {
      const t = tensors.get(o.$tensor);
      if (!t) throw new Error(`checkpoint state refers to a missing tensor '${o.$tensor}'`);
      return t;
    }
    if (typeof o.$number === 'string') return Number(o.$number);
    if (Array.isArray(o.$map)) {
      return new Map((o.$map as [unknown, unknown][]).map(([k, v]) => [k, restoreTensors(v, tensors)]));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = restoreTensors(v, tensors);
    return out;
  }
  return value;
}

/** Paths of a checkpoint named `name` in `dir`. */
export function checkpointPaths(dir: string, name: string) {
  return {
    weights: join(dir, `${name}.safetensors`),
    state: join(dir, `${name}.state.safetensors`),
    json: join(dir, `${name}.json`),
  };
}

/** Writes a checkpoint (weights, state tensors, then the JSON that commits it). */
export function saveCheckpoint(
  dir: string,
  name: string,
  weights: Map<string, Tensor>,
  state: TrainingState,
): void {
  const paths = checkpointPaths(dir, name);
  const stateTensors = new Map<string, Tensor>();
  const json = extractTensors(state, 'state', stateTensors) as Record<string, unknown>;
  const writing = (path: string, write: () => void) => {
    try {
      write();
    } catch (e) {
      throw ioError(e, `cannot write the checkpoint file ${path}`);
    }
  };
  writing(paths.weights, () => saveTensors(paths.weights, weights, { metadata: { format: 'pt' } }));
  writing(paths.state, () => saveTensors(paths.state, stateTensors));
  const doc = {
    format: CHECKPOINT_FORMAT,
    weights: basename(paths.weights),
    stateTensors: basename(paths.state),
    savedAt: new Date().toISOString(),
    ...json,
  };
  writing(paths.json, () => writeFileAtomicSync(paths.json, toPythonJson(doc)));
}

/** A loaded checkpoint: model weights and the training state with its tensors restored. */
export interface LoadedCheckpoint {
  weights: Map<string, Tensor>;
  state: TrainingState;
  jsonPath: string;
}

/**
 * The JSON path of a checkpoint given as its JSON path, its weights path (`x.safetensors` or
 * `x.state.safetensors`), or a run folder (the newest checkpoint in it).
 */
export function resolveCheckpoint(path: string): string {
  let jsonPath = path;
  if (existsSync(path) && statSync(path).isDirectory()) {
    const latest = listCheckpoints(path).at(-1);
    if (!latest) throw new Error(`no checkpoint in ${path} (expected checkpoint_<step>.json files)`);
    jsonPath = latest.jsonPath;
  } else if (path.endsWith('.safetensors')) {
    jsonPath = path.replace(/(\.state)?\.safetensors$/, '.json');
  }
  if (!existsSync(jsonPath)) throw new Error(`checkpoint not found: ${jsonPath}`);
  return jsonPath;
}

function readCheckpointJson(jsonPath: string): Record<string, unknown> {
  const doc = parsePythonJson(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
  if (doc.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${jsonPath} is not a ribbit checkpoint (format ${String(doc.format)})`);
  }
  return doc;
}

/**
 * Loads a checkpoint from its JSON path, its weights path (`x.safetensors`), or a run folder (the newest
 * checkpoint in it).
 */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const jsonPath = resolveCheckpoint(path);
  const doc = readCheckpointJson(jsonPath);
  const dir = dirname(jsonPath);
  const weights = loadTensors(join(dir, String(doc.weights))).tensors;
  const stateTensors = loadTensors(join(dir, String(doc.stateTensors))).tensors;
  const state = restoreTensors(doc, stateTensors) as TrainingState;
  return { weights, state, jsonPath };
}

/**
 * Only the model weights of a checkpoint (as `loadCheckpoint` finds it), or of a plain `.safetensors` state
 * dict that has no checkpoint JSON beside it (weights exported or converted elsewhere).
 */
export function loadCheckpointWeights(path: string): { weights: Map<string, Tensor>; path: string } {
  if (path.endsWith('.safetensors') && !path.endsWith('.state.safetensors') && existsSync(path)) {
    const json = path.replace(/\.safetensors$/, '.json');
    if (!existsSync(json)) return { weights: loadTensors(path).tensors, path };
  }
  const jsonPath = resolveCheckpoint(path);
  const doc = readCheckpointJson(jsonPath);
  const weightsPath = join(dirname(jsonPath), String(doc.weights));
  return { weights: loadTensors(weightsPath).tensors, path: weightsPath };
}

/** The committed checkpoints `checkpoint_<step>` in a run folder, oldest first. */
export function listCheckpoints(
  dir: string,
  prefix = 'checkpoint',
): { step: number; name: string; jsonPath: string }[] {
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${prefix}_(\\d+)\\.json$`);
  const out: { step: number; name: string; jsonPath: string }[] = [];
  for (const f of readdirSync(dir)) {
    const m = re.exec(f);
    if (m) out.push({ step: Number(m[1]), name: f.slice(0, -5), jsonPath: join(dir, f) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Deletes a checkpoint's files (JSON first, so a half-deleted checkpoint is never taken as committed). */
export function removeCheckpoint(dir: string, name: string): void {
  const paths = checkpointPaths(dir, name);
  rmSync(paths.json, { force: true });
  rmSync(paths.weights, { force: true });
  rmSync(paths.state, { force: true });
}

/** Keeps the newest `keep` checkpoints with this prefix and deletes older ones. */
export function pruneCheckpoints(dir: string, keep: number, prefix = 'checkpoint'): void {
  const all = listCheckpoints(dir, prefix);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) removeCheckpoint(dir, c.name);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Files of checkpoints whose write never finished (a kill between the weights and the JSON that commits them):
 * weights or state files without their JSON, and the temporary files of writers that are no longer running.
 * `listCheckpoints` never returns them; a resumed run deletes them.
 */
export function incompleteCheckpointFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir);
  const present = new Set(files);
  const out: string[] = [];
  for (const f of files) {
    const orphan = /^((?:checkpoint|best_model)_\d+)(?:\.state)?\.safetensors$/.exec(f);
    if (orphan && !present.has(`${orphan[1]}.json`)) out.push(join(dir, f));
    const tmp = /^(?:checkpoint|best_model)_\d+(?:\.state)?\.(?:safetensors|json)\.tmp-(\d+)-[0-9a-f]+$/.exec(
      f,
    );
    if (tmp && !processAlive(Number(tmp[1]))) out.push(join(dir, f));
  }
  return out.sort();
}
