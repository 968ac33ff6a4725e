/**
 * Schema declaration for configs: one declaration gives the runtime schema (defaults, ranges, help, Coqui
 * names) and, through inference, the TypeScript type. No field is written twice.
 *
 * ```ts
 * export const AudioConfig = defineConfig('AudioConfig', {
 *   sampleRate: f.int(22050, { min: 1, help: 'Hz' }),
 *   melFmax: f.number(null, { nullable: true }),
 *   logFunc: f.enum(['np.log10', 'np.log'], 'np.log10'),
 * });
 * export type AudioConfig = ConfigOf<typeof AudioConfig>;
 * const cfg = AudioConfig.create({ sampleRate: 16000 }); // a plain, validated object
 * ```
 *
 * A field declared without a default (`f.string()`, `f.int(undefined, { help })`) is required. Defaults are
 * stored in input form and materialised afresh for every instance, so no two configs share an array or
 * object.
 */
import { ConfigError, type ConfigProblem, showValue } from './errors.ts';
import { camelToSnake } from './naming.ts';

/** The kinds of field a schema can declare. */
export type FieldKind =
  | 'int'
  | 'number'
  | 'bool'
  | 'string'
  | 'enum'
  | 'literal'
  | 'array'
  | 'config'
  | 'record'
  | 'any'
  | 'union';

/** Options every field accepts. */
export interface FieldOptions<N extends boolean = boolean> {
  /** `null` is an allowed value. */
  nullable?: N;
  /** One-line description, shown by `describeConfig` / `--help`. */
  help?: string;
  /** Coqui's snake_case name when it is not `camelToSnake(fieldName)`. */
  coquiName?: string;
}

/** Options of `f.int` and `f.number`: an inclusive range. */
export interface NumberOptions<N extends boolean = boolean> extends FieldOptions<N> {
  min?: number;
  max?: number;
  /** Accept `Infinity` / `-Infinity` (Python's `float("inf")`, e.g. `maxAudioLen`). */
  allowInfinity?: boolean;
}

/** Options of `f.config`. */
export interface ConfigFieldOptions<N extends boolean = boolean, Q extends boolean = boolean>
  extends FieldOptions<N> {
  /** The nested config must be given (it has no default). */
  required?: Q;
}

/** Runtime description of a field: what the validators, the override parser and `describeConfig` read. */
export interface FieldDef {
  readonly kind: FieldKind;
  readonly nullable: boolean;
  readonly required: boolean;
  /** The default in input form (undefined for a required field). */
  readonly default: unknown;
  readonly help?: string;
  readonly coquiName?: string;
  readonly min?: number;
  readonly max?: number;
  readonly allowInfinity?: boolean;
  /** `enum`: the allowed values; `literal`: the one value. */
  readonly values?: readonly (string | number | boolean)[];
  /** `array`: the item field. */
  readonly item?: Field;
  /** `config`: the nested config class. */
  readonly config?: ConfigClass;
  /** `union`: the alternatives, tried in order. */
  readonly options?: readonly Field[];
}

/**
 * A declared field. `T` is the value type in a config, `I` the type accepted by `create` (a partial for
 * nested configs), `R` whether the field is required. The type parameters exist only for inference.
 */
export class Field<T = unknown, I = T, R extends boolean = boolean> {
  declare readonly _out: T;
  declare readonly _in: I;
  declare readonly _required: R;
  /** The runtime description. */
  readonly def: FieldDef;

  constructor(def: FieldDef) {
    this.def = def;
  }
}

/** A config schema: field name -> field. */
export type Shape = Record<string, Field>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Nullish<T, N> = N extends true ? T | null : T;
type Req<D> = [D] extends [undefined] ? true : false;

/** The value type of a config with fields `S`. */
export type Infer<S extends Shape> = Simplify<{ -readonly [K in keyof S]: S[K]['_out'] }>;

type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K]['_required'] extends true ? K : never }[keyof S];

/** What `create` accepts: required fields, plus any others (nested configs as partials). */
export type ConfigInput<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: S[K]['_in'] } & { [K in Exclude<keyof S, RequiredKeys<S>>]?: S[K]['_in'] }
>;

type CreateArgs<S extends Shape> = [RequiredKeys<S>] extends [never]
  ? [input?: ConfigInput<S>]
  : [input: ConfigInput<S>];

/** `S` with the fields of `E` added or replaced. */
export type Extend<S extends Shape, E extends Shape> = {
  [K in keyof S | keyof E]: K extends keyof E ? E[K] : K extends keyof S ? S[K] : never;
};

