/**
 * Introspection for `--help`: every overridable field of a config class as a row (path, Coqui path, type,
 * default, help), nested configs expanded, arrays of configs as `datasets.<i>.path`.
 */
import { toPythonJson } from './json.ts';
import { coquiNameOf } from './registry.ts';
import { type AnyConfigClass, type ConfigClass, defaultValue, typeName } from './schema.ts';

/** One overridable field. */
export interface FieldRow {
  /** ribbit path: `audio.sampleRate`, `datasets.<i>.path`. */
  path: string;
  /** Coqui's path: `audio.sample_rate`, `datasets.<i>.path`. */
  coquiPath: string;
  /** Type name: `int`, `float | null`, `"np.log10" | "np.log"`, `BaseDatasetConfig[]`. */
  type: string;
  /** The default value (a fresh copy); undefined for a required field. */
  default: unknown;
  required: boolean;
  help: string;
}

/** Every field of `cls`, depth first in declaration order; nested configs get a row and their fields' rows. */
export function describeConfig(cls: AnyConfigClass): FieldRow[] {
  const rows: FieldRow[] = [];
  const walk = (klass: ConfigClass, path: string, coquiPath: string) => {
    for (const [name, field] of Object.entries(klass.fields)) {
      const d = field.def;
      const p = path ? `${path}.${name}` : name;
      const cp = coquiPath ? `${coquiPath}.${coquiNameOf(name, field)}` : coquiNameOf(name, field);
      rows.push({
        path: p,
        coquiPath: cp,
        type: typeName(field),
        default: d.required ? undefined : defaultValue(field, p, []),
        required: d.required,
        help: d.help ?? '',
      });
      if (d.kind === 'config') walk(d.config!, p, cp);
      else if (d.kind === 'array' && d.item!.def.kind === 'config')
        walk(d.item!.def.config!, `${p}.<i>`, `${cp}.<i>`);
    }
  };
  walk(cls as ConfigClass, '', '');
  return rows;
}

function showDefault(v: unknown): string {
  const text = toPythonJson(v)
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A help text listing every field as `--path <type>  help (default: ...)`, one per line. Nested config rows
 * (set as JSON) are included; `coqui: true` shows Coqui's `--coqpit.snake_path` names instead.
 */
export function formatConfigHelp(cls: AnyConfigClass, options: { coqui?: boolean } = {}): string {
  const rows = describeConfig(cls);
  const names = rows.map((r) => `--${options.coqui ? `coqpit.${r.coquiPath}` : r.path} <${r.type}>`);
  const width = Math.min(56, Math.max(...names.map((n) => n.length)));
  const lines = rows.map((r, i) => {
    const tail = r.required ? '(required)' : `(default: ${showDefault(r.default)})`;
    const help = r.help ? `${r.help} ` : '';
    return `  ${names[i].padEnd(width)}  ${help}${tail}`;
  });
  return `${cls.name}${cls.help ? `: ${cls.help}` : ''}\n${lines.join('\n')}\n`;
}
