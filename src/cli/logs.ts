/**
 * `ribbit logs RUN`: the scalars of a run's TensorBoard event files, read without TensorBoard
 * (src/trainer/tensorboard/reader.ts): per tag the last value, min/max and step range; one series with
 * `--tag`; JSON with `--json`.
 */
import { existsSync } from 'node:fs';
import {
  findEventFiles,
  readScalars,
  type ScalarSummary,
  summarizeScalars,
} from '../trainer/tensorboard/reader.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';

/** A number in at most 6 significant digits (integers as they are). */
function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** The summary table: one row per tag, columns aligned. */
export function formatScalarTable(summaries: ReadonlyMap<string, ScalarSummary>): string {
  const head = ['TAG', 'LAST', 'AT STEP', 'MIN', 'MAX', 'STEPS', 'POINTS'];
  const rows = [...summaries].map(([tag, s]) => [
    tag,
    fmt(s.last),
    String(s.lastStep),
    fmt(s.min),
    fmt(s.max),
    s.firstStep === s.maxStep ? String(s.firstStep) : `${s.firstStep}-${s.maxStep}`,
    String(s.count),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "Print the scalars of a run's TensorBoard event files (no TensorBoard needed).",
  usage: 'ribbit logs RUN_FOLDER_OR_EVENT_FILE [--tag TAG] [--json]',
  description:
    'Reads every events.out.tfevents.* file under the path (CRC-checked) and prints, per scalar tag, the last\n' +
    'value and its step, the min and max, the step range and the number of points. --tag prints one series\n' +
    'as "STEP<TAB>VALUE" lines. A resumed run adds a file; its points follow the earlier ones.',
  options: [
    { name: 'tag', type: 'string', arg: 'TAG', help: 'Print this series (e.g. EvalStats/loss).' },
    {
      name: 'json',
      type: 'boolean',
      help: 'JSON: {tag: summary} or, with --tag, [{step, value, wallTime}].',
    },
  ],
  examples: [
    'ribbit logs runs/glow_tts-2026-11-24_101500',
    'ribbit logs runs/glow_tts-2026-11-24_101500 --tag EvalStats/loss',
    'ribbit logs runs/glow_tts-2026-11-24_101500 --json',
  ],
  async run(args) {
    const [path, ...extra] = args.positionals;
    if (!path) throw new UsageError('give a run folder or an event file (ribbit logs RUN_FOLDER)');
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (!existsSync(path)) throw new UsageError(`not found: ${path}`);
    const files = findEventFiles(path);
    if (files.length === 0)
      throw new UsageError(`no TensorBoard event files (events.out.tfevents.*) under ${path}`);
    const series = readScalars(path);
    const tag = args.options.tag as string | undefined;
    if (tag !== undefined) {
      const points = series.get(tag);
      if (!points) {
        const tags = [...series.keys()].sort();
        throw new UsageError(`no scalar tag "${tag}" in ${path}; tags: ${tags.join(', ') || '(none)'}`);
      }
      if (args.options.json) console.log(JSON.stringify(points));
      else for (const p of points) console.log(`${p.step}\t${p.value}`);
      return 0;
    }
    const summaries = new Map(
      [...series.keys()].sort().map((t) => [t, summarizeScalars(series.get(t) ?? [])] as const),
    );
    if (args.options.json) {
      console.log(JSON.stringify(Object.fromEntries(summaries)));
      return 0;
    }
    console.error(` > ${files.length} event file(s), ${summaries.size} scalar tag(s) in ${path}`);
    if (summaries.size > 0) console.log(formatScalarTable(summaries));
    return 0;
  },
};
