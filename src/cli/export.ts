/**
 * `ribbit export`: a trained model as a voice folder (`model.safetensors` + `config.json`), the form the
 * bundled default voice ships in. Trainer state is left out (and a GAN vocoder's discriminator); `--fp16` halves
 * the size.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, readJsonFile, saveConfig } from '../config/index.ts';
import { buildModel, readModelWeights } from '../inference/tts_loader.ts';
import { saveTensors } from '../torch/io.ts';
import type { BaseGANVocoderConfig } from '../vocoder/configs/shared_configs.ts';
import { buildInferenceVocoder } from '../vocoder/inference.ts';
import type { Command } from './command.js';
import { UsageError } from './command.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a trained model as a voice folder (model.safetensors + config.json), optionally fp16.',
  usage: 'ribbit export --model-path CKPT|RUN [--config-path CONFIG.json] --out DIR [--fp16]',
  description:
    'Loads the model the way `ribbit speak` does (ribbit checkpoint, run folder or Coqui .pth), checks that the\n' +
    'weights fit the config, and writes DIR/model.safetensors (weights only) and DIR/config.json.\n' +
    '`ribbit speak --model-path DIR` then uses it.',
  options: [
    { name: 'model-path', type: 'string', arg: 'PATH', help: 'Checkpoint, run folder or Coqui .pth.' },
    { name: 'config-path', type: 'string', arg: 'PATH', help: "Config (default: the run's config.json)." },
    { name: 'out', type: 'string', arg: 'DIR', help: 'Output folder.' },
    { name: 'fp16', type: 'boolean', help: 'Store floating-point weights as float16 (half the size).' },
  ],
  examples: [
    'ribbit export --model-path runs/demo_glow_tts-2026-11-24_184109 --out voices/default --fp16',
    'ribbit export --model-path tts_models--en--ljspeech--glow-tts/model_file.pth --config-path config.json --out voices/lj',
  ],
  async run(args) {
    const o = args.options;
    if (typeof o.modelPath !== 'string') throw new UsageError('--model-path PATH is required');
    if (typeof o.out !== 'string') throw new UsageError('--out DIR is required');
    const { weights, config: found } = readModelWeights(o.modelPath);
    const raw = typeof o.configPath === 'string' ? readJsonFile(o.configPath) : found;
    if (raw === undefined) throw new UsageError(`${o.modelPath} carries no config: give --config-path`);
    const config = loadConfig(raw as object, { onIgnored: () => {} });
    // a GAN vocoder ships its generator only, with the weight norm folded (what inference loads)
    const model =
      typeof (config as { generatorModel?: unknown }).generatorModel === 'string'
        ? buildInferenceVocoder(config as BaseGANVocoderConfig, weights)
        : buildModel(config, weights);
    mkdirSync(o.out, { recursive: true });
    const path = join(o.out, 'model.safetensors');
    saveTensors(path, model.stateDict(), {
      metadata: { format: 'pt', model: String(model.config.model) },
      ...(o.fp16 === true ? { floatDType: 'float16' as const } : {}),
    });
    saveConfig(model.config, join(o.out, 'config.json'));
    const params = model.parameters().reduce((n, p) => n + p.numel, 0);
    console.log(
      ` > Wrote ${path} (${params.toLocaleString('en-US')} parameters${o.fp16 === true ? ', float16' : ''}) and config.json`,
    );
    return 0;
  },
};
