/**
 * The single error type of the config system: every problem found in one pass (wrong type, out of range,
 * unknown key, missing required field, bad command-line value), one per line, each naming its field path.
 */

/** One problem with a config value. `path` is dotted with array indices: `audio.sampleRate`, `datasets.0.path`. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown when a config does not validate; `problems` lists every problem found, in field order. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Every problem, in the order found. */
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], context = 'config') {
    const n = problems.length;
    const lines = problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`);
    super(`invalid ${context} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

/** Renders a received value for an error message: JSON-ish, truncated to a readable length. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return String(value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
