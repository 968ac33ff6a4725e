/**
 * `ribbit speak`: text to a WAV file (or stdout). Also home of the model options shared by
 * `list-speakers` and `serve`.
 */
import { readFileSync } from 'node:fs';
import { encodeWav, writeWav } from '../audio/wav.ts';
import {
  type LoadOptions,
  loadFromModule,
  resolveLoaderModule,
  VOCODER_CHOICES,
  type VocoderChoice,
} from '../inference/load.ts';
import { parseNormalization } from '../inference/normalize.ts';
import type { Synthesizer } from '../inference/synthesizer.ts';
import type { SynthesisOptions } from '../inference/types.ts';
import type { Command, OptionSpec, ParsedArgs } from './command.js';
import { UsageError } from './command.js';

/** Options that pick and load a model (shared by speak, list-speakers and serve). */
export const MODEL_OPTIONS: OptionSpec[] = [
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
  { name: 'language', type: 'string', arg: 'LANG', help: "Language of the text (default: the model's)." },
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
    help: 'Speaking rate: 2 = twice as fast (the model gets lengthScale / X).',
  },
  { name: 'noise-scale', type: 'number', arg: 'X', help: "Prior noise scale (default: the model's)." },
  {
    name: 'length-scale',
    type: 'number',
    arg: 'X',
    help: 'Duration multiplier before --speed (default: 1).',
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
  return loadFromModule(resolveLoaderModule(str(args.options.loader)), loadOptionsFromArgs(args));
}

/** Per-call synthesis options from `VOICE_OPTIONS`. */
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
  return out;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export const speakCommand: Command = {
  name: 'speak',
  summary: 'Synthesize speech from text into a WAV file (or stdout).',
  usage: 'ribbit speak --text TEXT --model-path PATH --config-path PATH [options] (--out FILE | --pipe-out)',
  description:
    'Text of any length is split into sentences and spoken sentence by sentence. Without --text, the text is\n' +
    'read from standard input (or from --text-file). A summary (duration, sentences, real-time factor, and the\n' +
    'characters the model does not know) goes to stderr.',
  options: [
    { name: 'text', type: 'string', arg: 'TEXT', help: 'Text to speak (default: read from stdin).' },
    { name: 'text-file', type: 'string', arg: 'FILE', help: 'Read the text from a UTF-8 file.' },
    ...MODEL_OPTIONS,
    ...VOICE_OPTIONS,
    { name: 'out', type: 'string', arg: 'FILE', help: 'Output WAV file.', default: 'tts_output.wav' },
    { name: 'pipe-out', type: 'boolean', help: 'Write the WAV to stdout instead of a file.' },
    { name: 'bits', type: 'number', arg: 'N', help: 'Bits per sample: 16, 24 or 32 (PCM).', default: 16 },
  ],
  examples: [
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
    const synth = await loadFromArgs(args);
    const result = await synth.synthesize(text, synthesisOptionsFromArgs(args));
    const where = o.pipeOut ? 'stdout' : String(o.out);
    if (o.pipeOut) {
      const bytes = encodeWav(result.samples, result.sampleRate, { bitsPerSample: bits });
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())),
      );
    } else {
      writeWav(String(o.out), result.samples, result.sampleRate, { bitsPerSample: bits });
    }
    const unknown = [...result.unknownCharacters].map(([c, n]) => `${JSON.stringify(c)} x${n}`).join(', ');
    console.error(
      ` > Wrote ${where}: ${result.seconds.toFixed(2)} s of audio at ${result.sampleRate} Hz, ` +
        `${result.sentences} sentence${result.sentences === 1 ? '' : 's'}, ` +
        `processed in ${result.processingSeconds.toFixed(2)} s (real-time factor ${result.rtf.toFixed(3)})`,
    );
    if (unknown) console.error(` > Characters the model does not know (dropped): ${unknown}`);
    return 0;
  },
};
