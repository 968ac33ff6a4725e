/**
 * `ribbit eval`: objective voice-quality figures (MCD-DTW, F0 RMSE, voicing decision error, duration ratio)
 * of synthesized speech against reference recordings, either synthesized on the spot from a dataset's
 * sentences with a model, or read from two folders of same-named wavs; with `--asr`, the word error rate of
 * a speech recogniser on both (src/eval/asr.ts). Sentence sets (`--everyday`, `--sentences-file`) are
 * spoken by the model and by espeak-ng, the demo voices' teacher.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { readWav, writeWav } from '../audio/wav.ts';
import { ljspeech } from '../data/formatters.ts';
import {
  type AsrResult,
  type Audio,
  createRecognizer,
  DEFAULT_ANALYSIS,
  EVERYDAY_SENTENCES,
  evaluatePair,
  type PairResult,
  type Recognizer,
  readSentences,
  scoreUtterance,
  summarize,
  totalWer,
} from '../eval/index.ts';
import type { Synthesizer } from '../inference/synthesizer.ts';
import { ConsoleLogger } from '../trainer/console.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { vocoderChoiceOf } from './speak.ts';

/** What `ribbit eval` needs from a synthesizer: text to speech, or a recording resynthesised (copy synthesis). */
export type EvalSynthesizer =
  | { synthesize(text: string): Promise<Audio> }
  | { copy(reference: Audio): Promise<Audio> };

/** One utterance to evaluate: its text, and wav paths of the reference and synthesized audio when known. */
interface Item {
  id: string;
  text?: string;
  ref?: string;
  synth?: string;
}

/** One transcribed utterance. */
export interface AsrRow extends AsrResult {
  id: string;
}

/** Word error rates of one audio source (the synthesized or the reference audio) over the sentence set. */
export interface AsrSummary {
  /** Sentences transcribed. */
  count: number;
  /** Sum of edits / sum of reference words. */
  wer: number;
  edits: number;
  refWords: number;
  rows: AsrRow[];
}

function asrSummary(rows: AsrRow[]): AsrSummary {
  return { count: rows.length, ...totalWer(rows), rows };
}

/**
 * `id|text[|...]` lines (the LJSpeech/Thorsten metadata formats; the second column is the text, an id may end
 * in `.wav`). Returns the items with wav paths in the given folders.
 */
export function readMetadata(path: string, refDir?: string, synthDir?: string): Item[] {
  if (!existsSync(path)) throw new UsageError(`metadata file not found: ${path}`);
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.split('|'))
    .filter((cols) => cols.length >= 2 && cols[0].trim() && cols[1].trim())
    .map((cols) => {
      const id = basename(cols[0].trim()).replace(/\.wav$/i, '');
      return {
        id,
        text: cols[1].trim(),
        ref: refDir === undefined ? undefined : join(refDir, `${id}.wav`),
        synth: synthDir === undefined ? undefined : join(synthDir, `${id}.wav`),
      };
    });
}

const runFile = promisify(execFile);

