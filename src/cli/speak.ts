/**
 * `ribbit speak`: text to a WAV file (or stdout). Also home of the model options shared by
 * `list-speakers` and `serve`.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { encodeWav, writeWav } from '../audio/wav.ts';
import {
  type LoadOptions,
  loadFromModule,
  resolveLoaderModule,
  VOCODER_CHOICES,
  type VocoderChoice,
} from '../inference/load.ts';
import { cliManagerOptions, resolveModelName } from '../inference/model_manager.ts';
import { parseNormalization } from '../inference/normalize.ts';
import {
  DEFAULT_LIMITS,
  LENGTH_SCALE_RANGE,
  SPEED_RANGE,
  SynthesisError,
  type Synthesizer,
} from '../inference/synthesizer.ts';
import type { SynthesisLimits, SynthesisOptions } from '../inference/types.ts';
import type { Command, OptionSpec, ParsedArgs } from './command.ts';
import { UsageError } from './command.ts';

/** Options that pick and load a model (shared by speak, list-speakers and serve). */
export const MODEL_OPTIONS: OptionSpec[] = [
  {
    name: 'model-name',
    type: 'string',
    arg: 'NAME',
    help: 'A Coqui released model, tts_models/<lang>/<dataset>/<model> (see list-models): downloaded once, cached.',
  },
  {
    name: 'vocoder-name',
    type: 'string',
    arg: 'NAME',
    help: "A Coqui released vocoder, vocoder_models/... (default with --model-name: the model's, if ribbit has it).",
  },
  {
    name: 'model-path',
    type: 'string',
    arg: 'PATH',
    help: 'Model checkpoint: ribbit .safetensors / run folder, or Coqui .pth (default: the bundled voice).',
  },
  {
    name: 'config-path',
    type: 'string',
    arg: 'PATH',
    help: "Model config JSON, ribbit or Coqui (default: the run's config.json beside the checkpoint).",
  },
  {
    name: 'vocoder-path',
    type: 'string',
    arg: 'PATH',
    help: "Vocoder checkpoint (default: --vocoder's choice).",
  },
  { name: 'vocoder-config-path', type: 'string', arg: 'PATH', help: 'Vocoder config JSON.' },
  {
    name: 'vocoder',
    type: 'string',
    arg: 'KIND',
    help:
      "Without --vocoder-path: 'auto' (the voice folder's vocoder/ if it has one, else Griffin-Lim), " +
      "'griffin-lim' or 'neural'.",
  },
  {
    name: 'speakers-file-path',
    type: 'string',
    arg: 'PATH',
    help:
      "Coqui speakers.json/.pth (name -> id) or d-vector file of a multi-speaker model (default: the config's " +
      'speakersFile / dVectorFile, else speakers.json beside the config).',
  },
  { name: 'device', type: 'string', arg: 'DEVICE', help: "'cpu' or 'cuda[:n]'.", default: 'cpu' },
  {
    name: 'loader',
    type: 'string',
    arg: 'MODULE',
    help: "Module exporting loadSynthesizer(options) ('fake': the built-in fake model, for trying the pipeline).",
  },
];

