import { makeDemoDataset } from '../data/demo.js';
import { ConsoleLogger } from '../trainer/console.js';
import type { Command } from './command.js';
import { UsageError } from './command.js';

export const makeDemoDatasetCommand: Command = {
  name: 'make-demo-dataset',
  summary: 'Write an LJSpeech-format dataset spoken by espeak-ng (for recipes, tests and demos).',
  usage: 'ribbit make-demo-dataset --out DIR [--sentences N] [--offset K] [--voice en-us]',
  description:
    'Speaks sentences from recipes/data/demo_sentences.txt with espeak-ng into DIR/wavs/*.wav (22050 Hz mono 16-bit)\n' +
    'and writes DIR/metadata.csv (id|text|text). Re-running reuses wavs already written.',
  options: [
    { name: 'out', type: 'string', arg: 'DIR', help: 'Output folder.' },
    { name: 'sentences', type: 'number', arg: 'N', help: 'Number of sentences.', default: 100 },
    {
      name: 'offset',
      type: 'number',
      arg: 'K',
      help: 'Skip the first K sentences (e.g. for a held-out set).',
      default: 0,
    },
    { name: 'voice', type: 'string', arg: 'VOICE', help: 'espeak-ng voice.', default: 'en-us' },
    { name: 'sample-rate', type: 'number', arg: 'HZ', help: 'Sample rate of the wavs.', default: 22050 },
  ],
  examples: [
    'ribbit make-demo-dataset --out data/demo --sentences 400',
    'ribbit make-demo-dataset --out data/demo-heldout --sentences 20 --offset 400',
  ],
  async run(args) {
    const o = args.options;
    if (typeof o.out !== 'string') throw new UsageError('--out DIR is required');
    const log = new ConsoleLogger();
    const started = Date.now();
    const meta = await makeDemoDataset({
      out: o.out,
      sentences: Number(o.sentences),
      offset: Number(o.offset),
      voice: String(o.voice),
      sampleRate: Number(o.sampleRate),
      onProgress: (done, total) => log.progress(' speaking', done, total, started),
    });
    log.endProgress();
    log.line(
      ` > Wrote ${o.sentences} utterances and ${meta} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  },
};