/** The config type declared by a config class: `type X = ConfigOf<typeof X>`. */
export type ConfigOf<C> = C extends ConfigClass<infer S> ? Infer<S> : never;

/** The `create` input type of a config class. */
export type InputOf<C> = C extends ConfigClass<infer S> ? ConfigInput<S> : never;

/** A cross-field check; report problems with a path relative to the config. */
export type ConfigCheck<T> = (cfg: T, report: (path: string, message: string) => void) => void;

/** Options of `defineConfig`. */
export interface DefineOptions<T> {
  /** Description of the config as a whole. */
  help?: string;
  /** Cross-field checks, run after the fields validate. */
  check?: ConfigCheck<T>;
}

/** A declared config: its schema plus constructors and validators. Instances are plain objects. */
export interface ConfigClass<S extends Shape = Shape> {
  /** The config's name, used in messages (`BaseAudioConfig`). */
  readonly name: string;
  /** The fields, in declaration order. */
  readonly fields: Readonly<S>;
  /** The value of the `model` field when it is a literal (the registry key), else undefined. */
  readonly modelName: string | undefined;
  /** Description of the config. */
  readonly help: string | undefined;
  /** A new validated config: defaults, with `input` merged over them (nested configs deep-merged). */
  create(...input: CreateArgs<S>): Infer<S>;
  /** Validates an untyped value (e.g. parsed JSON), filling missing fields with defaults. Throws ConfigError. */
  parse(value: unknown): Infer<S>;
  /** Every problem of an untyped value; empty when it would parse. */
  check(value: unknown): ConfigProblem[];
  /** A new config class with `fields` added or replaced (replaced ones keep their position). */
  extend<E extends Shape>(
    name: string,
    fields: E,
    options?: DefineOptions<Infer<Extend<S, E>>>,
  ): ConfigClass<Extend<S, E>>;
  /** @internal Normalises `value` at `path`, appending problems; `base` supplies values for absent keys. */
  normalize(
    value: unknown,
    path: string,
    problems: ConfigProblem[],
    base?: Record<string, unknown>,
  ): Infer<S>;
}

/** Any config class, whatever its fields (for options that accept one). */
// biome-ignore lint/suspicious/noExplicitAny: a class of any shape; `ConfigClass<Shape>` is not a supertype.
export type AnyConfigClass = ConfigClass<any>;

// ---------------------------------------------------------------------------------------------------------
// Field constructors

function makeField(
  kind: FieldKind,
  dflt: unknown,
  opts: FieldOptions | undefined,
  extra: Partial<FieldDef> = {},
): Field<never, never, never> {
  const def: FieldDef = {
    kind,
    nullable: opts?.nullable === true,
    required: dflt === undefined,
    default: dflt,
    ...(opts?.help !== undefined ? { help: opts.help } : {}),
    ...(opts?.coquiName !== undefined ? { coquiName: opts.coquiName } : {}),
    ...extra,
  };
  return new Field(def) as Field<never, never, never>;
}

function numberExtra(opts: NumberOptions | undefined): Partial<FieldDef> {
  const extra: { min?: number; max?: number; allowInfinity?: boolean } = {};
  if (opts?.min !== undefined) extra.min = opts.min;
  if (opts?.max !== undefined) extra.max = opts.max;
  if (opts?.allowInfinity) extra.allowInfinity = true;
  return extra;
}

/** Field constructors. The first argument after any type description is the default; omit it (or pass
 * `undefined`) to make the field required. */
