/**
 * Model-config registry and loading: `registerConfig` files a config class under its literal `model` name,
 * `loadConfig` reads a ribbit or Coqui `config.json` and picks the class from its `model` field, and
 * `fromCoquiJson` maps Coqui's snake_case keys onto a ribbit schema, reporting (not dropping silently) the
 * Coqui fields ribbit does not have.
 */
import { ConfigError, showValue } from './errors.ts';
import { readJsonFile } from './json.ts';
import { camelToSnake } from './naming.ts';
import {
  type AnyConfigClass,
  type ConfigClass,
  configClassOf,
  type Field,
  type Infer,
  isPlainObject,
  type Shape,
} from './schema.ts';

const registry = new Map<string, ConfigClass>();

/** Registers a model config class under its `model` literal; returns the class. Re-registering the same
 * class is a no-op; another class under a taken name is an error. */
export function registerConfig<S extends Shape>(cls: ConfigClass<S>): ConfigClass<S> {
  const model = cls.modelName;
  if (model === undefined) {
    throw new TypeError(
      `registerConfig(${cls.name}): the config needs a literal model field (f.literal('name'))`,
    );
  }
  const existing = registry.get(model);
  if (existing !== undefined && existing !== (cls as unknown as ConfigClass)) {
    throw new Error(
      `registerConfig(${cls.name}): model "${model}" is already registered by ${existing.name}`,
    );
  }
  registry.set(model, cls as unknown as ConfigClass);
  return cls;
}

/** Removes a registration (mainly for tests). */
export function unregisterConfig(model: string): boolean {
  return registry.delete(model);
}

/** The registered model names, sorted. */
export function registeredModels(): string[] {
  return [...registry.keys()].sort();
}

/** The config class registered for `model`, or undefined. */
export function getConfigClass(model: string): ConfigClass | undefined {
  return registry.get(model);
}

function registeredText(): string {
  const models = registeredModels();
  return models.length > 0 ? `registered models: ${models.join(', ')}` : 'no model configs are registered';
}

/** The class for a config object's `model` field; a ConfigError naming the registered models otherwise. */
export function configClassFor(value: unknown): ConfigClass {
  const model = isPlainObject(value) ? value.model : undefined;
  if (typeof model !== 'string') {
    throw new ConfigError([
      { path: 'model', message: `expected a model name, got ${showValue(model)} (${registeredText()})` },
    ]);
  }
  const cls = registry.get(model);
  if (cls === undefined) {
    throw new ConfigError([
      { path: 'model', message: `unknown model ${JSON.stringify(model)} (${registeredText()})` },
    ]);
  }
  return cls;
}

/** Coqui's name of a field. */
export function coquiNameOf(name: string, field: Field): string {
  return field.def.coquiName ?? camelToSnake(name);
}

function coquiIndex(cls: ConfigClass): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, field] of Object.entries(cls.fields)) index.set(coquiNameOf(name, field), name);
  return index;
}

function mapCoquiValue(field: Field, value: unknown, path: string, ignored: string[]): unknown {
  const d = field.def;
  if (d.kind === 'config' && isPlainObject(value)) return mapCoquiObject(d.config!, value, path, ignored);
  if (d.kind === 'array' && Array.isArray(value)) {
    const item = d.item!;
    return value.map((v, i) => mapCoquiValue(item, v, `${path}.${i}`, ignored));
  }
  return value;
}

function mapCoquiObject(
  cls: ConfigClass,
  obj: Record<string, unknown>,
  path: string,
  ignored: string[],
): Record<string, unknown> {
  const index = coquiIndex(cls);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const name = index.get(key) ?? (Object.hasOwn(cls.fields, key) ? key : undefined);
    const at = path === '' ? key : `${path}.${key}`;
    if (name === undefined) {
      ignored.push(at);
      continue;
    }
    out[name] = mapCoquiValue(cls.fields[name], value, at, ignored);
  }
  return out;
}

/** Options of `fromCoquiJson` and `loadConfig`. */
export interface CoquiImportOptions {
  /** The class to load into; default: the one registered for the `model` field. */
  configClass?: AnyConfigClass;
  /** Receives the Coqui fields ribbit does not have (snake_case paths); default: one console warning. */
  onIgnored?: (paths: string[]) => void;
}

/** What `fromCoquiJson` returns. */
export interface CoquiImport<T> {
  config: T;
  /** Coqui fields with no ribbit counterpart (snake_case paths, e.g. `encoder_params`, `datasets.0.foo`). */
  ignored: string[];
}

