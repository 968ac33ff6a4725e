/** The list of `ribbit` sub-commands. Each is loaded only when used. */
import { registerCommand } from './main.ts';

registerCommand(
  'train',
  'Train a model from a config (resume with --continue-path, fine-tune with --restore-path).',
  async () => (await import('./train.ts')).trainCommand,
);
registerCommand(
  'export',
  'Write a trained model as a voice folder (model.safetensors + config.json), optionally fp16.',
  async () => (await import('./export.ts')).exportCommand,
);
registerCommand(
  'compute-stats',
  'Mean/std of the mel and linear spectrograms of a dataset (for audio.statsPath).',
  async () => (await import('./compute_stats.ts')).computeStatsCommand,
);
registerCommand(
  'make-demo-dataset',
  'Write an LJSpeech-format demo dataset spoken by espeak-ng.',
  async () => (await import('./make_demo_dataset.ts')).makeDemoDatasetCommand,
);
registerCommand(
  'logs',
  "Print the scalars of a run's TensorBoard event files.",
  async () => (await import('./logs.ts')).logsCommand,
);
registerCommand(
  'eval',
  'Objective voice quality vs reference recordings (MCD-DTW, F0 RMSE, voicing error, duration ratio).',
  async () => (await import('./eval.ts')).evalCommand,
);
registerCommand(
  'speak',
  'Synthesize speech from text into a WAV file (or stdout).',
  async () => (await import('./speak.ts')).speakCommand,
);
registerCommand(
  'list-speakers',
  'List the speakers and languages of a model.',
  async () => (await import('./list_speakers.ts')).listSpeakersCommand,
);
registerCommand(
  'list-models',
  "List Coqui's released models (for --model-name) and whether ribbit runs each one now.",
  async () => (await import('./list_models.ts')).listModelsCommand,
);
registerCommand(
  'serve',
  'Serve a model over HTTP (Coqui/MaryTTS-compatible API, streaming, web page).',
  async () => (await import('./serve.ts')).serveCommand,
);
registerCommand(
  'new-model',
  'Write the skeleton of a new TTS model (config, layer, loss, model, tests) and register it.',
  async () => (await import('./new_model.ts')).newModelCommand,
);