/** espeak-ng speaking `text` (passed in a file, never on the command line) into `wav`. */
async function espeakSpeak(text: string, voice: string, wav: string): Promise<void> {
  const txt = `${wav}.txt`;
  writeFileSync(txt, text);
  try {
    await runFile('espeak-ng', ['-v', voice, '-w', wav, '-f', txt]);
  } catch (err) {
    throw new Error(`espeak-ng -v ${voice}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  } finally {
    rmSync(txt, { force: true });
  }
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
  const inference = await import('../inference/load.ts');
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
      const copy = (await import('../inference/tts_loader.ts')).loadCopySynthesizer(options);
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

/** The per-utterance WER table: words, WER of the synthesized and the reference audio, the transcript. */
export function formatAsrTable(synth?: AsrSummary, ref?: AsrSummary): string {
  const ids = (synth ?? ref)?.rows.map((r) => r.id) ?? [];
  const bySynth = new Map(synth?.rows.map((r) => [r.id, r]));
  const byRef = new Map(ref?.rows.map((r) => [r.id, r]));
  const head = ['id', 'words'];
  if (synth) head.push('synth WER %');
  if (ref) head.push('ref WER %');
  head.push(synth ? 'synth transcript' : 'ref transcript');
  const pct = (v: number | undefined) => (v === undefined ? '-' : fmt(v * 100, 1));
  const body = ids.map((id) => {
    const s = bySynth.get(id);
    const r = byRef.get(id);
    const row = [id, String((s ?? r)?.refWords ?? 0)];
    if (synth) row.push(pct(s?.wer));
    if (ref) row.push(pct(r?.wer));
    row.push((synth ? s?.hyp : r?.hyp) ?? '');
    return row;
  });
  const total = [`total (${ids.length})`, String((synth ?? ref)?.refWords ?? 0)];
  if (synth) total.push(pct(synth.wer));
  if (ref) total.push(pct(ref.wer));
  total.push('');
  const all = [head, ...body, total];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const last = head.length - 1;
  const render = (r: string[]) =>
    r
      .map((cell, c) =>
        c === 0 || c === last ? cell.padEnd(c === last ? 0 : widths[c]) : cell.padStart(widths[c]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(head), rule, ...body.map(render), rule, render(total)].join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  summary:
    'Objective voice quality vs reference recordings: MCD-DTW, F0 RMSE, voicing error, duration ratio, ASR WER.',
  usage:
    'ribbit eval [--model-path PATH [--config-path FILE]] --dataset DIR [--sentences N] [--offset K] [--asr] [--json]\n' +
    '       ribbit eval [--model-path PATH] (--everyday | --sentences-file FILE) [--teacher-voice V] [--json]\n' +
    '       ribbit eval --ref-dir DIR --synth-dir DIR [--metadata FILE --asr] [--json]\n' +
    '       ribbit eval (--ref-dir DIR | --synth-dir DIR) --metadata FILE --asr [--json]',
  description:
    'With a model (default: the bundled voice): speaks the sentences offset..offset+N-1 of an LJSpeech-format\n' +
    'dataset (metadata.csv `id|text|normalized text`, wavs/<id>.wav; use sentences the model was not trained on)\n' +
    'and compares each with its recording. With --ref-dir/--synth-dir: compares the same-named wavs of two folders.\n' +
    'With --everyday (a built-in list of everyday sentences) or --sentences-file (one sentence a line): the model\n' +
    'and espeak-ng (--teacher-voice, the reference) speak every sentence; implies --asr.\n' +
    'Both signals are resampled to 22050 Hz and silence-trimmed (40 dB below the loudest 20 ms frame).\n' +
    'MCD: mel-cepstral distortion in dB over c1..cD (c0 excluded) of 80-band log mel spectra (1024-point\n' +
    'Hann, 220-sample hop), SPTK scaling, averaged over a DTW path. F0: YIN, 50-500 Hz; RMSE in Hz (and\n' +
    'cents) over DTW pairs voiced in both; VDE: share of DTW pairs whose voicing differs. Duration ratio:\n' +
    'synthesized / reference length after trimming.\n' +
    '--asr: pocketsphinx (apt-get install pocketsphinx pocketsphinx-en-us) transcribes the synthesized and the\n' +
    "reference audio with a bigram language model and dictionary restricted to the evaluated sentences' words;\n" +
    'WER = sum of word edits / sum of reference words (lower case, numbers spelled out, no punctuation).\n' +
    'Folder mode takes the texts from --metadata (`id|text...`, wavs <dir>/<id>.wav). See docs/eval.md.',
  options: [
    {
      name: 'model-path',
      type: 'string',
      arg: 'FILE',
      help: 'Model checkpoint (default: the bundled voice).',
    },
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
      name: 'everyday',
      type: 'boolean',
      help: 'Speak the built-in everyday sentences (src/eval/everyday_sentences.txt); implies --asr.',
    },
    {
      name: 'sentences-file',
      type: 'string',
      arg: 'FILE',
      help: 'Speak these sentences (one a line, # comments); implies --asr.',
    },
    {
      name: 'teacher-voice',
      type: 'string',
      arg: 'VOICE',
      help: 'espeak-ng voice speaking the reference audio of --everyday/--sentences-file.',
      default: 'en-us',
    },
    {
      name: 'save-dir',
      type: 'string',
      arg: 'DIR',
      help: 'Also write the synthesized wavs there (<id>.wav; espeak-ng references as teacher/<id>.wav).',
    },
    { name: 'ref-dir', type: 'string', arg: 'DIR', help: 'Folder of reference wavs.' },
    { name: 'synth-dir', type: 'string', arg: 'DIR', help: 'Folder of synthesized wavs (same file names).' },
    {
      name: 'metadata',
      type: 'string',
      arg: 'FILE',
      help: "Texts of the folders' wavs for --asr: `id|text...` lines, wav <dir>/<id>.wav.",
    },
    {
      name: 'asr',
      type: 'boolean',
      help: 'Also transcribe with pocketsphinx and report word error rates.',
    },
    {
      name: 'order',
      type: 'number',
      arg: 'D',
      help: 'Cepstral order of the MCD: c1..cD (13 or 24).',
      default: DEFAULT_ANALYSIS.order,
    },
    {
      name: 'json',
      type: 'boolean',
      help: 'Print JSON ({settings, rows, mean, asr}) instead of the tables.',
    },
  ],
  examples: [
    'ribbit eval --model-path runs/glow_tts-2026-11-24_101500 \\\n' +
      '      --dataset data/demo-heldout --sentences 20 --asr',
    'ribbit eval --everyday --json > everyday.json   # the bundled voice vs espeak-ng, WER',
    'ribbit eval --vocoder-path runs/demo_mb_melgan-2026-12-02_092814 --copy-synthesis \\\n' +
      "      --dataset data/demo-heldout --sentences 20   # the vocoder on the references' mels",
    'ribbit eval --ref-dir data/demo/wavs --synth-dir out/griffin-lim --order 24 --json > mcd.json',
    'ribbit eval --synth-dir out/wavs --metadata out/metadata.csv --asr   # transcribe a folder',
    'ribbit make-demo-dataset --out data/heldout --sentences 20 --offset 400   # a held-out reference set',
  ],
  async run(args) {
    const o = args.options;
    const order = Number(o.order);
    if (!Number.isInteger(order) || order < 1 || order >= DEFAULT_ANALYSIS.nMels)
      throw new UsageError(`--order must be an integer in 1..${DEFAULT_ANALYSIS.nMels - 1}, got ${o.order}`);
    const sentenceSet = Boolean(o.everyday) || o.sentencesFile !== undefined;
    const folders = o.refDir !== undefined || o.synthDir !== undefined;
    const modes = [sentenceSet, folders, o.dataset !== undefined].filter(Boolean).length;
    if (o.everyday && o.sentencesFile !== undefined)
      throw new UsageError('use either --everyday or --sentences-file');
    if (modes > 1)
      throw new UsageError('use one of --dataset, --everyday/--sentences-file, or --ref-dir/--synth-dir');
    if (!modes)
      throw new UsageError('give --dataset DIR (with a model), --everyday, or --ref-dir DIR --synth-dir DIR');
    const asr = Boolean(o.asr) || sentenceSet;
    const refDir = typeof o.refDir === 'string' ? o.refDir : undefined;
    const synthDir = typeof o.synthDir === 'string' ? o.synthDir : undefined;
    if (folders && !(refDir && synthDir) && !(asr && typeof o.metadata === 'string'))
      throw new UsageError('--ref-dir and --synth-dir go together (one folder alone: --metadata FILE --asr)');
    if (o.metadata !== undefined && !(folders && asr))
      throw new UsageError('--metadata gives the texts of --ref-dir/--synth-dir for --asr');
    if (o.copySynthesis === true && (o.dataset === undefined || o.loader !== undefined))
      throw new UsageError('--copy-synthesis vocodes a --dataset with the built-in loader');

    const log = new ConsoleLogger({ stream: o.json ? process.stderr : process.stdout });
    let items: Item[];
    let synthesizer: EvalSynthesizer | null = null;
    let teacherDir: string | null = null;
    const teacherVoice = String(o.teacherVoice ?? 'en-us');
    const saveDir = typeof o.saveDir === 'string' ? o.saveDir : undefined;
    if (folders && typeof o.metadata === 'string') {
      const listed = readMetadata(o.metadata, refDir, synthDir);
      items = listed.filter((it) => [it.ref, it.synth].every((p) => p === undefined || existsSync(p)));
      const skipped = listed.length - items.length;
      if (skipped) log.line(` > ${skipped} metadata line(s) without their wav(s) skipped`);
      if (!items.length) throw new UsageError(`no wav of ${o.metadata} found in the folder(s)`);
    } else if (folders) {
      const paired = pairFolders(String(refDir), String(synthDir));
      items = paired.items;
      if (paired.unmatched.length)
        log.line(
          ` > ${paired.unmatched.length} wav(s) without a reference skipped: ${paired.unmatched.join(', ')}`,
        );
      if (!items.length) throw new UsageError(`no same-named wavs in ${refDir} and ${synthDir}`);
    } else if (sentenceSet) {
      const texts = readSentences(o.everyday ? EVERYDAY_SENTENCES : String(o.sentencesFile));
      if (!texts.length) throw new UsageError(`no sentences in ${o.sentencesFile}`);
      teacherDir = saveDir ? join(saveDir, 'teacher') : mkdtempSync(join(tmpdir(), 'ribbit-teacher-'));
      mkdirSync(teacherDir, { recursive: true });
      items = texts.map((text, k) => {
        const id = `S${String(k + 1).padStart(3, '0')}`;
        return { id, text, ref: join(teacherDir as string, `${id}.wav`) };
      });
      synthesizer = await loadModel(o);
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
    }
    if (saveDir && synthesizer) mkdirSync(saveDir, { recursive: true });

    let recognizer: Recognizer | null = null;
    if (asr) {
      const texts = items.map((it) => it.text ?? '');
      recognizer = await createRecognizer(texts).catch((err: Error) => {
        throw new UsageError(`--asr: ${err.message}`);
      });
      if (recognizer.fromEspeak.length)
        log.line(
          ` > pronunciations from espeak-ng (not in the cmudict): ${recognizer.fromEspeak.join(', ')}`,
        );
      if (recognizer.missing.length)
        log.line(` > words without a pronunciation (count as errors): ${recognizer.missing.join(', ')}`);
    }

    const rows: EvalRow[] = [];
    const asrSynth: AsrRow[] = [];
    const asrRef: AsrRow[] = [];
    const started = Date.now();
    try {
      for (const [k, item] of items.entries()) {
        log.progress(' evaluating', k, items.length, started, item.id);
        if (teacherDir && item.ref) await espeakSpeak(item.text ?? '', teacherVoice, item.ref);
        const read = (path: string): Audio => {
          const w = readWav(path);
          return { samples: w.samples, sampleRate: w.sampleRate };
        };
        const ref = item.ref ? read(item.ref) : undefined;
        let synth: Audio | undefined;
        if (synthesizer) {
          // --copy-synthesis needs --dataset: every item has its recording
          const out =
            'copy' in synthesizer
              ? await synthesizer.copy(ref as Audio)
              : await synthesizer.synthesize(item.text ?? '');
          synth = { samples: out.samples, sampleRate: out.sampleRate };
          if (saveDir) writeWav(join(saveDir, `${item.id}.wav`), synth.samples, synth.sampleRate);
        } else if (item.synth) synth = read(item.synth);
        if (synth && ref) rows.push({ id: item.id, ...evaluatePair(synth, ref, undefined, { order }) });
        if (recognizer) {
          const text = item.text ?? '';
          if (synth) asrSynth.push({ id: item.id, ...(await scoreUtterance(recognizer, synth, text)) });
          if (ref) asrRef.push({ id: item.id, ...(await scoreUtterance(recognizer, ref, text)) });
        }
      }
    } finally {
      recognizer?.close();
      if (teacherDir && !saveDir) rmSync(teacherDir, { recursive: true, force: true });
    }
    log.progress(' evaluating', items.length, items.length, started);
    log.endProgress();

    const asrOut = recognizer
      ? {
          engine: 'pocketsphinx en-us, bigram LM restricted to the sentences',
          sentences: items.length,
          vocabulary: recognizer.words.length,
          fromEspeak: recognizer.fromEspeak,
          missing: recognizer.missing,
          ...(asrSynth.length ? { synth: asrSummary(asrSynth) } : {}),
          ...(asrRef.length ? { ref: asrSummary(asrRef) } : {}),
          ...(teacherDir ? { teacher: `espeak-ng -v ${teacherVoice}` } : {}),
        }
      : undefined;
    if (o.json) {
      const settings = { ...DEFAULT_ANALYSIS, order };
      const clean = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
      const out = { settings, rows, mean: summarize(rows), ...(asrOut ? { asr: asrOut } : {}) };
      process.stdout.write(`${JSON.stringify(out, (_k, v) => clean(v), 2)}\n`);
    } else {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (rows.length) {
        log.line(formatTable(rows));
        log.line(
          ` > MCD over c1..c${order} (c0 excluded), dB; F0 RMSE over DTW pairs voiced in both; ` +
            `${rows.length} utterance(s) in ${seconds} s`,
        );
      }
      if (asrOut) {
        const s = asrOut.synth;
        const r = asrOut.ref;
        log.line(formatAsrTable(s, r));
        const parts = [
          s ? `synthesized ${fmt(s.wer * 100, 1)} % (${s.count} sentences)` : '',
          r
            ? `${teacherDir ? `teacher (${asrOut.teacher})` : 'reference'} ${fmt(r.wer * 100, 1)} % (${r.count} sentences)`
            : '',
        ].filter(Boolean);
        log.line(
          ` > WER (pocketsphinx, LM of ${asrOut.vocabulary} words restricted to the ${items.length} sentences): ` +
            `${parts.join('; ')}; ${seconds} s`,
        );
      }
    }
    return 0;
  },
};
