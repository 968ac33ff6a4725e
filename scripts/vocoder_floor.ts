/**
 * The vocoder's own floor for `ribbit eval`: each reference wav of an LJSpeech-format dataset goes through the
 * model config's mel spectrogram and back through Griffin-Lim, so `ribbit eval --ref-dir --synth-dir` on the
 * result measures what the vocoder alone loses (a model's MCD cannot be expected to go below it).
 *
 * Usage: node --import tsx scripts/vocoder_floor.ts --config-path CONFIG.json --dataset DIR --out DIR [--sentences N]
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AudioProcessor } from '../src/audio/processor.ts';
import { resample } from '../src/audio/resample.ts';
import { readWav, writeWav } from '../src/audio/wav.ts';
import { loadConfig } from '../src/config/index.ts';
import * as torch from '../src/torch/index.ts';
import '../src/tts/models/index.ts';

const { values } = parseArgs({
  options: {
    'config-path': { type: 'string' },
    dataset: { type: 'string' },
    out: { type: 'string' },
    sentences: { type: 'string', default: '20' },
  },
});
if (!values['config-path'] || !values.dataset || !values.out) {
  console.error(
    'usage: scripts/vocoder_floor.ts --config-path CONFIG.json --dataset DIR --out DIR [--sentences N]',
  );
  process.exit(2);
}
const config = loadConfig(values['config-path']) as { audio: Record<string, unknown> };
const ap = new AudioProcessor(config.audio);
const ids = readFileSync(join(values.dataset, 'metadata.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(0, Number(values.sentences))
  .map((line) => line.split('|')[0]);
mkdirSync(values.out, { recursive: true });
for (const id of ids) {
  const wav = readWav(join(values.dataset, 'wavs', `${id}.wav`));
  const samples =
    wav.sampleRate === ap.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, ap.sampleRate);
  const out = torch.noGrad(() =>
    torch.tidy(() =>
      ap.invMelspectrogram(ap.melspectrogram(ap.prepareWav(torch.tensor(samples)))).toFloat32Array(),
    ),
  );
  writeWav(join(values.out, `${id}.wav`), out, ap.sampleRate);
}
console.log(`wrote ${ids.length} Griffin-Lim resyntheses to ${values.out}`);
