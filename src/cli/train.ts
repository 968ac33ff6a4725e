/**
 * `ribbit train`: trains the model a config describes with the generic Trainer.
 *
 *   ribbit train --config-path C [--<field> value ...]      a new run in outputPath/<runName>-<date>/
 *   ribbit train --continue-path RUN [--<field> value ...]  resumes RUN exactly (its config.json is used)
 *   ribbit train --config-path C --restore-path CKPT        a new run starting from CKPT's weights
 *   ribbit train --model-module ./my_model.ts --config-path C  a model defined outside ribbit
 */
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  applyOverrides,
  type ConfigClass,
  configClassFor,
  formatConfigHelp,
  loadConfig,
  readJsonFile,
  warnUnsupported,
} from '../config/index.ts';
import { createModel, registeredModelNames } from '../models/index.ts';
import { setNumThreads } from '../torch/index.ts';
import { checkDevice } from '../trainer/device.ts';
import { Trainer } from '../trainer/trainer.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';

/**
 * Imports a module that defines a model outside ribbit (it calls `registerConfig` and `registerModel` when
 * imported), before the config is parsed. A path is resolved from `cwd`; a URL (file:, ...) is imported as is.
 */
export async function importModelModule(spec: string, cwd = process.cwd()): Promise<void> {
  const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec);
  const url = isUrl ? spec : pathToFileURL(isAbsolute(spec) ? spec : resolve(cwd, spec)).href;
  try {
    await import(url);
  } catch (e) {
    throw new UsageError(`--model-module ${spec}: ${(e as Error).message}`);
  }
}

/** Loads the run config: the given file (or the run folder's config.json), then the overrides. */
export function loadRunConfig(options: {
  configPath?: string;
  continuePath?: string;
  overrides?: readonly string[];
}): Record<string, unknown> {
  let path = options.configPath;
  if (!path && options.continuePath) path = join(options.continuePath, 'config.json');
  if (!path) throw new UsageError('--config-path PATH is required (or --continue-path RUN_FOLDER)');
  if (!existsSync(path)) throw new UsageError(`config not found: ${path}`);
  let config = loadConfig(path) as Record<string, unknown>;
  if (options.overrides?.length) {
    const { config: overridden, rest } = applyOverrides(config, options.overrides);
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    config = overridden as Record<string, unknown>;
  }
  warnUnsupported(config);
  return config;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a model from a config (resume with --continue-path, fine-tune with --restore-path).',
  usage:
    'ribbit train --config-path CONFIG.json [--continue-path RUN] [--restore-path CKPT] [--<field> VALUE ...]',
  description:
    'The config\'s "model" field picks the model (registered: ' +
    `${registeredModelNames().join(', ')}). Any config field can be overridden: --batchSize=16,\n` +
    "--audio.sampleRate 16000, --datasets.0.path=data/demo, or Coqui's --coqpit.batch_size 16.\n" +
    'A run folder outputPath/<runName>-<date>/ receives config.json, the log, TensorBoard events and checkpoints.\n' +
    'Ctrl-C, SIGTERM and SIGHUP save a checkpoint and exit with 128 + the signal number (130, 143, 129; a second\n' +
    'signal a second or more later exits at once); --continue-path resumes it with the same results as an unbroken run.\n' +
    'With --config-path, --help also lists every field of that config.\n' +
    '--model-module imports a module first that registers a model defined outside ribbit (registerConfig +\n' +
    'registerModel), as --loader does for speaking.',
  options: [
    { name: 'config-path', type: 'string', arg: 'PATH', help: 'Run config JSON (ribbit or Coqui format).' },
    {
      name: 'continue-path',
      type: 'string',
      arg: 'RUN',
      help: 'Resume this run folder from its newest checkpoint (model, optimizer, scheduler, step, RNG).',
    },
    {
      name: 'restore-path',
      type: 'string',
      arg: 'CKPT',
      help: 'Start a new run from these weights (mismatching tensors are skipped and reported).',
    },
    {
      name: 'threads',
      type: 'number',
      arg: 'N',
      help: 'CPU threads of the tensor engine (default: all cores).',
    },
    {
      name: 'max-steps',
      type: 'number',
      arg: 'N',
      help: 'Stop after global step N (a checkpoint is saved; --continue-path goes on from it exactly).',
    },
    {
      name: 'device',
      type: 'string',
      arg: 'DEVICE',
      help: 'Where to train: cpu (default), cuda or cuda:N (needs a CUDA build of libtorch).',
    },
    {
      name: 'model-module',
      type: 'string',
      arg: 'MODULE',
      help: 'Import this module first: it registers a model defined outside ribbit (e.g. ./my_model.ts).',
    },
    { name: 'quiet', type: 'boolean', help: 'No terminal output (the run log file is still written).' },
  ],
  allowOverrides: true,
  examples: [
    'ribbit train --config-path recipes/demo/glow_tts.json --datasets.0.path=data/demo',
    'ribbit train --config-path config.json --batchSize=16 --epochs=100 --outputPath=runs',
    'ribbit train --continue-path runs/glow_tts-2026-11-24_101500',
    'ribbit train --config-path config.json --restore-path runs/old/best_model_9000.safetensors',
    'ribbit train --config-path config.json --max-steps 1000 --device cuda',
    'ribbit train --model-module ./my_model.ts --config-path my_model.json',
  ],
  extraHelp(argv) {
    const i = argv.findIndex((a) => a === '--config-path' || a.startsWith('--config-path='));
    if (i < 0) return '';
    const path = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
    if (!path || !existsSync(path)) return '';
    const cls = configClassFor(readJsonFile(path)) as ConfigClass;
    return `Fields of ${cls.name} (override with --<field> VALUE):\n${formatConfigHelp(cls)}`;
  },
  async run(args) {
    const o = args.options;
    if (typeof o.threads === 'number') setNumThreads(o.threads);
    if (args.positionals.length) throw new UsageError(`unexpected arguments: ${args.positionals.join(' ')}`);
    const maxSteps = o.maxSteps;
    if (
      maxSteps !== undefined &&
      (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1)
    )
      throw new UsageError(`--max-steps must be a positive integer, got ${String(maxSteps)}`);
    let device = 'cpu';
    try {
      if (typeof o.device === 'string') device = checkDevice(o.device);
    } catch (e) {
      throw new UsageError(`--device: ${(e as Error).message}`);
    }
    if (typeof o.modelModule === 'string') await importModelModule(o.modelModule);
    const continuePath = typeof o.continuePath === 'string' ? o.continuePath : undefined;
    const config = loadRunConfig({
      configPath: typeof o.configPath === 'string' ? o.configPath : undefined,
      continuePath,
      overrides: args.rest,
    });
    const model = createModel(config);
    const trainer = new Trainer({
      config: model.config,
      model,
      continuePath,
      restorePath: typeof o.restorePath === 'string' ? o.restorePath : undefined,
      quiet: o.quiet === true,
      maxSteps: typeof maxSteps === 'number' ? maxSteps : null,
      device,
    });
    await trainer.fit();
    console.log(` > Run folder: ${trainer.runPath}`);
    const signal = trainer.stopSignal;
    if (signal === null) return 0;
    // stopped by a signal after saving: say so in the exit code (128 + the signal's number, as a shell does)
    console.log(` > Stopped by ${signal}; resume with --continue-path ${trainer.runPath}`);
    return 128 + (osConstants.signals[signal] ?? 0);
  },
};