/** Options of one synthesis (shared by speak and serve as defaults). */
export const VOICE_OPTIONS: OptionSpec[] = [
  {
    name: 'language',
    type: 'string',
    arg: 'LANG',
    help: "Language of the text; a multilingual model's language (default: the model's).",
  },
  {
    name: 'speaker',
    type: 'string',
    arg: 'NAME|ID',
    help: 'Speaker of a multi-speaker model, by name or id (see list-speakers; default: id 0).',
  },
  {
    name: 'speed',
    type: 'number',
    arg: 'X',
    help: `Speaking rate in [${SPEED_RANGE.join(', ')}]: 2 = twice as fast (the model gets lengthScale / X).`,
  },
  { name: 'noise-scale', type: 'number', arg: 'X', help: "Prior noise scale (default: the model's)." },
  {
    name: 'length-scale',
    type: 'number',
    arg: 'X',
    help: `Duration multiplier before --speed, in [${LENGTH_SCALE_RANGE.join(', ')}] (default: the model's, else 1).`,
  },
  { name: 'silence-ms', type: 'number', arg: 'MS', help: 'Silence between sentences in ms (default 200).' },
  {
    name: 'normalize',
    type: 'string',
    arg: 'KIND',
    help: 'Loudness: none, peak[:0.95] or rms[:-27] (dBFS).',
  },
];

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** A `--vocoder` value checked against {@link VOCODER_CHOICES} (undefined when absent). */
export function vocoderChoiceOf(v: unknown): VocoderChoice | undefined {
  if (v === undefined) return undefined;
  const choice = VOCODER_CHOICES.find((c) => c === v);
  if (!choice)
    throw new UsageError(`--vocoder must be one of ${VOCODER_CHOICES.join(', ')}, got ${String(v)}`);
  return choice;
}

/** {@link LoadOptions} from parsed `MODEL_OPTIONS` (+ synthesis defaults from `VOICE_OPTIONS`). */
export function loadOptionsFromArgs(args: ParsedArgs): LoadOptions {
  const o = args.options;
  const out: LoadOptions = {
    modelName: str(o.modelName),
    vocoderName: str(o.vocoderName),
    modelPath: str(o.modelPath),
    configPath: str(o.configPath),
    vocoderPath: str(o.vocoderPath),
    vocoderConfigPath: str(o.vocoderConfigPath),
    vocoder: vocoderChoiceOf(o.vocoder),
    speakersFilePath: str(o.speakersFilePath),
    device: str(o.device),
    language: str(o.language),
    silenceBetweenSentencesMs: num(o.silenceMs),
    lengthScale: num(o.lengthScale),
    noiseScale: num(o.noiseScale),
  };
  checkRange(out.lengthScale, LENGTH_SCALE_RANGE, 'length-scale');
  const limits = limitsFromArgs(args);
  if (Object.keys(limits).length) out.limits = limits;
  if (str(o.normalize)) {
    try {
      out.normalization = parseNormalization(String(o.normalize));
    } catch (e) {
      throw new UsageError(`--normalize: ${(e as Error).message}`);
    }
  }
  for (const k of Object.keys(out) as (keyof LoadOptions)[]) if (out[k] === undefined) delete out[k];
  if (!out.modelPath && out.configPath) throw new UsageError('--config-path needs --model-path');
  if (out.vocoderPath && out.vocoder === 'griffin-lim')
    throw new UsageError('--vocoder griffin-lim and --vocoder-path exclude each other');
  return out;
}

/** Loads the Synthesizer that `--loader` (default: the installed model loader) builds from the options. */
export async function loadFromArgs(args: ParsedArgs): Promise<Synthesizer> {
  const options = await resolveModelName(loadOptionsFromArgs(args), cliManagerOptions());
  return loadFromModule(resolveLoaderModule(str(args.options.loader)), options);
}

/** Bounds of one synthesis (shared by speak and serve): beyond them a request is refused. */
export const LIMIT_OPTIONS: OptionSpec[] = [
  {
    name: 'max-sentence-seconds',
    type: 'number',
    arg: 'S',
    help: `Most audio one sentence may produce, checked before decoding (default: ${DEFAULT_LIMITS.maxSentenceSeconds}).`,
  },
  {
    name: 'max-request-seconds',
    type: 'number',
    arg: 'S',
    help: `Most audio one request may produce, all sentences (default: ${DEFAULT_LIMITS.maxRequestSeconds}).`,
  },
  {
    name: 'max-job-seconds',
    type: 'number',
    arg: 'S',
    help: `Wall-clock limit of one request, 0: none (default: ${DEFAULT_LIMITS.maxJobSeconds}).`,
  },
];

