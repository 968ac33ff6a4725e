/**
 * PyTorch checkpoint (`torch.save`, `.pth`/`.pt`) import in pure TypeScript, without Python and without
 * running any code from the file: the zip container (PyTorch >= 1.6) and the legacy pickle-stream format are
 * parsed here, and the pickles go through the restricted VM of `pickle.ts` with a small allow-list of globals
 * (containers, tensor/parameter rebuilders, storage classes, `torch.device`, and numpy scalars, which some
 * Coqui checkpoints hold). Anything else is refused with an error naming it.
 */
import { readFileSync } from 'node:fs';
import { type PyGlobal, pyAttributes, unpickle } from './pickle.ts';
import { type DType, elementSize, isRawTensor, numel, type RawTensor } from './raw.ts';
import { ZipReader } from './zip.ts';

/** Options of {@link readPth}. */
export interface ReadPthOptions {
  /** Check the CRC-32 of every zip entry read (slower; default false). */
  verifyChecksums?: boolean;
  /** Name of the file in error messages (defaults to the path, or `<bytes>`). */
  name?: string;
}

/** Options of {@link loadPthStateDict}. */
export interface LoadStateDictOptions extends ReadPthOptions {
  /**
   * Key of the state dict in the checkpoint dict. Without it, `model` then `state_dict` are tried, then the
   * checkpoint itself is taken as a bare state dict.
   */
  key?: string;
}

/** A typed storage: `numel` elements of `dtype`, possibly a view into another storage (legacy format). */
class Storage {
  data: Uint8Array | undefined;
  constructor(
    readonly dtype: DType,
    readonly numel: number,
    readonly root?: Storage,
    readonly offset = 0,
  ) {}

  bytes(): Uint8Array {
    if (this.root) {
      const es = elementSize(this.dtype);
      return this.root.bytes().subarray(this.offset * es, (this.offset + this.numel) * es);
    }
    if (!this.data) throw new Error('storage data not loaded');
    return this.data;
  }

  get loaded(): boolean {
    return this.root ? this.root.loaded : this.data !== undefined;
  }
}

/** A tensor whose storage bytes are not read yet (legacy format: storages follow the pickle). */
class PendingTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

const STORAGE_DTYPE_SET = new Set<DType>(Object.values(STORAGE_DTYPES));

const NUMPY_DTYPES: Record<string, DType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  b1: 'bool',
};

/** A numpy dtype as rebuilt from a pickle (only what scalars need). */
interface NumpyDtype {
  numpyDtype: string;
  byteorder: string;
}

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

function expectInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`${what}: expected a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * What one read may allocate beyond the file's own bytes. Contiguous tensors are views into the file and
 * cost nothing; a non-contiguous one is copied, and an expanded one (stride 0: `zeros(1).expand(N)`) or
 * many overlapping views of one storage could ask for far more memory than the file holds. Copies are
 * limited to twice the file's size plus 1 MiB: a real checkpoint's transposed tensors copy at most its size.
 */
class CopyBudget {
  left: number;
  constructor(
    readonly file: string,
    readonly fileBytes: number,
  ) {
    this.left = 2 * fileBytes + 2 ** 20;
  }

  /** @throws Error naming the file when `bytes` more would pass the budget. */
  take(bytes: number, size: number[], stride: number[]): void {
    if (bytes > this.left) {
      throw new Error(
        `${this.file}: a tensor of size [${size}] (stride [${stride}]) would need ${bytes} bytes, more than this ${this.fileBytes}-byte checkpoint can justify (expanded or overlapping tensors may copy at most 2 x the file size + 1 MiB in all)`,
      );
    }
    this.left -= bytes;
  }
}

/** Gathers `size`/`stride`/`offset` (in elements) of `src` into contiguous row-major bytes. */
function gather(
  src: Uint8Array,
  dtype: DType,
  storageNumel: number,
  offset: number,
  size: number[],
  stride: number[],
  budget: CopyBudget,
) {
  const es = elementSize(dtype);
  const n = numel(size);
  if (size.length !== stride.length)
    throw new Error(`tensor size [${size}] and stride [${stride}] differ in rank`);
  if (n === 0) return new Uint8Array(0);
  let last = offset;
  for (let i = 0; i < size.length; i++) last += (size[i]! - 1) * stride[i]!;
  if (last >= storageNumel) {
    throw new Error(
      `tensor (offset ${offset}, size [${size}], stride [${stride}]) reaches element ${last} of a ${storageNumel}-element storage`,
    );
  }
  let contiguous = true;
  let expected = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expected) contiguous = false;
    expected *= size[i]!;
  }
  if (contiguous) {
    const view = src.subarray(offset * es, (offset + n) * es);
    return view.byteOffset % es === 0
      ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
      : new Uint8Array(view);
  }
  budget.take(n * es, size, stride);
  const out = new Uint8Array(n * es);
  const rank = size.length;
  const inner = size[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (;;) {
    let base = offset;
    for (let d = 0; d < rank - 1; d++) base += idx[d]! * stride[d]!;
    if (innerStride === 1) {
      out.set(src.subarray(base * es, (base + inner) * es), o);
      o += inner * es;
    } else {
      for (let j = 0; j < inner; j++) {
        const s = (base + j * innerStride) * es;
        for (let b = 0; b < es; b++) out[o++] = src[s + b]!;
      }
    }
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

function buildTensor(
  budget: CopyBudget,
  storage: unknown,
  offset: unknown,
  size: unknown,
  stride: unknown,
): RawTensor | PendingTensor {
  if (!(storage instanceof Storage)) throw new Error('tensor rebuild: first argument is not a storage');
  const off = expectInt(offset, 'tensor storage offset');
  if (!isIntList(size)) throw new Error(`tensor rebuild: bad size ${String(size)}`);
  if (!isIntList(stride)) throw new Error(`tensor rebuild: bad stride ${String(stride)}`);
  const pending = new PendingTensor(storage, off, [...size], [...stride]);
  return storage.loaded ? materialize(pending, budget) : pending;
}

function materialize(p: PendingTensor, budget: CopyBudget): RawTensor {
  const { storage } = p;
  const data = gather(storage.bytes(), storage.dtype, storage.numel, p.offset, p.size, p.stride, budget);
  return { dtype: storage.dtype, shape: p.size, data };
}

function decodeNumpyScalar(dtype: unknown, data: unknown): unknown {
  const dt = dtype as NumpyDtype;
  if (
    typeof dt !== 'object' ||
    dt === null ||
    typeof dt.numpyDtype !== 'string' ||
    !(data instanceof Uint8Array)
  ) {
    throw new Error('numpy scalar: bad arguments');
  }
  const code = dt.numpyDtype.replace(/^[<>=|]/, '');
  const t = NUMPY_DTYPES[code];
  if (!t) throw new Error(`numpy scalar of dtype '${dt.numpyDtype}' is not supported`);
  if (data.byteLength !== elementSize(t))
    throw new Error(`numpy scalar: ${data.byteLength} bytes for '${code}'`);
  const bytes = new Uint8Array(data);
  if (dt.byteorder === '>') bytes.reverse();
  const v = new DataView(bytes.buffer);
  switch (t) {
    case 'float16':
    case 'float32':
    case 'float64':
      return t === 'float64' ? v.getFloat64(0, true) : t === 'float32' ? v.getFloat32(0, true) : halfAt(v);
    case 'int8':
      return v.getInt8(0);
    case 'int16':
      return v.getInt16(0, true);
    case 'int32':
      return v.getInt32(0, true);
    case 'int64': {
      const b = v.getBigInt64(0, true);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    case 'uint8':
      return v.getUint8(0);
    default:
      return v.getUint8(0) !== 0;
  }
}

function halfAt(v: DataView): number {
  const bits = v.getUint16(0, true);
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const latin1Bytes = (s: unknown): Uint8Array => {
  if (typeof s !== 'string') throw new Error('expected a string');
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) throw new Error('string is not latin-1');
  return new Uint8Array(Buffer.from(s, 'latin1'));
};

/**
 * The allow-list: every global a checkpoint may reference, and what it does (never Python code). Tensor
 * rebuilds copy within `budget` (one per read).
 */
function makeGlobals(budget: CopyBudget): Map<string, Omit<PyGlobal, 'module' | 'name'>> {
  const g = new Map<string, Omit<PyGlobal, 'module' | 'name'>>();
  const ordered = {
    call: (args: unknown[]) => {
      const m = new Map<unknown, unknown>();
      if (args.length && Array.isArray(args[0])) for (const kv of args[0] as unknown[][]) m.set(kv[0], kv[1]);
      return m;
    },
    newObj: () => new Map(),
  };
  g.set('collections.OrderedDict', ordered);
  for (const b of ['builtins', '__builtin__']) {
    g.set(`${b}.set`, { call: (args) => new Set((args[0] as unknown[]) ?? []) });
    g.set(`${b}.frozenset`, { call: (args) => new Set((args[0] as unknown[]) ?? []) });
    const bytesLike = {
      call: (args: unknown[]) => {
        if (args.length === 0) return new Uint8Array(0);
        if (typeof args[0] === 'string') return latin1Bytes(args[0]);
        if (Array.isArray(args[0])) return Uint8Array.from(args[0] as number[]);
        if (args[0] instanceof Uint8Array) return new Uint8Array(args[0]);
        throw new Error('bytes(): unsupported arguments');
      },
    };
    g.set(`${b}.bytes`, bytesLike);
    g.set(`${b}.bytearray`, bytesLike);
  }
  g.set('_codecs.encode', {
    call: (args) => {
      const enc = String(args[1] ?? 'utf-8').toLowerCase();
      if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') return latin1Bytes(args[0]);
      if (enc === 'utf-8' || enc === 'utf8') return new Uint8Array(Buffer.from(String(args[0]), 'utf8'));
      throw new Error(`_codecs.encode: unsupported encoding '${enc}'`);
    },
  });
  g.set('torch.device', {
    call: (args) => (args.length > 1 && args[1] !== null ? `${args[0]}:${args[1]}` : String(args[0])),
  });
  g.set('torch.Size', { call: (args) => [...((args[0] as unknown[]) ?? [])] });
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    g.set(`torch.${name}`, { tag: dtype });
    g.set(`torch.storage.${name}`, { tag: dtype });
  }
  const rebuildV2 = { call: (a: unknown[]) => buildTensor(budget, a[0], a[1], a[2], a[3]) };
  g.set('torch._utils._rebuild_tensor_v2', rebuildV2);
  g.set('torch._utils._rebuild_tensor', rebuildV2);
  g.set('torch._utils._rebuild_parameter', { call: (a) => a[0] });
  g.set('torch._utils._rebuild_parameter_with_state', { call: (a) => a[0] });
  g.set('torch.Tensor', { tag: 'tensor-type' });
  g.set('torch.nn.parameter.Parameter', { tag: 'tensor-type' });
  g.set('torch._tensor._rebuild_from_type_v2', {
    call: (a) => {
      const [func, newType, args] = a as [PyGlobal, PyGlobal, unknown[]];
      if (newType?.tag !== 'tensor-type')
        throw new Error('_rebuild_from_type_v2: unsupported tensor subclass');
      if (!func || typeof func.call !== 'function' || !Array.isArray(args)) {
        throw new Error('_rebuild_from_type_v2: bad arguments');
      }
      return func.call(args);
    },
  });
  for (const np of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    g.set(`${np}.scalar`, { call: (a) => decodeNumpyScalar(a[0], a[1]) });
  }
  g.set('numpy.dtype', {
    call: (a) => {
      if (typeof a[0] !== 'string') throw new Error('numpy.dtype: expected a type code');
      return { numpyDtype: a[0], byteorder: '=' } satisfies NumpyDtype;
    },
  });
  return g;
}

/** The `findGlobal` of one read: the allow-list, with tensor copies charged to `budget`. */
function globalFinder(budget: CopyBudget): (module: string, name: string) => PyGlobal | undefined {
  const globals = makeGlobals(budget);
  return (module, name) => {
    const entry = globals.get(`${module}.${name}`);
    return entry ? { module, name, ...entry } : undefined;
  };
}

function build(obj: unknown, state: unknown): boolean {
  if (typeof obj === 'object' && obj !== null && 'numpyDtype' in obj && Array.isArray(state)) {
    // numpy dtype state: (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    if (typeof state[1] === 'string') (obj as NumpyDtype).byteorder = state[1];
    return true;
  }
  return false;
}

function storageKey(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error('storage key is not a string');
}

function storageDtype(v: unknown): DType {
  const g = v as PyGlobal;
  if (typeof g === 'object' && g !== null && STORAGE_DTYPE_SET.has(g.tag as DType)) {
    return g.tag as DType;
  }
  throw new Error(
    `unsupported storage type ${g && typeof g === 'object' ? `'${g.module}.${g.name}'` : String(v)}`,
  );
}

function swapBytes(data: Uint8Array, es: number): Uint8Array {
  if (es === 1) return data;
  const out = new Uint8Array(data.byteLength);
  for (let i = 0; i < data.byteLength; i += es)
    for (let b = 0; b < es; b++) out[i + b] = data[i + es - 1 - b]!;
  return out;
}

function readZipCheckpoint(bytes: Uint8Array, file: string, verify: boolean): unknown {
  const findGlobal = globalFinder(new CopyBudget(file, bytes.byteLength));
  const zip = new ZipReader(bytes, file);
  const names = [...zip.entries.keys()];
  const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? names.find((n) => n === 'data.pkl');
  if (!pkl) {
    if (names.some((n) => n.endsWith('/constants.pkl') || /(^|\/)code\//.test(n))) {
      throw new Error(`${file}: a TorchScript archive (torch.jit.save), not a torch.save checkpoint`);
    }
    throw new Error(`${file}: zip archive without data.pkl, not a torch.save checkpoint`);
  }
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  let bigEndian = false;
  if (zip.has(`${prefix}byteorder`)) {
    const order = Buffer.from(zip.read(`${prefix}byteorder`, verify))
      .toString('latin1')
      .trim();
    if (order !== 'little' && order !== 'big') throw new Error(`${file}: unknown byteorder '${order}'`);
    bigEndian = order === 'big';
  }
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`${file}: unsupported persistent id ${JSON.stringify(String(pid))}`);
    }
    const dtype = storageDtype(pid[1]);
    const key = storageKey(pid[2]);
    const cached = storages.get(key);
    if (cached) return cached;
    const entry = `${prefix}data/${key}`;
    if (!zip.has(entry)) throw new Error(`${file}: storage record '${entry}' is missing`);
    let data = zip.read(entry, verify);
    const es = elementSize(dtype);
    const n = expectInt(pid[4], 'storage size');
    if (data.byteLength < n * es) {
      throw new Error(
        `${file}: storage '${key}' has ${data.byteLength} bytes, needs ${n * es} (${n} x ${dtype})`,
      );
    }
    if (bigEndian) data = swapBytes(data, es);
    const storage = new Storage(dtype, Math.floor(data.byteLength / es));
    storage.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    storages.set(key, storage);
    return storage;
  };
  return unpickle(zip.read(pkl, verify), { findGlobal, persistentLoad, build, name: `${file}: ${pkl}` })
    .value;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readLegacyCheckpoint(bytes: Uint8Array, file: string): unknown {
  const budget = new CopyBudget(file, bytes.byteLength);
  const opts = { findGlobal: globalFinder(budget), build, name: `${file} (legacy format)` };
  const magic = unpickle(bytes, opts, 0);
  if (magic.value !== LEGACY_MAGIC) throw new Error(`${file}: not a torch.save file (bad magic number)`);
  const version = unpickle(bytes, opts, magic.end);
  if (version.value !== 1001)
    throw new Error(`${file}: unsupported legacy protocol version ${String(version.value)}`);
  const sysInfo = unpickle(bytes, opts, version.end);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new Error(`${file}: big-endian legacy checkpoints are not supported`);
  }
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid)) throw new Error(`${file}: unsupported persistent id`);
    if (pid[0] === 'module') return pid[1]; // a pickled nn.Module's source check: we only need the value
    if (pid[0] !== 'storage' || pid.length < 6)
      throw new Error(`${file}: unsupported persistent id '${pid[0]}'`);
    const dtype = storageDtype(pid[1]);
    const rootKey = storageKey(pid[2]);
    const n = expectInt(pid[4], 'storage size');
    let root = storages.get(rootKey);
    if (!root) {
      root = new Storage(dtype, n);
      storages.set(rootKey, root);
    }
    const viewMeta = pid[5];
    if (viewMeta === null || viewMeta === undefined) return root;
    if (!Array.isArray(viewMeta) || viewMeta.length !== 3)
      throw new Error(`${file}: bad storage view metadata`);
    const viewKey = storageKey(viewMeta[0]);
    let v = storages.get(`view:${viewKey}`);
    if (!v) {
      v = new Storage(
        dtype,
        expectInt(viewMeta[2], 'view size'),
        root,
        expectInt(viewMeta[1], 'view offset'),
      );
      storages.set(`view:${viewKey}`, v);
    }
    return v;
  };
  const main = unpickle(bytes, { ...opts, persistentLoad }, sysInfo.end);
  const keys = unpickle(bytes, opts, main.end);
  if (!Array.isArray(keys.value)) throw new Error(`${file}: legacy storage key list missing`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const k of keys.value) {
    const key = storageKey(k);
    const s = storages.get(key);
    if (!s) throw new Error(`${file}: storage '${key}' listed but never referenced`);
    if (pos + 8 > bytes.byteLength)
      throw new Error(`${file}: storage '${key}' header is past the end (truncated?)`);
    const n = Number(view.getBigInt64(pos, true));
    pos += 8;
    const len = n * elementSize(s.dtype);
    if (n !== s.numel) throw new Error(`${file}: storage '${key}' holds ${n} elements, expected ${s.numel}`);
    if (pos + len > bytes.byteLength)
      throw new Error(`${file}: storage '${key}' data is past the end (truncated?)`);
    s.data = bytes.subarray(pos, pos + len);
    if (s.data.byteOffset % elementSize(s.dtype) !== 0) s.data = new Uint8Array(s.data);
    else s.data = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    pos += len;
  }
  return resolvePending(main.value, new Set(), budget);
}

/** Replaces every PendingTensor in the object graph (in place where possible) with its RawTensor. */
function resolvePending(
  value: unknown,
  seen: Set<object>,
  budget: CopyBudget,
  cache = new Map<PendingTensor, RawTensor>(),
): unknown {
  if (value instanceof PendingTensor) {
    let t = cache.get(value);
    if (!t) {
      t = materialize(value, budget);
      cache.set(value, t);
    }
    return t;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = resolvePending(value[i], seen, budget, cache);
  } else if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, resolvePending(v, seen, budget, cache));
    const attrs = pyAttributes(value);
    if (attrs) resolvePending(attrs, seen, budget, cache);
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const it of items) value.add(resolvePending(it, seen, budget, cache));
  }
  return value;
}

/**
 * Reads a `torch.save` checkpoint (path or bytes) into a JavaScript object graph: dicts become Maps, lists and
 * tuples arrays, sets Sets, bytes Uint8Arrays, ints numbers (bigint beyond 2^53), tensors and parameters
 * {@link RawTensor}s (views into the file's bytes when contiguous, shared storages included). Supports the
 * zip format (stored or deflated entries, ZIP64) and the legacy pre-1.6 format.
 * @throws on a corrupt or truncated file, or one that references anything outside the allow-list
 *   (e.g. `os.system`): a checkpoint never runs code.
 */
export function readPth(source: string | Uint8Array, options: ReadPthOptions = {}): unknown {
  const file = options.name ?? (typeof source === 'string' ? source : '<bytes>');
  const buf = typeof source === 'string' ? readFileSync(source) : source;
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    return readZipCheckpoint(bytes, file, options.verifyChecksums ?? false);
  }
  if (bytes.byteLength >= 262 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar') {
    throw new Error(
      `${file}: legacy tar-based torch.save format (PyTorch < 0.4) is not supported; re-save it with a newer PyTorch`,
    );
  }
  if (bytes.byteLength >= 2 && bytes[0] === 0x80) {
    if (bytes[1]! <= 2 && bytes[2] === 0x8a) return readLegacyCheckpoint(bytes, file);
    const findGlobal = globalFinder(new CopyBudget(file, bytes.byteLength));
    return unpickle(bytes, { findGlobal, build, name: file }).value;
  }
  throw new Error(`${file}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);
}

