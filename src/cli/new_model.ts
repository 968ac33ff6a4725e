/**
 * `ribbit new-model <Name>`: writes the skeleton of a new TTS model (config, a layer, the loss, the model,
 * layer/loss/model tests) and registers it in src/tts/models/index.ts. See docs/implementing-a-model.md.
 */
import { resolve } from 'node:path';
import { ScaffoldError, scaffoldFiles, scaffoldModel } from '../scaffold/new_model.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';

export const newModelCommand: Command = {
  name: 'new-model',
  summary: 'Write the skeleton of a new TTS model (config, layer, loss, model, tests) and register it.',
  usage: 'ribbit new-model <Name> [--example] [--root DIR] [--snake NAME] [--no-register]',
  description:
    'Name is the model class in PascalCase (MyTTS); files are named after its snake-case form (my_tts):\n' +
    scaffoldFiles({ name: 'MyTTS', snake: 'my_tts' })
      .map((f) => `  ${f.path.padEnd(34)} ${f.what}`)
      .join('\n') +
    '\nEvery method is typed; the bodies throw "not implemented: <Class>.<method> in <file>" until written\n' +
    '(--example writes a small working model instead: the ToyTTS of docs/implementing-a-model.md).\n' +
    'The imports and the registerModel(...) line are added to src/tts/models/index.ts (--no-register prints\n' +
    'them instead). Existing files are never overwritten: if any exists, nothing is written.',
  options: [
    {
      name: 'example',
      type: 'boolean',
      help: 'Write a small working model (the guide\'s example) instead of "not implemented" bodies.',
    },
    {
      name: 'root',
      type: 'string',
      arg: 'DIR',
      help: 'The ribbit project to write into (default: the current folder).',
    },
    {
      name: 'snake',
      type: 'string',
      arg: 'NAME',
      help: 'Snake-case name for the files and the config\'s "model" value (default: from Name).',
    },
    {
      name: 'no-register',
      type: 'boolean',
      help: 'Leave src/tts/models/index.ts alone and print the lines to add.',
    },
  ],
  examples: [
    'ribbit new-model MyTTS',
    'ribbit new-model MyTTS --example     # a working model to start from',
    'ribbit new-model NeuralHMM --snake neuralhmm_tts --root ../my-ribbit',
  ],
  async run(args) {
    const o = args.options;
    if (args.positionals.length !== 1) {
      throw new UsageError('give one model name, e.g. `ribbit new-model MyTTS` (see --help)');
    }
    const root = resolve(typeof o.root === 'string' ? o.root : '.');
    try {
      const result = scaffoldModel({
        root,
        name: args.positionals[0],
        snake: typeof o.snake === 'string' ? o.snake : undefined,
        variant: o.example === true ? 'example' : 'todo',
        register: o.noRegister !== true,
      });
      console.log(` > ${result.names.name} ("${result.names.snake}") in ${root}:`);
      for (const path of result.written) console.log(`   ${path}`);
      if (result.formatted !== 'formatted' && result.formatted !== 'absent') {
        console.log(`\n biome check --write left problems in the new files:\n${result.formatted}`);
      }
      console.log(`\n${result.nextSteps}`);
      return 0;
    } catch (err) {
      if (err instanceof ScaffoldError) throw new UsageError(err.message);
      throw err;
    }
  },
};