/** {@link SynthesisLimits} from parsed `LIMIT_OPTIONS`. @throws UsageError for a bad value. */
export function limitsFromArgs(args: ParsedArgs): SynthesisLimits {
  const o = args.options;
  const out: SynthesisLimits = {};
  const take = (name: string, key: keyof SynthesisLimits, zeroOk = false) => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v > 0 || (zeroOk && v === 0)))
      throw new UsageError(
        `--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number of seconds, got ${v}`,
      );
    out[key] = v;
  };
  take('max-sentence-seconds', 'maxSentenceSeconds');
  take('max-request-seconds', 'maxRequestSeconds');
  take('max-job-seconds', 'maxJobSeconds', true);
  return out;
}

function checkRange(v: number | undefined, [lo, hi]: readonly [number, number], name: string): void {
  if (v !== undefined && !(v >= lo && v <= hi))
    throw new UsageError(`--${name} must be in [${lo}, ${hi}], got ${v}`);
}

/** Per-call synthesis options from `VOICE_OPTIONS`. @throws UsageError for an out-of-range speed or scale. */
export function synthesisOptionsFromArgs(args: ParsedArgs): SynthesisOptions {
  const o = args.options;
  const out: SynthesisOptions = {
    speaker: str(o.speaker),
    speed: num(o.speed),
    noiseScale: num(o.noiseScale),
    lengthScale: num(o.lengthScale),
    language: str(o.language),
    silenceBetweenSentencesMs: num(o.silenceMs),
  };
  if (str(o.normalize)) out.normalization = parseNormalization(String(o.normalize));
  for (const k of Object.keys(out) as (keyof SynthesisOptions)[]) if (out[k] === undefined) delete out[k];
  checkRange(out.speed, SPEED_RANGE, 'speed');
  checkRange(out.lengthScale, LENGTH_SCALE_RANGE, 'length-scale');
  return out;
}

/**
 * Checks before any work that `out` can be written: its folder exists and is writable, and it is not a
 * folder itself. @throws UsageError saying which.
 */
