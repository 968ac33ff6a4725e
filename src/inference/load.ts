/**
 * Pluggable model loading.
 *
 * Everything that needs a Synthesizer from files (`ribbit speak`, `ribbit list-speakers`, `ribbit serve`
 * and each of its worker threads) goes through {@link loadSynthesizer}, which calls the loader installed
 * with {@link setModelLoader}. A server's worker threads cannot receive functions, so they are told a
 * *loader module* instead: a module URL whose exported `loadSynthesizer(options)` they import and call
 * with the same JSON-serialisable {@link LoadOptions}. The default loader module is this very file, so a
 * `setModelLoader(...)` call made at the top level of this module (or of a module it imports) is in
 * force in every thread.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { siblingModule } from '../util/module_url.ts';
import type { FakeSynthesizerOptions } from './fake.ts';
import type { Synthesizer } from './synthesizer.ts';
import type { Normalization, SynthesisLimits } from './types.ts';

/** `LoadOptions.vocoder` values. */
export const VOCODER_CHOICES = ['auto', 'neural', 'griffin-lim'] as const;
export type VocoderChoice = (typeof VOCODER_CHOICES)[number];

/** What a loader gets (JSON-serialisable: it is sent to worker threads as is). */
export interface LoadOptions {
  /** A Coqui released model by name, `tts_models/<lang>/<dataset>/<model>`: downloaded (cached), see model_manager.ts. */
  modelName?: string;
  /** A Coqui released vocoder by name, `vocoder_models/...` (default with modelName: the model's default vocoder). */
  vocoderName?: string;
  /** Model checkpoint (`.pth` / ribbit checkpoint). */
  modelPath?: string;
  /** Model config JSON (Coqui or ribbit). */
  configPath?: string;
  /** Vocoder checkpoint; absent: see `vocoder`. */
  vocoderPath?: string;
  /** Vocoder config JSON. */
  vocoderConfigPath?: string;
  /**
   * Which vocoder without `vocoderPath`: 'auto' (default) the voice folder's `vocoder/` if it has one, else
   * Griffin-Lim; 'griffin-lim' always Griffin-Lim; 'neural' the voice's vocoder or an error.
   */
  vocoder?: VocoderChoice;
  /**
   * Speakers of a multi-speaker model: a Coqui `speakers.json` / `speakers.pth` (`{name: id}`) or d-vector file
   * (default: the config's `speakersFile` / `dVectorFile`, else `speakers.json` beside the config).
   */
  speakersFilePath?: string;
  /** 'cpu' (default) or 'cuda[:n]'. */
  device?: string;
  /** Default language of the text. */
  language?: string;
  /** Synthesizer defaults. */
  silenceBetweenSentencesMs?: number;
  lengthScale?: number;
  noiseScale?: number;
  speaker?: string | number | null;
  normalization?: Normalization;
  /** Bounds of one synthesis call (default: the Synthesizer's `DEFAULT_LIMITS`). */
  limits?: SynthesisLimits;
  /** Options of the fake stack (`--loader fake`, tests, benchmarks). */
  fake?: FakeSynthesizerOptions;
}

/** Builds a Synthesizer from {@link LoadOptions}. */
export type ModelLoader = (options: LoadOptions) => Promise<Synthesizer>;

/** The TTS model loader (src/inference/tts_loader.ts), imported on first use so this module stays light. */
const ttsLoader: ModelLoader = async (options) =>
  (await import('./tts_loader.ts')).loadTtsSynthesizer(options);

let installed: ModelLoader = ttsLoader;

/**
 * Installs the loader that {@link loadSynthesizer} uses (null: back to the TTS model loader). Call it at the top level of
 * this module (or one it imports) to make it reach server worker threads too; tests may call it anywhere
 * for in-process use.
 */
export function setModelLoader(loader: ModelLoader | null): void {
  installed = loader ?? ttsLoader;
}

/** The installed loader. */
export function getModelLoader(): ModelLoader {
  return installed;
}

/** Loads a Synthesizer through the installed loader (by default the TTS model loader). */
export async function loadSynthesizer(options: LoadOptions): Promise<Synthesizer> {
  if (options.modelName || options.vocoderName)
    options = await (await import('./model_manager.ts')).resolveModelName(options, { log: console.error });
  return installed(options);
}

/** URL of this module: the default loader module of server workers. */
export const DEFAULT_LOADER_MODULE: string = siblingModule(import.meta.url, 'load');
/** URL of the fake stack's loader module (`--loader fake`). */
export const FAKE_LOADER_MODULE: string = siblingModule(import.meta.url, 'fake');

/**
 * Resolves a `--loader` value to a module URL: undefined/'' -> {@link DEFAULT_LOADER_MODULE}, 'fake' ->
 * {@link FAKE_LOADER_MODULE}, a URL (file:, data:) as is, a path relative to `cwd`.
 */
export function resolveLoaderModule(spec?: string | null, cwd = process.cwd()): string {
  if (!spec) return DEFAULT_LOADER_MODULE;
  if (spec === 'fake') return FAKE_LOADER_MODULE;
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) return spec;
  return pathToFileURL(isAbsolute(spec) ? spec : resolve(cwd, spec)).href;
}

/**
 * Imports a loader module and calls its `loadSynthesizer(options)` (what each server worker does).
 * @throws Error when the module has no such export.
 */
export async function loadFromModule(moduleUrl: string, options: LoadOptions): Promise<Synthesizer> {
  const mod = (await import(moduleUrl)) as { loadSynthesizer?: unknown };
  if (typeof mod.loadSynthesizer !== 'function')
    throw new Error(`loader module ${moduleUrl} does not export a function loadSynthesizer(options)`);
  return (mod.loadSynthesizer as ModelLoader)(options);
}
