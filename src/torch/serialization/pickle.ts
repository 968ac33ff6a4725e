/**
 * A restricted pickle virtual machine (protocols 0-5) in TypeScript. It never runs code: GLOBAL/STACK_GLOBAL
 * are resolved only through a caller-supplied allow-list, and opcodes that can instantiate arbitrary classes
 * without going through it (INST, OBJ, EXT1/2/4) or that need out-of-band data are refused.
 *
 * Python values map to JavaScript as: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
 * float -> number, str -> string, bytes/bytearray -> Uint8Array, tuple/list -> array, dict -> Map,
 * set/frozenset -> Set; everything else is whatever the allow-list's handlers build.
 */

/** A resolved global: the allow-list entry for `module.name`. */
export interface PyGlobal {
  readonly module: string;
  readonly name: string;
  /** Called by REDUCE (`f(*args)`). */
  call?: (args: unknown[]) => unknown;
  /** Called by NEWOBJ/NEWOBJ_EX (`cls.__new__(cls, *args, **kwargs)`). */
  newObj?: (args: unknown[], kwargs: Map<unknown, unknown>) => unknown;
  /** Extra data attached by the allow-list (e.g. the dtype of a storage class). */
  readonly tag?: unknown;
}

/** Handles BUILD (`obj.__setstate__(state)`) for objects the allow-list created; return true if handled. */
export type BuildHandler = (obj: unknown, state: unknown) => boolean;

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** Resolves `module.name` to an allowed global, or returns undefined to refuse it. */
  findGlobal: (module: string, name: string) => PyGlobal | undefined;
  /** Resolves a persistent id (BINPERSID/PERSID); if absent, persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Handles BUILD on allow-list objects; dicts' attributes are always accepted (see {@link pyAttributes}). */
  build?: BuildHandler;
  /** Name of the pickle in error messages. */
  name?: string;
}

/** Result of {@link unpickle}: the value and the offset just past its STOP opcode. */
export interface UnpickleResult {
  value: unknown;
  end: number;
}

const attributes = new WeakMap<object, Map<unknown, unknown>>();

/**
 * Instance attributes that BUILD attached to a dict-like object (e.g. the `_metadata` of a state dict's
 * OrderedDict), or undefined.
 */
export function pyAttributes(obj: object): Map<unknown, unknown> | undefined {
  return attributes.get(obj);
}

const OPCODE_NAMES: Record<number, string> = {
  105: 'INST',
  111: 'OBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

function toInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Decodes a little-endian two's-complement integer (LONG1/LONG4 payload). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return toInt(v);
}

/** Decodes Python's raw-unicode-escape (the UNICODE opcode's text encoding). */
function decodeRawUnicodeEscape(bytes: Uint8Array): string {
  const s = Buffer.from(bytes).toString('latin1');
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string, b: string) =>
    String.fromCodePoint(Number.parseInt(a ?? b, 16)),
  );
}

/** Parses a protocol-0 STRING argument: a quoted Python string literal with escapes. */
function decodeStringLiteral(text: string): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2) {
    throw new Error(`STRING argument is not quoted: ${text.slice(0, 40)}`);
  }
  const body = text.slice(1, -1);
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
  };
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return simple[e] ?? `\\${e}`;
  });
}

