import { makeDemoDataset } from '../data/demo.ts';
import { ConsoleLogger } from '../trainer/console.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';

export const makeDemoDatasetCommand: Command = {
  name: 'make-demo-dataset',
  summary:
    'Write a dataset spoken by espeak-ng, one voice or several speakers (for recipes, tests and demos).',
  usage:
    'ribbit make-demo-dataset --out DIR [--sentences N] [--offset K] [--voice en-us | --speakers V1,V2,...]',
  description:
    'Speaks sentences from recipes/data/demo_sentences.txt with espeak-ng into DIR/wavs/*.wav (22050 Hz mono 16-bit)\n' +
    'and writes DIR/metadata.csv (id|text|text: the ljspeech formatter). Re-running reuses wavs already written.\n' +
    'With --speakers, every voice speaks the N sentences into DIR/wavs/<voice>/ and metadata.csv is multi-speaker\n' +
    '(audio_file|text|speaker_name, the voice as speaker name: the coqui formatter).',
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
    { name: 'voice', type: 'string', arg: 'VOICE', help: 'espeak-ng voice (default en-us).' },
    {
      name: 'speakers',
      type: 'string',
      arg: 'V1,V2,...',
      help: 'Comma-separated espeak-ng voices of a multi-speaker dataset (e.g. en-us,en-gb,en-us+f3).',
    },
    { name: 'sample-rate', type: 'number', arg: 'HZ', help: 'Sample rate of the wavs.', default: 22050 },
  ],
  examples: [
    'ribbit make-demo-dataset --out data/demo --sentences 400',
    'ribbit make-demo-dataset --out data/demo-heldout --sentences 20 --offset 400',
    'ribbit make-demo-dataset --out data/demo-3spk --sentences 100 --speakers en-us,en-gb,en-us+f3',
  ],
  async run(args) {
    const o = args.options;
    if (typeof o.out !== 'string') throw new UsageError('--out DIR is required');
    const speakers =
      typeof o.speakers === 'string'
        ? o.speakers
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean)
        : [];
    if (speakers.length && typeof o.voice === 'string')
      throw new UsageError('give --voice or --speakers, not both');
    const log = new ConsoleLogger();
    const started = Date.now();
    const meta = await makeDemoDataset({
      out: o.out,
      sentences: Number(o.sentences),
      offset: Number(o.offset),
      ...(speakers.length ? { speakers } : { voice: typeof o.voice === 'string' ? o.voice : 'en-us' }),
      sampleRate: Number(o.sampleRate),
      onProgress: (done, total) => log.progress(' speaking', done, total, started),
    });
    log.endProgress();
    const n = Number(o.sentences) * Math.max(1, speakers.length);
    const who = speakers.length ? ` by ${speakers.length} speakers (formatter "coqui")` : '';
    log.line(` > Wrote ${n} utterances${who} and ${meta} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
