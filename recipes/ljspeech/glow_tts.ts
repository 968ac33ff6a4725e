/**
 * Trains Glow-TTS on LJSpeech (or any corpus in LJSpeech's format: wavs/ + metadata.csv), as Coqui's
 * recipes/ljspeech/glow_tts/train_glowtts.py does: the run config is built here in code, then the generic
 * Trainer fits the model. See recipes/ljspeech/README.md.
 *
 *   node --import tsx recipes/ljspeech/glow_tts.ts --data /path/LJSpeech-1.1 [--output runs] [--<field>=VALUE ...]
 *   node --import tsx recipes/ljspeech/glow_tts.ts --demo [--data data/demo]      the small demo architecture
 *
 * Any other `--field=value` (or `--field value`) overrides a config field, as with `ribbit train`:
 * `--batchSize=16`, `--epochs 10`, `--audio.sampleRate=16000`. Resume a run with
 * `ribbit train --continue-path RUN_FOLDER` (the run folder holds the config.json written here).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyOverrides, ConfigError, loadConfig } from '../../src/config/index.ts';
import { Trainer, type TrainerSettings } from '../../src/trainer/trainer.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';

/** The config the bundled demo voice is trained with (its architecture and settings are --demo's). */
export const DEMO_CONFIG = new URL('../demo/glow_tts.json', import.meta.url).pathname;

export interface RecipeOptions {
  /** The demo architecture and settings of recipes/demo/glow_tts.json instead of Coqui's LJSpeech recipe. */
  demo?: boolean;
  /** Where run folders (and the phoneme cache) go; default "runs". */
  outputPath?: string;
}

/** The run config for an LJSpeech-format corpus at `dataPath`. */
export function makeConfig(dataPath: string, options: RecipeOptions = {}): GlowTTSConfig {
  const outputPath = options.outputPath ?? 'runs';
  const datasets = [{ formatter: 'ljspeech', path: resolve(dataPath), metaFileTrain: 'metadata.csv' }];
  if (options.demo) {
    const demo = loadConfig(DEMO_CONFIG, { configClass: GlowTTSConfig });
    return GlowTTSConfig.create({
      ...demo,
      outputPath,
      phonemeCachePath: join(outputPath, 'phoneme_cache'),
      datasets,
    });
  }
  // Coqui's LJSpeech recipe; the architecture is GlowTTSConfig's defaults (hidden 192, 12 flow blocks,
  // 6-layer encoder: 28.6M parameters with the en-us phoneme vocabulary). Its mixed_precision=True and
  // num_loader_workers=4 are GPU/DataLoader settings with no CPU counterpart here.
  return GlowTTSConfig.create({
    runName: 'ljspeech_glow_tts',
    runDescription: "Glow-TTS on LJSpeech (Coqui's recipe settings)",
    outputPath,
    batchSize: 32,
    evalBatchSize: 16,
    runEval: true,
    testDelayEpochs: 0, // Coqui's -1: test sentences from the first epoch
    epochs: 1000,
    textCleaner: 'phoneme_cleaners',
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    phonemeCachePath: join(outputPath, 'phoneme_cache'),
    printStep: 25,
    printEval: false,
    datasets,
  });
}

/** Splits the recipe's own options from the config overrides. */
export function parseArgs(argv: readonly string[]): {
  data: string | null;
  output: string;
  demo: boolean;
  overrides: string[];
} {
  let data: string | null = null;
  let output = 'runs';
  let demo = false;
  const overrides: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--')))
        throw new Error(`${name}: needs a value`);
      return v;
    };
    if (name === '--data') data = value();
    else if (name === '--output') output = value();
    else if (name === '--demo') demo = true;
    else overrides.push(a);
  }
  return { data, output, demo, overrides };
}

const USAGE =
  'usage: node --import tsx recipes/ljspeech/glow_tts.ts --data /path/LJSpeech-1.1 [--output runs] [--demo] [--<field>=VALUE ...]';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const data = args.data ?? (args.demo ? 'data/demo' : null);
  if (!data) {
    console.error(`--data is required (an LJSpeech-format folder; see recipes/ljspeech/README.md)\n${USAGE}`);
    return 2;
  }
  if (!existsSync(join(data, 'metadata.csv'))) {
    const hint = args.demo
      ? 'make it with: node bin/ribbit.mjs make-demo-dataset --out data/demo --sentences 400'
      : 'download LJSpeech as recipes/ljspeech/README.md says';
    console.error(`${join(data, 'metadata.csv')} not found: ${hint}`);
    return 2;
  }
  let config: GlowTTSConfig;
  let rest: string[];
  try {
    ({ config, rest } = applyOverrides(
      makeConfig(data, { demo: args.demo, outputPath: args.output }),
      args.overrides,
    ));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return 2;
  }
  if (rest.length) {
    console.error(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`);
    return 2;
  }
  const model = new GlowTTS(config);
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
