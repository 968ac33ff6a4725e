/**
 * JSON in the dialect Python's `json` module writes and reads (what Coqui's `config.json` files are): like
 * standard JSON, plus bare `Infinity`, `-Infinity` and `NaN`. Saving writes them the same way, so a config
 * with `maxAudioLen: Infinity` round-trips and stays loadable by Coqui.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../util/atomic.ts';
import { type AnyConfigClass, type ConfigClass, configClassOf } from './schema.ts';

/** Stand-in for a non-finite number inside a JSON string: a NUL-prefixed tag no real config contains. */
const MARK = '\u0000ribbit-number:';
/** The same tag as it is written inside JSON text (escaped). */
const MARK_TEXT = '\\u0000ribbit-number:';

/** Parses JSON that may contain Python's bare `Infinity`, `-Infinity` and `NaN` (outside strings). */
export function parsePythonJson(text: string): unknown {
  let out = '';
  let i = 0;
  let last = 0;
  let replaced = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, honouring escapes.
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    const rest = text.startsWith('-Infinity', i)
      ? '-Infinity'
      : text.startsWith('Infinity', i)
        ? 'Infinity'
        : text.startsWith('NaN', i)
          ? 'NaN'
          : null;
    if (rest !== null) {
      out += `${text.slice(last, i)}"${MARK_TEXT}${rest}"`;
      i += rest.length;
      last = i;
      replaced = true;
      continue;
    }
    i++;
  }
  if (!replaced) return JSON.parse(text);
  out += text.slice(last);
  return JSON.parse(out, (_key, value) =>
    typeof value === 'string' && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : value,
  );
}

/**
 * Pretty JSON (2-space indent, trailing newline) with non-finite numbers written as Python does
 * (`Infinity`, `-Infinity`, `NaN`).
 */
export function toPythonJson(value: unknown): string {
  let special = false;
  const text = JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) {
        special = true;
        return `${MARK}${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}`;
      }
      return v;
    },
    2,
  );
  const body = special ? text.replace(/"\\u0000ribbit-number:(-?Infinity|NaN)"/g, '$1') : text;
  return `${body}\n`;
}

/** The JSON text of a config (validated against its class first when the class is known or given). */
export function configToJson(cfg: object, cls?: AnyConfigClass): string {
  const klass = (cls as ConfigClass | undefined) ?? configClassOf(cfg);
  const value = klass ? klass.parse(cfg) : cfg;
  return toPythonJson(value);
}

/** Writes a config as pretty JSON, atomically (temporary file + rename): readers never see half a file. */
export function saveConfig(cfg: object, path: string, cls?: AnyConfigClass): void {
  writeFileAtomicSync(path, configToJson(cfg, cls));
}

/** Reads a JSON file in Python's dialect (see `parsePythonJson`), naming the file in parse errors. */
export function readJsonFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return parsePythonJson(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}