/**
 * Runs the pickle that starts at `offset` in `bytes` up to its STOP opcode.
 * @throws on malformed data, a refused global, a refused opcode, or a truncated stream.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, offset = 0): UnpickleResult {
  const label = options.name ?? 'pickle';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let pos = offset;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string): never => {
    throw new Error(`${label}: ${msg}`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.byteLength) fail(`unexpected end of data at offset ${pos} (truncated?)`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.byteLength)) fail(`length ${v} at offset ${pos - 8} exceeds the data`);
    return Number(v);
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail(`unterminated line at offset ${pos} (truncated?)`);
    const s = latin1(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) fail('MARK not found');
    stack = prev!;
    return items;
  };
  const resolve = (module: string, name: string): PyGlobal => {
    const g = options.findGlobal(module, name);
    if (!g)
      fail(
        `refusing to load global '${module}.${name}': not in the allow-list (a checkpoint must not run code)`,
      );
    return g!;
  };
  const asDict = (d: unknown, op: string): Map<unknown, unknown> => {
    if (!(d instanceof Map)) fail(`${op} on a non-dict`);
    return d as Map<unknown, unknown>;
  };
  const setItems = (d: Map<unknown, unknown>, items: unknown[]) => {
    if (items.length % 2) fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]) => {
    if (Array.isArray(l)) l.push(...items);
    else if (l instanceof Set) for (const it of items) l.add(it);
    else fail('APPEND(S) on a non-list');
  };
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`memo key ${i} not found`);
    return memo.get(i);
  };
  const persistent = (pid: unknown) => {
    if (!options.persistentLoad) fail('persistent id found but no persistent loader is set');
    return options.persistentLoad!(pid);
  };

  for (;;) {
    const opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`unsupported pickle protocol ${bytes[pos - 1]}`);
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      // --- constants and scalars ---
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x49: {
        // INT (protocol 0), also encodes True/False
        const s = line().trim();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else if (/^[+-]?\d+$/.test(s)) stack.push(toInt(BigInt(s)));
        else fail(`bad INT '${s}'`);
        break;
      }
      case 0x4c: {
        // LONG (protocol 0)
        const s = line().trim().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(s)) fail(`bad LONG '${s}'`);
        stack.push(toInt(BigInt(s)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (protocol 0)
        const s = line().trim();
        const v = /^[+-]?inf$/i.test(s)
          ? s.startsWith('-')
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY
          : /^[+-]?nan$/i.test(s)
            ? Number.NaN
            : Number(s);
        if (Number.isNaN(v) && !/nan/i.test(s)) fail(`bad FLOAT '${s}'`);
        stack.push(v);
        break;
      }
      // --- strings and bytes ---
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x56: // UNICODE (protocol 0)
        stack.push(decodeRawUnicodeEscape(Buffer.from(line(), 'latin1')));
        break;
      case 0x53: // STRING (protocol 0, Python 2 str: decoded as latin-1)
        stack.push(decodeStringLiteral(line()));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(take(u8())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(take(u32())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(take(u64())));
        break;
      // --- containers ---
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: {
        // LIST (popMark replaces `stack`, so take the items before pushing)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: {
        // DICT
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = new Set(popMark());
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const target = top();
        if (op === 0x90 && !(target instanceof Set)) fail('ADDITEMS on a non-set');
        appendItems(target, items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), 'SETITEM').set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(asDict(top(), 'SETITEMS'), items);
        break;
      }
      // --- memo ---
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x67: // GET
        stack.push(memoGet(Number.parseInt(line(), 10)));
        break;
      // --- globals, calls, objects ---
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = pop() as PyGlobal;
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        if (typeof f !== 'object' || f === null || typeof f.call !== 'function') {
          fail(
            `REDUCE on a non-callable${f && typeof f === 'object' && 'name' in f ? ` '${f.module}.${f.name}'` : ''}`,
          );
        }
        stack.push(f.call!(args as unknown[]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop() as PyGlobal;
        if (!Array.isArray(args)) fail('NEWOBJ arguments are not a tuple');
        if (typeof cls !== 'object' || cls === null || typeof cls.newObj !== 'function') {
          fail('NEWOBJ on a class that cannot be instantiated');
        }
        stack.push(cls.newObj!(args as unknown[], new Map()));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop() as PyGlobal;
        if (!Array.isArray(args) || !(kwargs instanceof Map)) fail('bad NEWOBJ_EX arguments');
        if (typeof cls !== 'object' || cls === null || typeof cls.newObj !== 'function') {
          fail('NEWOBJ_EX on a class that cannot be instantiated');
        }
        stack.push(cls.newObj!(args as unknown[], kwargs as Map<unknown, unknown>));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (options.build?.(obj, state)) break;
        if (obj instanceof Map && state instanceof Map) {
          const attrs = attributes.get(obj) ?? new Map();
          for (const [k, v] of state) attrs.set(k, v);
          attributes.set(obj, attrs);
          break;
        }
        if (obj instanceof Map && Array.isArray(state) && state.length === 2 && state[0] instanceof Map) {
          const attrs = attributes.get(obj) ?? new Map();
          for (const [k, v] of state[0] as Map<unknown, unknown>) attrs.set(k, v);
          attributes.set(obj, attrs);
          break;
        }
        fail('BUILD on an object the allow-list does not know how to set state on');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      default: {
        const name = OPCODE_NAMES[op];
        if (name) fail(`refusing opcode ${name} at offset ${opPos} (not allowed in a checkpoint)`);
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${opPos}`);
      }
    }
  }
}
