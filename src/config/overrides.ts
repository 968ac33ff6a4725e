/**
 * Command-line overrides of config fields, nested and indexed, in ribbit's syntax and Coqui's:
 *
 *   --audio.sampleRate=16000   --audio.sampleRate 16000   --coqpit.audio.sample_rate 16000
 *   --datasets.0.path=/data    --runEval false            --runEval (a bare boolean flag is true)
 *   --testSentences '["a","b"]'                            --coqpit.test_sentences a b   (Coqui's nargs form)
 *   --optimizerParams.weight_decay 0.01                    --characters.pad "<PAD>"
 *
 * Values are typed by the schema (`"16000"` -> 16000 for an int field), then the whole config is validated;
 * every problem (unknown field, unparsable or out-of-range value) is reported in one ConfigError.
 */
import { ConfigError, type ConfigProblem, showValue } from './errors.ts';
import { parsePythonJson } from './json.ts';
import { configClassFor, coquiNameOf } from './registry.ts';
import {
  type AnyConfigClass,
  type ConfigClass,
  configClassOf,
  expectedText,
  type Field,
  type FieldDef,
  isPlainObject,
  normalizeValue,
  suggestField,
} from './schema.ts';

/** Options of `applyOverrides`. */
export interface OverrideOptions {
  /** The config's class; default: the class that created it, else the one registered for its `model`. */
  configClass?: AnyConfigClass;
  /** Pass `--name` options whose first segment is not a field on in `rest` instead of reporting them
   * (never for `--coqpit.` options). Default false. */
  allowUnknown?: boolean;
}

/** What `applyOverrides` returns. */
export interface OverrideResult<T> {
  /** A new, validated config (the input is not modified). */
  config: T;
  /** The arguments that were not overrides: positionals, everything from a bare `--` on, and (with
   * `allowUnknown`) unknown options. */
  rest: string[];
}

interface Step {
  key: string | number;
  /** The field at this step (undefined inside a free-form dict). */
  field: Field | undefined;
}

type Resolved =
  | { steps: Step[]; leaf: Field | undefined }
  | { problem: ConfigProblem; firstUnknown: boolean };

function fieldNamed(cls: ConfigClass, segment: string): string | undefined {
  if (Object.hasOwn(cls.fields, segment)) return segment;
  for (const [name, field] of Object.entries(cls.fields))
    if (coquiNameOf(name, field) === segment) return name;
  return undefined;
}

