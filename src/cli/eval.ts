/**
 * `ribbit eval`: objective voice-quality figures (MCD-DTW, F0 RMSE, voicing decision error, duration ratio)
 * of synthesized speech against reference recordings, either synthesized on the spot from a dataset's
 * sentences with a model, or read from two folders of same-named wavs.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readWav, writeWav } from '../audio/wav.js';
import { ljspeech } from '../data/formatters.js';
import { type Audio, DEFAULT_ANALYSIS, evaluatePair, type PairResult, summarize } from '../eval/index.js';
import type { Synthesizer } from '../inference/synthesizer.js';
import { ConsoleLogger } from '../trainer/console.js';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { vocoderChoiceOf } from './speak.js';

/** What `ribbit eval` needs from a synthesizer: text to speech, or a recording resynthesised (copy synthesis). */
export type EvalSynthesizer =
  | { synthesize(text: string): Promise<Audio> }
  | { copy(reference: Audio): Promise<Audio> };

/** One utterance to evaluate. */
interface Item {
  id: string;
  text?: string;
  ref: string;
  synth?: string;
}

/** One evaluated utterance: its id plus the figures. */
export interface EvalRow extends PairResult {
  id: string;
}

function listWavs(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a folder: ${dir}`);
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.wav'))
    .sort();
}

/** Same-named wavs of two folders (sorted by name); names only in one folder are returned apart. */
export function pairFolders(refDir: string, synthDir: string): { items: Item[]; unmatched: string[] } {
  const refs = new Set(listWavs(refDir));
  const items: Item[] = [];
  const unmatched: string[] = [];
  for (const f of listWavs(synthDir)) {
    if (refs.has(f))
      items.push({ id: f.replace(/\.wav$/i, ''), ref: join(refDir, f), synth: join(synthDir, f) });
    else unmatched.push(f);
  }
  return { items, unmatched };
}

/** Formats a figure for the table. */
function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** The per-utterance table with a mean row, columns aligned. */
export function formatTable(rows: readonly EvalRow[]): string {
  const head = ['id', 'MCD dB', 'F0 RMSE Hz', 'F0 RMSE ct', 'VDE %', 'dur ratio', 'frames s/r/path'];
  const line = (r: PairResult, id: string) => [
    id,
    fmt(r.mcd, 3),
    fmt(r.f0Rmse, 2),
    fmt(r.f0RmseCents, 1),
    fmt(r.vde * 100, 1),
    fmt(r.durationRatio, 3),
    `${r.frames.synth}/${r.frames.ref}/${r.frames.path}`,
  ];
  const body = rows.map((r) => line(r, r.id));
  const s = summarize(rows);
  const mean = [
    `mean (${s.count})`,
    fmt(s.mcd, 3),
    fmt(s.f0Rmse, 2),
    fmt(s.f0RmseCents, 1),
    fmt(s.vde * 100, 1),
    fmt(s.durationRatio, 3),
    '',
  ];
  const all = [head, ...body, mean];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const render = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(head), rule, ...body.map(render), rule, render(mean)].join('\n');
}

async function loadModel(o: Record<string, unknown>): Promise<EvalSynthesizer> {
  const inference = await import('../inference/load.js');
  const options = {
    modelPath: o.modelPath as string | undefined,
    configPath: o.configPath as string | undefined,
    vocoderPath: o.vocoderPath as string | undefined,
    vocoderConfigPath: o.vocoderConfigPath as string | undefined,
    vocoder: vocoderChoiceOf(o.vocoder),
    device: o.device as string | undefined,
  };
  try {
    if (o.copySynthesis === true) {
      const copy = (await import('../inference/tts_loader.js')).loadCopySynthesizer(options);
      return {
        copy: async ({ samples, sampleRate }) => ({
          samples: copy.resynthesize(samples, sampleRate),
          sampleRate: copy.sampleRate,
        }),
      };
    }
    const synth =
      typeof o.loader === 'string'
        ? await inference.loadFromModule(inference.resolveLoaderModule(o.loader), options)
        : await inference.loadSynthesizer(options);
    return { synthesize: (text) => (synth as Synthesizer).synthesize(text) };
  } catch (err) {
    throw new Error(
      `cannot load the model (${(err as Error).message}). Without a model, compare two folders of wavs: ` +
        'ribbit eval --ref-dir REF --synth-dir SYNTH',
    );
  }
}

export const evalCommand: Command = {
  name: 'eval',
  summary:
    'Objective voice quality vs reference recordings: MCD-DTW, F0 RMSE, voicing error, duration ratio.',
  usage:
    'ribbit eval [--model-path PATH [--config-path FILE]] --dataset DIR [--sentences N] [--offset K] [--json]\n' +
    '       ribbit eval --ref-dir DIR --synth-dir DIR [--json]',
  description:
    'With a model: speaks the sentences offset..offset+N-1 of an LJSpeech-format dataset (metadata.csv\n' +
    '`id|text|normalized text`, wavs/<id>.wav; use sentences the model was not trained on) and compares each\n' +
    'with its recording. With --ref-dir/--synth-dir: compares the same-named wavs of two folders.\n' +
    'Both signals are resampled to 22050 Hz and silence-trimmed (40 dB below the loudest 20 ms frame).\n' +
    'MCD: mel-cepstral distortion in dB over c1..cD (c0 excluded) of 80-band log mel spectra (1024-point\n' +
    'Hann, 220-sample hop), SPTK scaling, averaged over a DTW path. F0: YIN, 50-500 Hz; RMSE in Hz (and\n' +
    'cents) over DTW pairs voiced in both; VDE: share of DTW pairs whose voicing differs. Duration ratio:\n' +
    'synthesized / reference length after trimming. See docs/eval.md.',
  options: [
    { name: 'model-path', type: 'string', arg: 'FILE', help: 'Model checkpoint.' },
    {
      name: 'config-path',
      type: 'string',
      arg: 'FILE',
      help: "Model config JSON (default: the run's config.json).",
    },
    {
      name: 'vocoder-path',
      type: 'string',
      arg: 'FILE',
      help: "Vocoder checkpoint (default: the voice's vocoder/, else Griffin-Lim).",
    },
    { name: 'vocoder-config-path', type: 'string', arg: 'FILE', help: 'Vocoder config JSON.' },
    {
      name: 'vocoder',
      type: 'string',
      arg: 'KIND',
      help: "Without --vocoder-path: 'auto' (the voice's vocoder/, else Griffin-Lim), 'griffin-lim' or 'neural'.",
    },
    {
      name: 'copy-synthesis',
      type: 'boolean',
      help: "Vocode the references' own mels (the model's audio config) instead of speaking: the vocoder's floor.",
    },
    { name: 'device', type: 'string', arg: 'DEV', help: "'cpu' or 'cuda[:n]'." },
    {
      name: 'loader',
      type: 'string',
      arg: 'MODULE',
      help: "Loader module exporting loadSynthesizer(options), or 'fake' (default: the built-in loader).",
    },
    { name: 'dataset', type: 'string', arg: 'DIR', help: 'LJSpeech-format dataset with the reference wavs.' },
    { name: 'sentences', type: 'number', arg: 'N', help: 'Number of sentences to speak.', default: 10 },
    {
      name: 'offset',
      type: 'number',
      arg: 'K',
      help: 'Skip the first K sentences of metadata.csv.',
      default: 0,
    },
    {
      name: 'save-dir',
      type: 'string',
      arg: 'DIR',
      help: 'Also write the synthesized wavs there (<id>.wav).',
    },
    { name: 'ref-dir', type: 'string', arg: 'DIR', help: 'Folder of reference wavs.' },
    { name: 'synth-dir', type: 'string', arg: 'DIR', help: 'Folder of synthesized wavs (same file names).' },
    {
      name: 'order',
      type: 'number',
      arg: 'D',
      help: 'Cepstral order of the MCD: c1..cD (13 or 24).',
      default: DEFAULT_ANALYSIS.order,
    },
    { name: 'json', type: 'boolean', help: 'Print JSON ({settings, rows, mean}) instead of the table.' },
  ],
  examples: [
    'ribbit eval --model-path runs/glow_tts-2026-11-24_101500 \\\n' +
      '      --dataset data/demo-heldout --sentences 20',
    'ribbit eval --vocoder-path runs/demo_mb_melgan-2026-12-02_092814 --copy-synthesis \\\n' +
      "      --dataset data/demo-heldout --sentences 20   # the vocoder on the references' mels",
    'ribbit eval --ref-dir data/demo/wavs --synth-dir out/griffin-lim --order 24 --json > mcd.json',
    'ribbit make-demo-dataset --out data/heldout --sentences 20 --offset 400   # a held-out reference set',
  ],
  async run(args) {
    const o = args.options;
    const order = Number(o.order);
    if (!Number.isInteger(order) || order < 1 || order >= DEFAULT_ANALYSIS.nMels)
      throw new UsageError(`--order must be an integer in 1..${DEFAULT_ANALYSIS.nMels - 1}, got ${o.order}`);
    const folders = o.refDir !== undefined || o.synthDir !== undefined;
    if (folders && (typeof o.refDir !== 'string' || typeof o.synthDir !== 'string'))
      throw new UsageError('--ref-dir and --synth-dir go together');
    if (folders && o.dataset !== undefined)
      throw new UsageError('use either --dataset or --ref-dir/--synth-dir');
    if (!folders && typeof o.dataset !== 'string')
      throw new UsageError('give --dataset DIR (with a model) or --ref-dir DIR --synth-dir DIR');
    if (o.copySynthesis === true && (folders || o.loader !== undefined))
      throw new UsageError('--copy-synthesis vocodes a --dataset with the built-in loader');

    const log = new ConsoleLogger({ stream: o.json ? process.stderr : process.stdout });
    let items: Item[];
    let synthesizer: EvalSynthesizer | null = null;
    if (folders) {
      const paired = pairFolders(String(o.refDir), String(o.synthDir));
      items = paired.items;
      if (paired.unmatched.length)
        log.line(
          ` > ${paired.unmatched.length} wav(s) without a reference skipped: ${paired.unmatched.join(', ')}`,
        );
      if (!items.length) throw new UsageError(`no same-named wavs in ${o.refDir} and ${o.synthDir}`);
    } else {
      const sentences = Number(o.sentences);
      const offset = Number(o.offset);
      if (!Number.isInteger(sentences) || sentences < 1) throw new UsageError('--sentences must be >= 1');
      if (!Number.isInteger(offset) || offset < 0) throw new UsageError('--offset must be >= 0');
      const { samples, problems } = ljspeech(String(o.dataset), null);
      if (problems.length)
        log.line(` > ${problems.length} bad metadata line(s) skipped (first: ${problems[0].message})`);
      if (offset >= samples.length)
        throw new UsageError(`--offset ${offset} is past the dataset's ${samples.length} sentences`);
      items = samples.slice(offset, offset + sentences).map((s) => ({
        id: basename(s.audioFile).replace(/\.wav$/i, ''),
        text: s.text,
        ref: s.audioFile,
      }));
      synthesizer = await loadModel(o);
      if (typeof o.saveDir === 'string') mkdirSync(o.saveDir, { recursive: true });
    }

    const rows: EvalRow[] = [];
    const started = Date.now();
    for (const [k, item] of items.entries()) {
      log.progress(' evaluating', k, items.length, started, item.id);
      const refWav = readWav(item.ref);
      const ref: Audio = { samples: refWav.samples, sampleRate: refWav.sampleRate };
      let synth: Audio;
      if (synthesizer) {
        const out =
          'copy' in synthesizer ? await synthesizer.copy(ref) : await synthesizer.synthesize(item.text ?? '');
        synth = { samples: out.samples, sampleRate: out.sampleRate };
        if (typeof o.saveDir === 'string')
          writeWav(join(o.saveDir, `${item.id}.wav`), synth.samples, synth.sampleRate);
      } else {
        const w = readWav(item.synth as string);
        synth = { samples: w.samples, sampleRate: w.sampleRate };
      }
      rows.push({ id: item.id, ...evaluatePair(synth, ref, undefined, { order }) });
    }
    log.progress(' evaluating', items.length, items.length, started);
    log.endProgress();

    if (o.json) {
      const settings = { ...DEFAULT_ANALYSIS, order };
      const clean = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
      process.stdout.write(
        `${JSON.stringify({ settings, rows, mean: summarize(rows) }, (_k, v) => clean(v), 2)}\n`,
      );
    } else {
      log.line(formatTable(rows));
      log.line(
        ` > MCD over c1..c${order} (c0 excluded), dB; F0 RMSE over DTW pairs voiced in both; ` +
          `${rows.length} utterance(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    return 0;
  },
};
