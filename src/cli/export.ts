/**
 * `ribbit export`: a trained model as a voice folder (`model.safetensors` + `config.json`), the form the
 * bundled default voice ships in. Trainer state is left out (and a GAN vocoder's discriminator); `--fp16` halves
 * the size. With `--vocoder-path`, the vocoder is exported into the voice folder's `vocoder/`, where the loader
 * finds it: the voice then speaks through it (`ribbit speak --vocoder griffin-lim` bypasses it).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configClassOf, loadConfig, readJsonFile, saveConfig } from '../config/index.ts';
import { buildModel, modelFolders, readModelWeights, VOICE_VOCODER_DIR } from '../inference/tts_loader.ts';
import { saveTensors } from '../torch/io.ts';
import type { BaseTTS } from '../tts/models/base_tts.ts';
import { LANGUAGE_IDS_FILE_NAME, locateLanguageIds } from '../tts/utils/languages.ts';
import { loadModelSpeakers, SPEAKERS_FILE_NAME, speakerConfigOf } from '../tts/utils/speakers.ts';
import type { BaseGANVocoderConfig } from '../vocoder/configs/shared_configs.ts';
import { buildInferenceVocoder } from '../vocoder/inference.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';

/**
 * Writes the model of `modelPath` (config from `configPath`, the checkpoint or its run folder) as `out`/model.safetensors
 * + config.json (+ speakers, + language ids); returns the summary line.
 */
export function exportModel(
  modelPath: string,
  configPath: string | undefined,
  out: string,
  fp16: boolean,
): string {
  const { weights, config: found } = readModelWeights(modelPath);
  const raw = configPath !== undefined ? readJsonFile(configPath) : found;
  if (raw === undefined) throw new UsageError(`${modelPath} carries no config: give its config path`);
  // a multilingual model's language_ids.json, wherever the run kept it (a moved run: beside its checkpoints)
  const config = locateLanguageIds(
    loadConfig(raw as object, { onIgnored: () => {} }) as Record<string, unknown>,
    modelFolders(modelPath, configPath),
  );
  // a GAN vocoder ships its generator only, with the weight norm folded (what inference loads)
  const isVocoder = typeof (config as { generatorModel?: unknown }).generatorModel === 'string';
  const speakers = isVocoder ? null : loadModelSpeakers(config, modelFolders(modelPath, configPath));
  const model = isVocoder
    ? buildInferenceVocoder(config as BaseGANVocoderConfig, weights)
    : buildModel(config, weights, speakers);
  mkdirSync(out, { recursive: true });
  const path = join(out, 'model.safetensors');
  saveTensors(path, model.stateDict(), {
    metadata: { format: 'pt', model: String(model.config.model) },
    ...(fp16 ? { floatDType: 'float16' as const } : {}),
  });
  // the voice folder carries its speakers and languages; the loader finds them beside config.json
  const sideFiles: Record<string, string> = {};
  if (speakers && speakerConfigOf(model.config).useDVectorFile) {
    speakers.saveEmbeddingsToFile(join(out, 'd_vectors.json'));
    sideFiles.dVectorFile = 'd_vectors.json';
  } else if (speakers) {
    speakers.saveIdsToFile(join(out, SPEAKERS_FILE_NAME));
    sideFiles.speakersFile = SPEAKERS_FILE_NAME;
  }
  const languages = isVocoder ? null : (model as BaseTTS).conditioningLanguages;
  if (languages) {
    languages.saveToFolder(out);
    sideFiles.languageIdsFile = LANGUAGE_IDS_FILE_NAME;
  }
  // relative names, at the top level and in modelArgs where the model keeps its copies (VITS)
  const args = (model.config as { modelArgs?: Record<string, unknown> }).modelArgs;
  const argFiles = Object.fromEntries(Object.entries(sideFiles).filter(([k]) => args && k in args));
  saveConfig(
    { ...model.config, ...sideFiles, ...(args ? { modelArgs: { ...args, ...argFiles } } : {}) },
    join(out, 'config.json'),
    configClassOf(model.config),
  );
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  const extras = [
    speakers ? `${speakers.numSpeakers} speakers` : null,
    languages ? `${languages.numLanguages} languages` : null,
  ].filter(Boolean);
  return (
    ` > Wrote ${path} (${params.toLocaleString('en-US')} parameters${fp16 ? ', float16' : ''}), config.json` +
    `${extras.length ? ` and ${Object.values(sideFiles).join(', ')} (${extras.join(', ')})` : ''}`
  );
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const exportCommand: Command = {
  name: 'export',
  summary:
    'Write a trained model as a voice folder (model.safetensors + config.json [+ speakers.json] [+ language_ids.json] [+ vocoder/]), optionally fp16.',
  usage:
    'ribbit export --model-path CKPT|RUN [--config-path CONFIG.json] [--vocoder-path CKPT|RUN] --out DIR [--fp16]',
  description:
    'Loads the model the way `ribbit speak` does (ribbit checkpoint, run folder or Coqui .pth), checks that the\n' +
    'weights fit the config, and writes DIR/model.safetensors (weights only) and DIR/config.json; a multi-speaker\n' +
    "model's speaker ids go to DIR/speakers.json (its d-vectors to DIR/d_vectors.json), a multilingual model's\n" +
    'language ids to DIR/language_ids.json.\n' +
    'With --vocoder-path, a GAN vocoder (generator only) goes to DIR/vocoder/ and the voice speaks through it.\n' +
    '`ribbit speak --model-path DIR` then uses it.',
  options: [
    { name: 'model-path', type: 'string', arg: 'PATH', help: 'Checkpoint, run folder or Coqui .pth.' },
    { name: 'config-path', type: 'string', arg: 'PATH', help: "Config (default: the run's config.json)." },
    {
      name: 'vocoder-path',
      type: 'string',
      arg: 'PATH',
      help: 'GAN vocoder checkpoint, run folder or Coqui .pth to pair with the model (into DIR/vocoder/).',
    },
    {
      name: 'vocoder-config-path',
      type: 'string',
      arg: 'PATH',
      help: "Vocoder config (default: the vocoder run's config.json).",
    },
    { name: 'out', type: 'string', arg: 'DIR', help: 'Output folder.' },
    { name: 'fp16', type: 'boolean', help: 'Store floating-point weights as float16 (half the size).' },
  ],
  examples: [
    'ribbit export --model-path runs/demo_glow_tts-2026-11-24_184109 --out voices/default --fp16',
    'ribbit export --model-path tts_models--en--ljspeech--glow-tts/model_file.pth --config-path config.json --out voices/lj',
    'ribbit export --model-path voices/default --vocoder-path runs/demo_mb_melgan-2026-12-02_092814 --out voices/default --fp16',
  ],
  async run(args) {
    const o = args.options;
    if (typeof o.modelPath !== 'string') throw new UsageError('--model-path PATH is required');
    if (typeof o.out !== 'string') throw new UsageError('--out DIR is required');
    if (o.vocoderConfigPath !== undefined && o.vocoderPath === undefined)
      throw new UsageError('--vocoder-config-path needs --vocoder-path');
    const fp16 = o.fp16 === true;
    console.log(exportModel(o.modelPath, optionalString(o.configPath), o.out, fp16));
    if (typeof o.vocoderPath === 'string') {
      const dir = join(o.out, VOICE_VOCODER_DIR);
      console.log(exportModel(o.vocoderPath, optionalString(o.vocoderConfigPath), dir, fp16));
    }
    return 0;
  },
};
