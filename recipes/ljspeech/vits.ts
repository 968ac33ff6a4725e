/**
 * Trains VITS on LJSpeech (or any corpus in LJSpeech's format: wavs/ + metadata.csv), as Coqui's
 * recipes/ljspeech/vits_tts/train_vits.py does: the run config is built here in code, then the generic
 * Trainer fits the model (two optimizers: the discriminator's, then the generator's). See
 * recipes/ljspeech/README.md.
 *
 *   node --import tsx recipes/ljspeech/vits.ts --data /path/LJSpeech-1.1 [--output runs] [--<field>=VALUE ...]
 *   node --import tsx recipes/ljspeech/vits.ts --demo [--data data/demo]      the small demo architecture
 *
 * Other `--field=value` options override config fields as with `ribbit train` (`--modelArgs.hiddenChannels=96`);
 * resume with `ribbit train --continue-path RUN_FOLDER`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyOverrides, ConfigError, loadConfig } from '../../src/config/index.ts';
import { Trainer, type TrainerSettings } from '../../src/trainer/trainer.ts';
import { VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { Vits } from '../../src/tts/models/vits.ts';
import { parseArgs, type RecipeOptions } from './glow_tts.ts';

/** A small VITS for the espeak-ng demo dataset (2 CPU cores). */
export const DEMO_CONFIG = new URL('../demo/vits.json', import.meta.url).pathname;

/** The run config for an LJSpeech-format corpus at `dataPath`. */
export function makeConfig(dataPath: string, options: RecipeOptions = {}): VitsConfig {
  const outputPath = options.outputPath ?? 'runs';
  const datasets = [{ formatter: 'ljspeech', path: resolve(dataPath), metaFileTrain: 'metadata.csv' }];
  const phonemeCachePath = join(outputPath, 'phoneme_cache');
  if (options.demo) {
    const demo = loadConfig(DEMO_CONFIG, { configClass: VitsConfig });
    return VitsConfig.create({ ...demo, outputPath, phonemeCachePath, datasets });
  }
  // Coqui's LJSpeech VITS recipe; the architecture is VitsArgs' defaults (hidden 192, 6-layer text encoder,
  // 16-layer posterior encoder, HiFiGAN decoder from 512 channels, Coqui's discriminator widths) and the audio
  // VitsAudioConfig's (22050 Hz, fft/win 1024, hop 256, 80 mels, fmin 0, fmax none). Its mixed_precision=True,
  // num_loader_workers=8 / num_eval_loader_workers=4, compute_input_seq_cache=True and cudnn_benchmark=False
  // are GPU / DataLoader settings with no counterpart here.
  return VitsConfig.create({
    runName: 'vits_ljspeech',
    outputPath,
    batchSize: 32,
    evalBatchSize: 16,
    batchGroupSize: 5,
    runEval: true,
    testDelayEpochs: 0, // Coqui's -1: test sentences from the first epoch
    epochs: 1000,
    textCleaner: 'english_cleaners',
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    phonemeCachePath,
    printStep: 25,
    printEval: true,
    datasets,
  });
}

const USAGE =
  'usage: node --import tsx recipes/ljspeech/vits.ts --data /path/LJSpeech-1.1 [--output runs] [--demo] [--<field>=VALUE ...]';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let config: VitsConfig;
  try {
    const args = parseArgs(argv);
    const data = args.data ?? (args.demo ? 'data/demo' : null);
    if (!data)
      throw new Error('--data is required (an LJSpeech-format folder; see recipes/ljspeech/README.md)');
    if (!existsSync(join(data, 'metadata.csv'))) {
      const hint = args.demo
        ? 'make it with: node bin/ribbit.mjs make-demo-dataset --out data/demo --sentences 400'
        : 'download LJSpeech as recipes/ljspeech/README.md says';
      throw new Error(`${join(data, 'metadata.csv')} not found: ${hint}`);
    }
    const made = makeConfig(data, { demo: args.demo, outputPath: args.output });
    const { config: overridden, rest } = applyOverrides(made, args.overrides);
    if (rest.length) throw new Error(`unexpected arguments: ${rest.join(' ')}`);
    config = overridden;
  } catch (e) {
    if (!(e instanceof Error) || !(e instanceof ConfigError || e.constructor === Error)) throw e;
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const model = new Vits(config);
  const trainer = new Trainer({
    config: model.config as unknown as TrainerSettings & Record<string, unknown>,
    model,
  });
  await trainer.fit();
  console.log(` > Run folder: ${trainer.runPath}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