/**
 * Loads a model state dict (name -> tensor) from a checkpoint: Coqui's `{"model": state_dict, "config": ...,
 * "step": ...}` layout, any `{key: state_dict}` layout via `options.key`, `{"state_dict": ...}`, or a bare state
 * dict. Errors name the offending entry if the dict holds anything other than tensors.
 */
export function loadPthStateDict(
  source: string | Uint8Array,
  options: LoadStateDictOptions = {},
): Map<string, RawTensor> {
  const file = options.name ?? (typeof source === 'string' ? source : '<bytes>');
  return stateDictOf(readPth(source, options), file, options.key);
}

/**
 * The model state dict inside an unpickled checkpoint (`readPth` output), found as {@link loadPthStateDict}
 * finds it; for callers that also need other entries of the checkpoint (its `config`) without reading it twice.
 */
export function stateDictOf(root: unknown, file: string, key?: string): Map<string, RawTensor> {
  if (!(root instanceof Map)) throw new Error(`${file}: checkpoint is not a dict`);
  let sd: unknown;
  if (key !== undefined) {
    if (!root.has(key)) {
      throw new Error(
        `${file}: checkpoint has no '${key}' (keys: ${[...root.keys()].map(String).join(', ')})`,
      );
    }
    sd = root.get(key);
  } else if (root.get('model') instanceof Map) {
    sd = root.get('model');
  } else if (root.get('state_dict') instanceof Map) {
    sd = root.get('state_dict');
  } else {
    sd = root;
  }
  if (!(sd instanceof Map)) throw new Error(`${file}: state dict is not a dict`);
  const out = new Map<string, RawTensor>();
  for (const [k, v] of sd) {
    if (typeof k !== 'string') throw new Error(`${file}: state dict key ${String(k)} is not a string`);
    if (!isRawTensor(v)) {
      const kind = v === null ? 'None' : Array.isArray(v) ? 'list' : v instanceof Map ? 'dict' : typeof v;
      throw new Error(`${file}: state dict entry '${k}' is not a tensor (${kind})`);
    }
    out.set(k, v);
  }
  return out;
}