function reportIgnored(ignored: string[], cls: ConfigClass, onIgnored?: (paths: string[]) => void): void {
  if (ignored.length === 0) return;
  if (onIgnored) onIgnored(ignored);
  else
    console.warn(
      `[config] ${cls.name}: ignored Coqui fields that ribbit does not have: ${ignored.join(', ')}`,
    );
}

/**
 * Loads a Coqui `config.json` object (snake_case keys) into a ribbit config: keys are mapped to camelCase
 * recursively per the schema (dict fields such as `optimizer_params` keep their keys), missing fields take
 * ribbit's defaults, values are validated (ConfigError), and Coqui fields ribbit lacks are returned in
 * `ignored` and passed to `onIgnored`.
 */
export function fromCoquiJson<S extends Shape>(
  obj: unknown,
  options: CoquiImportOptions & { configClass: ConfigClass<S> },
): CoquiImport<Infer<S>>;
export function fromCoquiJson(
  obj: unknown,
  options?: CoquiImportOptions,
): CoquiImport<Record<string, unknown>>;
export function fromCoquiJson(
  obj: unknown,
  options: CoquiImportOptions = {},
): CoquiImport<Record<string, unknown>> {
  const cls = (options.configClass as ConfigClass | undefined) ?? configClassFor(obj);
  if (!isPlainObject(obj))
    throw new ConfigError([{ path: '', message: `expected an object, got ${showValue(obj)}` }]);
  const ignored: string[] = [];
  const input = mapCoquiObject(cls, obj, '', ignored);
  const config = cls.parse(input) as Record<string, unknown>;
  reportIgnored(ignored, cls, options.onIgnored);
  return { config, ignored };
}

function toCoquiValue(field: Field, value: unknown): unknown {
  const d = field.def;
  if (d.kind === 'config' && isPlainObject(value)) return toCoquiObject(d.config!, value);
  if (d.kind === 'array' && Array.isArray(value)) return value.map((v) => toCoquiValue(d.item!, v));
  return value;
}

function toCoquiObject(cls: ConfigClass, cfg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(cls.fields)) {
    if (cfg[name] !== undefined) out[coquiNameOf(name, field)] = toCoquiValue(field, cfg[name]);
  }
  return out;
}

/** A config with Coqui's snake_case keys (the inverse of `fromCoquiJson` for the fields ribbit has). */
export function toCoquiJson(cfg: object, cls?: AnyConfigClass): Record<string, unknown> {
  const klass = (cls as ConfigClass | undefined) ?? configClassOf(cfg) ?? configClassFor(cfg);
  return toCoquiObject(klass, klass.parse(cfg) as Record<string, unknown>);
}

/** Options of `loadConfig`. */
export interface LoadOptions extends CoquiImportOptions {
  /** Key style of the input: ribbit's camelCase, Coqui's snake_case, or `auto` (default): Coqui when a
   * top-level key is the snake_case name of a field and not a ribbit name. */
  format?: 'ribbit' | 'coqui' | 'auto';
}

function looksCoqui(cls: ConfigClass, obj: Record<string, unknown>): boolean {
  const index = coquiIndex(cls);
  return Object.keys(obj).some((k) => k.includes('_') && !Object.hasOwn(cls.fields, k) && index.has(k));
}

/**
 * Loads a config from a JSON file path or an already parsed object. The class is `configClass`, else the
 * one registered for the `model` field (a ConfigError lists the registered models when it is unknown).
 * Coqui configs (snake_case) are detected and imported with `fromCoquiJson`.
 */
export function loadConfig<S extends Shape>(
  source: string | object,
  options: LoadOptions & { configClass: ConfigClass<S> },
): Infer<S>;
export function loadConfig(source: string | object, options?: LoadOptions): Record<string, unknown>;
export function loadConfig(source: string | object, options: LoadOptions = {}): Record<string, unknown> {
  const obj = typeof source === 'string' ? readJsonFile(source) : source;
  const cls = (options.configClass as ConfigClass | undefined) ?? configClassFor(obj);
  const format = options.format ?? 'auto';
  if (format === 'coqui' || (format === 'auto' && isPlainObject(obj) && looksCoqui(cls, obj))) {
    return fromCoquiJson(obj, { ...options, configClass: cls }).config;
  }
  return cls.parse(obj) as Record<string, unknown>;
}