export function checkOutputPath(out: string): void {
  const dir = dirname(resolve(out));
  if (!existsSync(dir)) throw new UsageError(`--out: the folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--out: ${dir} is not a folder`);
  if (existsSync(out) && statSync(out).isDirectory())
    throw new UsageError(`--out: ${out} is a folder; give a file name`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--out: cannot write into the folder ${dir} (permission denied)`);
  }
}

/** Exit code when the reader of --pipe-out went away early (as a process killed by SIGPIPE: 128 + 13). */
export const EXIT_BROKEN_PIPE = 141;

/**
 * Writes `bytes` to stdout; resolves false (quietly) when the reader closed the pipe (EPIPE), true when all
 * was written. Other errors reject.
 */
function writeStdout(bytes: Uint8Array): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') resolve(false);
      else reject(err);
    };
    process.stdout.on('error', onError); // stays: a later EPIPE event must not crash the process either
    process.stdout.write(bytes, (err) => (err ? onError(err) : resolve(true)));
  });
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export const speakCommand: Command = {
  name: 'speak',
  summary: 'Synthesize speech from text into a WAV file (or stdout).',
  usage:
    'ribbit speak [--text TEXT] [--model-name NAME | --model-path PATH [--config-path PATH]] [options] ' +
    '[--out FILE | --pipe-out]\n       (no model: the bundled voice)',
  description:
    'Text of any length is split into sentences and spoken sentence by sentence. Without --text, the text is\n' +
    'read from standard input (or from --text-file). A summary (duration, sentences, real-time factor) goes to\n' +
    'stderr, with a warning naming the characters the voice cannot speak (unknown symbols, and letters of\n' +
    "another script than the voice's language, e.g. Chinese to an English voice): they are dropped, not spelled.\n" +
    'Exit codes: 0 spoken; 2 refused (bad option, nothing speakable, more audio than the --max-* limits);\n' +
    '1 failed (model, I/O, --max-job-seconds); 141 the reader of --pipe-out closed the pipe early (quietly).',
  options: [
    { name: 'text', type: 'string', arg: 'TEXT', help: 'Text to speak (default: read from stdin).' },
    { name: 'text-file', type: 'string', arg: 'FILE', help: 'Read the text from a UTF-8 file.' },
    ...MODEL_OPTIONS,
    ...VOICE_OPTIONS,
    ...LIMIT_OPTIONS,
    { name: 'out', type: 'string', arg: 'FILE', help: 'Output WAV file.', default: 'tts_output.wav' },
    { name: 'pipe-out', type: 'boolean', help: 'Write the WAV to stdout instead of a file.' },
    { name: 'bits', type: 'number', arg: 'N', help: 'Bits per sample: 16, 24 or 32 (PCM).', default: 16 },
  ],
  examples: [
    'ribbit speak --text "Hello world." --out hello.wav      # the bundled voice',
    'ribbit speak --text "Hello world." --model-name tts_models/en/ljspeech/glow-tts --out hello.wav',
    'ribbit speak --text "Hello world." --model-path run/best_model.pth --config-path run/config.json --out hello.wav',
    'ribbit speak --text "Slower, please." --speed 0.8 --model-path m.pth --config-path c.json --out slow.wav',
    'ribbit speak --text "Hi!" --speaker p225 --model-path vctk.pth --config-path c.json --pipe-out | aplay',
    'cat chapter1.txt | ribbit speak --model-path m.pth --config-path c.json --normalize rms:-23 --out ch1.wav',
    'ribbit speak --loader fake --text "Testing the pipeline." --out test.wav',
    'ribbit speak --text "The bundled voice through Griffin-Lim." --vocoder griffin-lim --out gl.wav',
  ],
  async run(args) {
    const o = args.options;
    let text = str(o.text);
    if (text === undefined && str(o.textFile)) text = readFileSync(String(o.textFile), 'utf8');
    if (text === undefined) {
      if (process.stdin.isTTY)
        throw new UsageError('give the text with --text, --text-file or on standard input');
      text = await readStdin();
    }
    if (![16, 24, 32].includes(Number(o.bits))) throw new UsageError('--bits must be 16, 24 or 32');
    const bits = Number(o.bits) as 16 | 24 | 32;
    if (!o.pipeOut) checkOutputPath(String(o.out));
    const synthesisOptions = synthesisOptionsFromArgs(args);
    let synth: Synthesizer;
    let result: Awaited<ReturnType<Synthesizer['synthesize']>>;
    try {
      synth = await loadFromArgs(args);
      result = await synth.synthesize(text, synthesisOptions);
    } catch (e) {
      // a request the voice refuses is the caller's to change: one line, exit 2 (a time limit is a failure)
      if (e instanceof SynthesisError && e.code !== 'time_limit') throw new UsageError(e.message);
      throw e;
    }
    const where = o.pipeOut ? 'stdout' : String(o.out);
    if (o.pipeOut) {
      const bytes = encodeWav(result.samples, result.sampleRate, { bitsPerSample: bits });
      if (!(await writeStdout(bytes))) return EXIT_BROKEN_PIPE;
    } else {
      try {
        writeWav(String(o.out), result.samples, result.sampleRate, { bitsPerSample: bits });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(`cannot write ${String(o.out)}: ${err.code ?? err.message}`);
      }
    }
    const unknown = [...result.unknownCharacters].map(([c, n]) => `${JSON.stringify(c)} x${n}`).join(', ');
    console.error(
      ` > Wrote ${where}: ${result.seconds.toFixed(2)} s of audio at ${result.sampleRate} Hz, ` +
        `${result.sentences} sentence${result.sentences === 1 ? '' : 's'}, ` +
        `processed in ${result.processingSeconds.toFixed(2)} s (real-time factor ${result.rtf.toFixed(3)})`,
    );
    if (unknown)
      console.error(
        ` > Warning: characters this voice cannot speak were dropped (language ${synth.language}): ${unknown}`,
      );
    return 0;
  },
};
