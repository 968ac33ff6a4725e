/**
 * The shape of a `ribbit` sub-command and a small argument parser shared by all of them.
 * Options are `--name value` or `--name=value`; `--flag` alone is `true`. Anything a command does not
 * declare is returned in `rest` (config overrides such as `--audio.sampleRate=16000`).
 */

export interface OptionSpec {
  name: string;
  /** 'string' takes a value; 'boolean' is a flag. */
  type: 'string' | 'boolean' | 'number';
  help: string;
  default?: string | number | boolean;
  /** Value placeholder in help, e.g. PATH. */
  arg?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: OptionSpec[];
  examples: string[];
  /** Whether unknown `--x` options are allowed (passed on as `rest`, e.g. config overrides). */
  allowOverrides?: boolean;
  /** More `--help` text that depends on the other arguments (e.g. the fields of the given config). */
  extraHelp?(argv: string[]): string;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  options: Record<string, string | number | boolean | undefined>;
  positionals: string[];
  /** Undeclared `--x[=v]` options, in order, as given. */
  rest: string[];
  verbose: boolean;
}

/** A user mistake: printed as one line without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function parseArgs(cmd: Command, argv: string[]): ParsedArgs {
  const byName = new Map(cmd.options.map((o) => [o.name, o]));
  const options: ParsedArgs['options'] = {};
  for (const o of cmd.options) if (o.default !== undefined) options[camel(o.name)] = o.default;
  const positionals: string[] = [];
  const rest: string[] = [];
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--verbose' || a === '-v') {
      verbose = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      if (!cmd.allowOverrides)
        throw new UsageError(`unknown option --${name} (see \`ribbit ${cmd.name} --help\`)`);
      rest.push(a);
      if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith('--')) rest.push(argv[++i]);
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (spec.type === 'boolean') {
      options[camel(name)] = value === undefined ? true : !['false', '0', 'no'].includes(value);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${value}'`);
      options[camel(name)] = n;
    } else {
      options[camel(name)] = value;
    }
  }
  return { options, positionals, rest, verbose };
}

/** The `--help` text of a command. */
export function helpText(cmd: Command): string {
  const lines = [`Usage: ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  {
    lines.push('', 'Options:');
    const rows = cmd.options.map((o) => [
      `  --${o.name}${o.type === 'boolean' ? '' : ` ${o.arg ?? o.type.toUpperCase()}`}`,
      `${o.help}${o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : ''}`,
    ]);
    rows.push(['  --verbose', 'Show stack traces on errors.']);
    const w = Math.max(...rows.map((r) => r[0].length)) + 2;
    for (const [a, b] of rows) lines.push(`${a.padEnd(w)}${b}`);
  }
  if (cmd.examples.length) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
