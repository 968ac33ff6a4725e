/**
 * `ribbit export`: a trained model as a voice folder (`model.safetensors` + `config.json`), the form the
 * bundled default voice ships in. Trainer state is left out (and a GAN vocoder's discriminator); `--fp16` halves
 * the size.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configClassOf, loadConfig, readJsonFile, saveConfig } from '../config/index.ts';
import { buildModel, modelFolders, readModelWeights } from '../inference/tts_loader.ts';
import { saveTensors } from '../torch/io.ts';
import { loadModelSpeakers, SPEAKERS_FILE_NAME, speakerConfigOf } from '../tts/utils/speakers.ts';
import type { BaseGANVocoderConfig } from '../vocoder/configs/shared_configs.ts';
import { buildInferenceVocoder } from '../vocoder/inference.ts';
import type { Command } from './command.js';
import { UsageError } from './command.js';

export const exportCommand: Command = {
  name: 'export',
  summary:
    'Write a trained model as a voice folder (model.safetensors + config.json [+ speakers.json]), optionally fp16.',
  usage: 'ribbit export --model-path CKPT|RUN [--config-path CONFIG.json] --out DIR [--fp16]',
  description:
    'Loads the model the way `ribbit speak` does (ribbit checkpoint, run folder or Coqui .pth), checks that the\n' +
    'weights fit the config, and writes DIR/model.safetensors (weights only) and DIR/config.json; a multi-speaker\n' +
    "model's speaker ids go to DIR/speakers.json (its d-vectors to DIR/d_vectors.json).\n" +
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
    const isVocoder = typeof (config as { generatorModel?: unknown }).generatorModel === 'string';
    const dirs = modelFolders(o.modelPath, typeof o.configPath === 'string' ? o.configPath : undefined);
    const speakers = isVocoder ? null : loadModelSpeakers(config, dirs);
    const model = isVocoder
      ? buildInferenceVocoder(config as BaseGANVocoderConfig, weights)
      : buildModel(config, weights, speakers);
    mkdirSync(o.out, { recursive: true });
    const path = join(o.out, 'model.safetensors');
    saveTensors(path, model.stateDict(), {
      metadata: { format: 'pt', model: String(model.config.model) },
      ...(o.fp16 === true ? { floatDType: 'float16' as const } : {}),
    });
    // the voice folder carries its speakers; the loader finds them beside config.json
    const sideFiles: Record<string, string> = {};
    if (speakers && speakerConfigOf(model.config).useDVectorFile) {
      speakers.saveEmbeddingsToFile(join(o.out, 'd_vectors.json'));
      sideFiles.dVectorFile = 'd_vectors.json';
    } else if (speakers) {
      speakers.saveIdsToFile(join(o.out, SPEAKERS_FILE_NAME));
      sideFiles.speakersFile = SPEAKERS_FILE_NAME;
    }
    saveConfig({ ...model.config, ...sideFiles }, join(o.out, 'config.json'), configClassOf(model.config));
    const params = model.parameters().reduce((n, p) => n + p.numel, 0);
    console.log(
      ` > Wrote ${path} (${params.toLocaleString('en-US')} parameters${o.fp16 === true ? ', float16' : ''}), config.json` +
        `${speakers ? ` and ${Object.values(sideFiles).join(', ')} (${speakers.numSpeakers} speakers)` : ''}`,
    );
    return 0;
  },
};