/** Most values (counting a shared one at each place it appears) {@link toPlain} expands a graph into. */
export const MAX_PLAIN_VALUES = 1_000_000;

/**
 * Converts an unpickled graph to plain JSON-like data: Maps whose keys are all strings become plain objects,
 * other Maps stay Maps, Sets stay Sets; tensors and bytes are kept as they are. Handy for configs.
 * A pickle can share one list at many places (memo references): 64 nested `[a, a]` take 500 bytes and expand
 * to 2^64 values. Each shared value is converted once and stays shared, and a graph that would expand to
 * more than `maxValues` values (or holds a cycle: JSON has none) is refused before anything is converted.
 * @throws Error saying so.
 */
export function toPlain(value: unknown, maxValues = MAX_PLAIN_VALUES): unknown {
  const sizes = new Map<object, number>();
  const sizeOf = (v: unknown, path: Set<object>): number => {
    if (typeof v !== 'object' || v === null || !(Array.isArray(v) || v instanceof Map || v instanceof Set))
      return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (path.has(v)) throw new Error('the data holds a cycle (a value that contains itself)');
    path.add(v);
    let n = 1;
    const children = v instanceof Map ? [...v.keys(), ...v.values()] : [...v];
    for (const c of children) {
      n += sizeOf(c, path);
      if (n > maxValues) break;
    }
    path.delete(v);
    sizes.set(v, n);
    if (n > maxValues)
      throw new Error(
        `the data expands to more than ${maxValues} values (shared references nested too deep)`,
      );
    return n;
  };
  sizeOf(value, new Set());
  const done = new Map<object, unknown>();
  const convert = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const seen = done.get(v);
    if (seen !== undefined) return seen;
    let out: unknown = v;
    if (Array.isArray(v)) out = v.map(convert);
    else if (v instanceof Set) out = new Set([...v].map(convert));
    else if (v instanceof Map) {
      const entries = [...v].map(([k, x]) => [k, convert(x)] as const);
      if (entries.every(([k]) => typeof k === 'string')) {
        const obj: Record<string, unknown> = {};
        for (const [k, x] of entries) {
          Object.defineProperty(obj, k as string, {
            value: x,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        out = obj;
      } else out = new Map(entries);
    }
    done.set(v, out);
    return out;
  };
  return convert(value);
}