export const f = {
  /** An integer (Python `int`). */
  int<D extends number | null | undefined = undefined, N extends boolean = false>(
    dflt?: D,
    opts?: NumberOptions<N>,
  ): Field<Nullish<number, N>, Nullish<number, N>, Req<D>> {
    return makeField('int', dflt, opts, numberExtra(opts));
  },
  /** A floating-point number (Python `float`). NaN is never accepted. */
  number<D extends number | null | undefined = undefined, N extends boolean = false>(
    dflt?: D,
    opts?: NumberOptions<N>,
  ): Field<Nullish<number, N>, Nullish<number, N>, Req<D>> {
    return makeField('number', dflt, opts, numberExtra(opts));
  },
  /** A boolean. */
  bool<D extends boolean | null | undefined = undefined, N extends boolean = false>(
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<boolean, N>, Nullish<boolean, N>, Req<D>> {
    return makeField('bool', dflt, opts);
  },
  /** A string. */
  string<D extends string | null | undefined = undefined, N extends boolean = false>(
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<string, N>, Nullish<string, N>, Req<D>> {
    return makeField('string', dflt, opts);
  },
  /** One of a fixed set of strings. */
  enum<
    const V extends readonly string[],
    D extends V[number] | null | undefined = undefined,
    N extends boolean = false,
  >(
    values: V,
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<V[number], N>, Nullish<V[number], N>, Req<D>> {
    return makeField('enum', dflt, opts, { values: [...values] });
  },
  /** Exactly this value (a model config's `model` name); it is its own default. */
  literal<const V extends string | number | boolean>(
    value: V,
    opts?: Omit<FieldOptions<false>, 'nullable'>,
  ): Field<V, V, false> {
    return makeField('literal', value, opts, { values: [value] });
  },
  /** An array of `item` values (primitives or nested configs). */
  array<
    F extends Field,
    D extends readonly F['_in'][] | null | undefined = undefined,
    N extends boolean = false,
  >(
    item: F,
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<F['_out'][], N>, Nullish<F['_in'][], N>, Req<D>> {
    return makeField('array', dflt, opts, { item });
  },
  /**
   * A nested config. Its default is the class's defaults, or `dflt` (a partial input merged over them, or
   * `null` for a nullable field). `create`/load inputs are deep-merged over that default.
   */
  config<
    S extends Shape,
    D extends ConfigInput<S> | null | undefined = undefined,
    N extends boolean = false,
    Q extends boolean = false,
  >(
    cls: ConfigClass<S>,
    dflt?: D,
    opts?: ConfigFieldOptions<N, Q>,
  ): Field<Nullish<Infer<S>, N>, Nullish<ConfigInput<S>, N>, Q> {
    const required = opts?.required === true;
    const field = makeField('config', required ? undefined : (dflt ?? (dflt === null ? null : {})), opts, {
      config: cls as unknown as ConfigClass,
    });
    return field as Field<Nullish<Infer<S>, N>, Nullish<ConfigInput<S>, N>, Q>;
  },
  /** A free-form JSON object (Coqui's `dict` fields: `optimizerParams`, `lrSchedulerParams`); keys are
   * kept verbatim, also when importing Coqui configs. */
  record<D extends Record<string, unknown> | null | undefined = undefined, N extends boolean = false>(
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<Record<string, unknown>, N>, Nullish<Record<string, unknown>, N>, Req<D>> {
    return makeField('record', dflt, opts);
  },
  /** Any JSON value (including null). */
  any<D = undefined>(dflt?: D, opts?: Omit<FieldOptions, 'nullable'>): Field<unknown, unknown, Req<D>> {
    return makeField('any', dflt, { ...opts, nullable: true });
  },
  /** A value matching one of `options`, tried in order (Coqui's `Union[float, List[float]]`). */
  union<
    const U extends readonly Field[],
    D extends U[number]['_in'] | null | undefined = undefined,
    N extends boolean = false,
  >(
    options: U,
    dflt?: D,
    opts?: FieldOptions<N>,
  ): Field<Nullish<U[number]['_out'], N>, Nullish<U[number]['_in'], N>, Req<D>> {
    return makeField('union', dflt, opts, { options: [...options] });
  },
};

// ---------------------------------------------------------------------------------------------------------
// Describing fields

function rangeText(def: FieldDef): string {
  const { min, max } = def;
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/** A short type name: `int`, `float | null`, `"np.log10" | "np.log"`, `BaseDatasetConfig[]`. */
export function typeName(field: Field): string {
  const d = field.def;
  let t: string;
  switch (d.kind) {
    case 'int':
      t = 'int';
      break;
    case 'number':
      t = 'float';
      break;
    case 'bool':
      t = 'bool';
      break;
    case 'string':
      t = 'string';
      break;
    case 'enum':
    case 'literal':
      t = d.values!.map((v) => JSON.stringify(v)).join(' | ');
      break;
    case 'array': {
      const inner = typeName(d.item!);
      t = /[| ]/.test(inner) ? `(${inner})[]` : `${inner}[]`;
      break;
    }
    case 'config':
      t = d.config!.name;
      break;
    case 'record':
      t = 'dict';
      break;
    case 'any':
      return 'any';
    case 'union':
      t = d.options!.map((o) => typeName(o)).join(' | ');
      break;
  }
  return d.nullable ? `${t} | null` : t;
}

/** What a field allows, for error messages: `an integer in [512, 100000]`, `one of "a", "b" or null`. */
export function expectedText(field: Field): string {
  const d = field.def;
  let t: string;
  switch (d.kind) {
    case 'int':
      t = `an integer${rangeText(d)}`;
      break;
    case 'number':
      t = `a number${rangeText(d)}`;
      break;
    case 'bool':
      t = 'true or false';
      break;
    case 'string':
      t = 'a string';
      break;
    case 'enum':
      t = `one of ${d.values!.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'literal':
      t = JSON.stringify(d.values![0]);
      break;
    case 'array':
      t = `an array of ${typeName(d.item!)}`;
      break;
    case 'config':
      t = `an object (${d.config!.name})`;
      break;
    case 'record':
      t = 'an object (dict)';
      break;
    case 'any':
      return 'any JSON value';
    case 'union':
      t = d.options!.map((o) => expectedText(o)).join(' or ');
      break;
  }
  return d.nullable ? `${t} or null` : t;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/** Whether `v` is a plain object (not null, not an array, not a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function joinPath(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

function cloneJson(v: unknown, path: string, problems: ConfigProblem[]): unknown {
  try {
    return structuredClone(v);
  } catch {
    problems.push({ path, message: `expected a JSON value, got ${showValue(v)}` });
    return undefined;
  }
}

function checkNumber(field: Field, v: unknown, path: string, problems: ConfigProblem[]): number | undefined {
  const d = field.def;
  const bad = () => {
    problems.push({ path, message: `expected ${expectedText(field)}, got ${showValue(v)}` });
    return undefined;
  };
  if (typeof v !== 'number' || Number.isNaN(v)) return bad();
  if (!Number.isFinite(v)) {
    if (!d.allowInfinity) return bad();
  } else if (d.kind === 'int' && !Number.isInteger(v)) {
    return bad();
  }
  if ((d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max)) return bad();
  return v;
}

/**
 * Validates one field value and returns its normalised copy (defaults filled in nested configs, arrays and
 * objects copied). Problems are appended; the returned value is then meaningless.
 */
export function normalizeValue(
  field: Field,
  v: unknown,
  path: string,
  problems: ConfigProblem[],
  base?: unknown,
): unknown {
  const d = field.def;
  const bad = () => {
    problems.push({ path, message: `expected ${expectedText(field)}, got ${showValue(v)}` });
    return undefined;
  };
  if (v === null) return d.nullable ? null : bad();
  switch (d.kind) {
    case 'int':
    case 'number':
      return checkNumber(field, v, path, problems);
    case 'bool':
      return typeof v === 'boolean' ? v : bad();
    case 'string':
      return typeof v === 'string' ? v : bad();
    case 'enum':
    case 'literal':
      return d.values!.includes(v as string) ? v : bad();
    case 'array': {
      if (!Array.isArray(v)) return bad();
      return v.map((item, i) => normalizeValue(d.item!, item, joinPath(path, i), problems));
    }
    case 'config': {
      if (!isPlainObject(v)) return bad();
      const cls = d.config!;
      let merged: Record<string, unknown> | undefined = isPlainObject(base) ? base : undefined;
      if (merged === undefined && isPlainObject(d.default) && Object.keys(d.default).length > 0) {
        merged = cls.normalize(d.default, path, []) as Record<string, unknown>;
      }
      return cls.normalize(v, path, problems, merged);
    }
    case 'record':
      return isPlainObject(v) ? cloneJson(v, path, problems) : bad();
    case 'any':
      return v === undefined ? bad() : cloneJson(v, path, problems);
    case 'union': {
      for (const option of d.options!) {
        const sub: ConfigProblem[] = [];
        const out = normalizeValue(option, v, path, sub);
        if (sub.length === 0) return out;
      }
      return bad();
    }
  }
}

/** A fresh copy of a field's default (its problems appended, e.g. a missing required field). */
export function defaultValue(field: Field, path: string, problems: ConfigProblem[]): unknown {
  const d = field.def;
  if (d.required) {
    problems.push({ path, message: `missing required field (expected ${expectedText(field)})` });
    return undefined;
  }
  return normalizeValue(field, d.default, path, problems);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The field of `fields` closest to the unknown name `key` (camelCase or snake_case), if any is close. */
export function suggestField(fields: Shape, key: string): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [name, field] of Object.entries(fields)) {
    const candidates = [name, field.def.coquiName ?? camelToSnake(name)];
    for (const c of candidates) {
      if (c === key || c.toLowerCase().replace(/_/g, '') === lower.replace(/_/g, '')) return name;
      const score = editDistance(lower, c.toLowerCase());
      if (score < bestScore) {
        bestScore = score;
        best = name;
      }
    }
  }
  return bestScore <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

/** Maps every config object a class created to that class (used by `applyOverrides`, `saveConfig`). */
const classOfInstance = new WeakMap<object, ConfigClass>();

/** The config class that created `cfg` (via `create`/`parse`/load), if known. */
export function configClassOf(cfg: object): ConfigClass | undefined {
  return classOfInstance.get(cfg);
}

class ConfigClassImpl<S extends Shape> implements ConfigClass<S> {
  readonly name: string;
  readonly fields: Readonly<S>;
  readonly modelName: string | undefined;
  readonly help: string | undefined;
  readonly #checks: ConfigCheck<Infer<S>>[];

  constructor(name: string, fields: S, help: string | undefined, checks: ConfigCheck<Infer<S>>[]) {
    this.name = name;
    this.fields = Object.freeze({ ...fields });
    this.help = help;
    this.#checks = checks;
    const model = fields.model?.def;
    this.modelName = model?.kind === 'literal' ? String(model.values![0]) : undefined;
    // A bad default is a bug in the declaration: fail at definition time.
    const problems: ConfigProblem[] = [];
    for (const [key, field] of Object.entries(fields)) {
      if (!(field instanceof Field))
        throw new TypeError(`${name}.${key}: not a field (use f.int(), f.string(), ...)`);
      const d = field.def;
      if (d.required) continue;
      if (d.default === null && !d.nullable) {
        problems.push({ path: key, message: 'default is null but the field is not nullable' });
        continue;
      }
      normalizeValue(field, d.default, key, problems);
    }
    if (problems.length > 0) throw new ConfigError(problems, `defaults of ${name}`);
  }

  create(...input: CreateArgs<S>): Infer<S> {
    return this.parse(input[0] ?? {});
  }

  parse(value: unknown): Infer<S> {
    const problems: ConfigProblem[] = [];
    const out = this.normalize(value, '', problems);
    if (problems.length > 0) throw new ConfigError(problems, this.name);
    return out;
  }

  check(value: unknown): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    this.normalize(value, '', problems);
    return problems;
  }

  extend<E extends Shape>(
    name: string,
    fields: E,
    options: DefineOptions<Infer<Extend<S, E>>> = {},
  ): ConfigClass<Extend<S, E>> {
    const merged = { ...this.fields, ...fields } as unknown as Extend<S, E>;
    const checks = [...this.#checks] as unknown as ConfigCheck<Infer<Extend<S, E>>>[];
    if (options.check) checks.push(options.check);
    return new ConfigClassImpl(name, merged, options.help ?? this.help, checks);
  }

  normalize(
    value: unknown,
    path: string,
    problems: ConfigProblem[],
    base?: Record<string, unknown>,
  ): Infer<S> {
    if (!isPlainObject(value)) {
      problems.push({ path, message: `expected an object (${this.name}), got ${showValue(value)}` });
      return {} as Infer<S>;
    }
    const before = problems.length;
    const fields = this.fields as Shape;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(fields, key)) continue;
      const hint = suggestField(fields, key);
      problems.push({
        path: joinPath(path, key),
        message: `unknown field of ${this.name} (got ${showValue(value[key])})${hint ? `; did you mean "${hint}"?` : ''}`,
      });
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      const p = joinPath(path, key);
      const v = value[key];
      if (v !== undefined) out[key] = normalizeValue(field, v, p, problems, base?.[key]);
      else if (base !== undefined && Object.hasOwn(base, key)) out[key] = cloneJson(base[key], p, problems);
      else out[key] = defaultValue(field, p, problems);
    }
    if (problems.length === before) {
      for (const check of this.#checks) {
        check(out as Infer<S>, (at, message) => problems.push({ path: joinPath(path, at), message }));
      }
    }
    classOfInstance.set(out, this as unknown as ConfigClass);
    return out as Infer<S>;
  }
}

/**
 * Declares a config class. `fields` order is the order of JSON output and `describeConfig`; a literal
 * `model` field (`f.literal('glow_tts')`) makes the class registrable with `registerConfig`.
 */
export function defineConfig<S extends Shape>(
  name: string,
  fields: S,
  options: DefineOptions<Infer<S>> = {},
): ConfigClass<S> {
  return new ConfigClassImpl(name, fields, options.help, options.check ? [options.check] : []);
}

/** Validates a typed config (e.g. after editing it by hand) and returns a normalised copy; throws ConfigError. */
export function validateConfig<S extends Shape>(cls: ConfigClass<S>, cfg: Infer<S>): Infer<S> {
  return cls.parse(cfg);
}