function resolvePath(cls: ConfigClass, segments: string[]): Resolved {
  const steps: Step[] = [];
  let klass: ConfigClass | undefined = cls;
  let field: Field | undefined;
  let free = false;
  const pathSoFar = (seg: string) => [...steps.map((s) => s.key), seg].join('.');
  for (const seg of segments) {
    if (seg === '')
      return { problem: { path: pathSoFar(seg), message: 'empty path segment' }, firstUnknown: false };
    if (free) {
      if (seg === '__proto__' || seg === 'constructor' || seg === 'prototype') {
        return { problem: { path: pathSoFar(seg), message: 'reserved key' }, firstUnknown: false };
      }
      steps.push({ key: seg, field: undefined });
      continue;
    }
    if (klass !== undefined) {
      const name = fieldNamed(klass, seg);
      if (name === undefined) {
        const hint = suggestField(klass.fields, seg);
        return {
          problem: {
            path: pathSoFar(seg),
            message: `unknown field of ${klass.name}${hint ? `; did you mean "${hint}"?` : ''}`,
          },
          firstUnknown: steps.length === 0,
        };
      }
      field = klass.fields[name];
      steps.push({ key: name, field });
    } else if (field?.def.kind === 'array') {
      if (!/^\d+$/.test(seg)) {
        return {
          problem: { path: pathSoFar(seg), message: `expected an array index, got ${JSON.stringify(seg)}` },
          firstUnknown: false,
        };
      }
      field = field.def.item!;
      steps.push({ key: Number(seg), field });
    } else {
      return {
        problem: {
          path: pathSoFar(seg),
          message: `${steps.map((s) => s.key).join('.')} is ${field ? expectedText(field) : 'a value'}, not a nested config`,
        },
        firstUnknown: false,
      };
    }
    const kind: FieldDef['kind'] = field.def.kind;
    klass = kind === 'config' ? field.def.config : undefined;
    free =
      kind === 'record' ||
      kind === 'any' ||
      (kind === 'union' && field.def.options!.some((o) => o.def.kind === 'record' || o.def.kind === 'any'));
  }
  return { steps, leaf: free && steps.at(-1)?.field === undefined ? undefined : field };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function isBoolWord(s: string | undefined): boolean {
  if (s === undefined) return false;
  const l = s.toLowerCase();
  return TRUE.has(l) || FALSE.has(l) || l === 'null' || l === 'none';
}

function tryJson(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: parsePythonJson(raw) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function isPrimitiveKind(field: Field): boolean {
  return ['int', 'number', 'bool', 'string', 'enum', 'literal'].includes(field.def.kind);
}

/** A list item that a plain command-line token can be: a primitive, or a union with a primitive option. */
function takesPlainToken(field: Field): boolean {
  return isPrimitiveKind(field) || (field.def.kind === 'union' && field.def.options!.some(isPrimitiveKind));
}

/** Converts a command-line string to a value of `field`'s type (range and enum checks come later). */
export function coerceValue(
  field: Field | undefined,
  raw: string,
  path: string,
  problems: ConfigProblem[],
): unknown {
  if (field === undefined || field.def.kind === 'any') {
    // Inside a dict, or an `any` field: JSON when it parses, else the string itself.
    const j = tryJson(raw);
    return j.ok ? j.value : raw;
  }
  const d = field.def;
  const bad = (extra = '') => {
    problems.push({ path, message: `expected ${expectedText(field)}, got ${JSON.stringify(raw)}${extra}` });
    return undefined;
  };
  if (d.nullable && (raw === 'null' || raw === 'None')) return null;
  switch (d.kind) {
    case 'int':
    case 'number': {
      const t = raw.trim();
      if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
      const n = Number(t);
      return t === '' || Number.isNaN(n) ? bad() : n;
    }
    case 'bool': {
      const l = raw.toLowerCase();
      if (TRUE.has(l)) return true;
      if (FALSE.has(l)) return false;
      return bad();
    }
    case 'string':
    case 'enum':
      return raw;
    case 'literal':
      return typeof d.values![0] === 'string' ? raw : tryJson(raw).ok ? parsePythonJson(raw) : raw;
    case 'array': {
      if (!raw.trimStart().startsWith('[') && takesPlainToken(d.item!)) {
        const one = coerceValue(d.item!, raw, `${path}.0`, problems);
        return [one];
      }
      const j = tryJson(raw);
      return j.ok ? j.value : bad(` (not a JSON array: ${j.error})`);
    }
    case 'config':
    case 'record': {
      const j = tryJson(raw);
      return j.ok ? j.value : bad(` (not a JSON object: ${j.error})`);
    }
    case 'union': {
      // Structured alternatives first when the text looks like JSON, then the primitive ones.
      const j = tryJson(raw);
      const structured = d.options!.filter((o) => !isPrimitiveKind(o));
      const primitive = d.options!.filter((o) => isPrimitiveKind(o));
      const looksJson = /^\s*[[{]/.test(raw);
      const order = looksJson ? [...structured, ...primitive] : [...primitive, ...structured];
      for (const option of order) {
        const sub: ConfigProblem[] = [];
        const v = isPrimitiveKind(option) ? coerceValue(option, raw, path, sub) : j.ok ? j.value : undefined;
        if (v === undefined || sub.length > 0) continue;
        normalizeValue(option, v, path, sub);
        if (sub.length === 0) return v;
      }
      return bad();
    }
  }
}

function deepMerge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const t = target[k];
    target[k] = isPlainObject(t) && isPlainObject(v) ? deepMerge(t, v) : v;
  }
  return target;
}

function freshContainer(step: Step, next: Step): unknown {
  const f = step.field;
  if (f?.def.kind === 'config') return f.def.config!.normalize({}, '', []);
  if (f?.def.kind === 'array' || typeof next.key === 'number') return [];
  return {};
}

function setAt(
  root: Record<string, unknown>,
  steps: Step[],
  value: unknown,
  problems: ConfigProblem[],
): void {
  let container: unknown = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const path = steps
      .slice(0, i + 1)
      .map((s) => s.key)
      .join('.');
    const last = i === steps.length - 1;
    if (Array.isArray(container)) {
      const index = step.key as number;
      if (index > container.length) {
        problems.push({
          path,
          message: `index ${index} is past the end (the array has ${container.length} items)`,
        });
        return;
      }
      if (index === container.length && !last) container.push(freshContainer(step, steps[i + 1]));
    } else if (!isPlainObject(container)) {
      problems.push({ path, message: `cannot set a field inside ${showValue(container)}` });
      return;
    }
    const holder = container as Record<string | number, unknown>;
    if (last) {
      const current = holder[step.key];
      holder[step.key] =
        step.field?.def.kind === 'config' && isPlainObject(current) && isPlainObject(value)
          ? deepMerge(current, value)
          : value;
      return;
    }
    if (holder[step.key] === null || holder[step.key] === undefined) {
      holder[step.key] = freshContainer(step, steps[i + 1]);
    }
    container = holder[step.key];
  }
}

/**
 * Applies command-line overrides to a config and returns a new validated config plus the arguments it did
 * not consume. Throws one ConfigError listing every problem (unknown field, bad value, out of range).
 */
export function applyOverrides<T extends object>(
  cfg: T,
  argv: readonly string[],
  options: OverrideOptions = {},
): OverrideResult<T> {
  const cls = (options.configClass as ConfigClass | undefined) ?? configClassOf(cfg) ?? configClassFor(cfg);
  const work = structuredClone(cfg) as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const coqpit = name.startsWith('coqpit.');
    if (coqpit) name = name.slice('coqpit.'.length);
    const next = argv[i + 1];
    const nextIsValue = next !== undefined && !next.startsWith('--');
    const resolved = resolvePath(cls, name.split('.'));
    if ('problem' in resolved) {
      if (resolved.firstUnknown && options.allowUnknown && !coqpit) {
        rest.push(arg);
        continue;
      }
      problems.push(resolved.problem);
      if (inline === undefined && nextIsValue) i++;
      continue;
    }
    const { steps, leaf } = resolved;
    const path = steps.map((s) => s.key).join('.');
    let value: unknown;
    if (inline !== undefined) {
      value = coerceValue(leaf, inline, path, problems);
    } else if (leaf?.def.kind === 'bool') {
      // A bare boolean flag is true; a following true/false/1/0/yes/no/null is its value.
      if (isBoolWord(next)) value = coerceValue(leaf, argv[++i], path, problems);
      else value = true;
    } else if (!nextIsValue) {
      problems.push({ path, message: `missing value (expected ${leaf ? expectedText(leaf) : 'a value'})` });
      continue;
    } else if (
      leaf?.def.kind === 'array' &&
      takesPlainToken(leaf.def.item!) &&
      !next.trimStart().startsWith('[')
    ) {
      // Coqui's nargs form: every following non-option token is an item.
      const items: unknown[] = [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        items.push(coerceValue(leaf.def.item!, argv[++i], `${path}.${items.length}`, problems));
      }
      value = items;
    } else {
      value = coerceValue(leaf, argv[++i], path, problems);
    }
    if (value === undefined) continue;
    setAt(work, steps, value, problems);
  }
  const config = cls.normalize(work, '', problems) as T;
  if (problems.length > 0) throw new ConfigError(problems, `${cls.name} (command-line overrides)`);
  return { config, rest };
}
