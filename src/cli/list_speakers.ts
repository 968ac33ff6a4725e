/** `ribbit list-speakers`: the speakers (and languages) of a model. */
import type { Command } from './command.ts';
import { loadFromArgs, MODEL_OPTIONS } from './speak.ts';

export const listSpeakersCommand: Command = {
  name: 'list-speakers',
  summary: 'List the speakers and languages of a model.',
  usage: 'ribbit list-speakers [--model-name NAME | --model-path PATH [--config-path PATH]] [--json]',
  description:
    'Prints one speaker per line as "INDEX<TAB>NAME"; either can be given to `ribbit speak --speaker` and to\n' +
    "the server's speaker_id. A single-speaker model prints a note on stderr and nothing on stdout.",
  options: [
    ...MODEL_OPTIONS,
    { name: 'json', type: 'boolean', help: 'Print {sampleRate, language, languages, speakers} as JSON.' },
  ],
  examples: [
    'ribbit list-speakers --model-path runs/demo3-2026-12-02_101500',
    'ribbit list-speakers --model-path vctk/best_model.pth --config-path vctk/config.json',
    'ribbit list-speakers --model-path m.pth --config-path c.json --json',
  ],
  async run(args) {
    const synth = await loadFromArgs(args);
    const info = synth.info();
    if (args.options.json) {
      console.log(JSON.stringify(info));
      return 0;
    }
    if (info.speakers.length === 0) {
      console.error(` > This model has a single speaker (language ${info.languages.join(', ')}).`);
      return 0;
    }
    for (const [i, name] of info.speakers.entries()) console.log(`${i}\t${name}`);
    console.error(` > ${info.speakers.length} speakers; languages: ${info.languages.join(', ')}`);
    return 0;
  },
};
