/**
 * A Glow-TTS voice's own mels of a dataset's recordings, for fine-tuning a vocoder on them (Coqui's
 * `extract_tts_spectrograms.py` with `inference_with_MAS`): each recording's mel is aligned to its text by
 * monotonic alignment search, and the prior means along that alignment go back through the flow decoder. The mel
 * has the recording's timing (so it pairs with its wav) and the model's spectral detail (what the vocoder will get
 * at synthesis). Written as `<out>/<wav stem>.npy`, float32 `[C, frames]`, for a vocoder config's `featurePath`.
 *
 * Usage: node --import tsx scripts/glow_tts_mels.ts --voice voices/default --dataset data/demo --out DIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { resample } from '../src/audio/resample.ts';
import { readWav } from '../src/audio/wav.ts';
import { loadConfig, readJsonFile } from '../src/config/index.ts';
import { ljspeech } from '../src/data/formatters.ts';
import { buildModel, readModelWeights } from '../src/inference/tts_loader.ts';
import * as torch from '../src/torch/index.ts';
import type { GlowTTS } from '../src/tts/models/glow_tts.ts';

/** float32 `[rows, cols]` as a NumPy v1.0 .npy file. */
function npyBytes(data: Float32Array, rows: number, cols: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64));
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

const { values } = parseArgs({
  options: { voice: { type: 'string' }, dataset: { type: 'string' }, out: { type: 'string' } },
});
if (!values.voice || !values.dataset || !values.out) {
  console.error('usage: scripts/glow_tts_mels.ts --voice DIR --dataset DIR --out DIR');
  process.exit(2);
}
const config = loadConfig(readJsonFile(join(values.voice, 'config.json')) as object);
const model = buildModel(config, readModelWeights(values.voice).weights) as GlowTTS;
const language = String((config as { phonemeLanguage?: string }).phonemeLanguage ?? 'en-us');
const ap = model.ap;
const { samples } = ljspeech(values.dataset, null);
mkdirSync(values.out, { recursive: true });
const started = Date.now();
for (const [k, s] of samples.entries()) {
  const ids = await model.tokenizer.textToIds(s.text, language);
  const wav = readWav(s.audioFile);
  const audio =
    wav.sampleRate === ap.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, ap.sampleRate);
  const { mel, frames } = torch.noGrad(() =>
    torch.tidy(() => {
      const y = ap
        .melspectrogram(ap.prepareWav(torch.tensor(audio)))
        .transpose(0, 1)
        .unsqueeze(0); // [1, T, C]
      const x = torch.tensor([ids], { dtype: 'int64' });
      const out = model.forward(
        x,
        torch.tensor([ids.length], { dtype: 'int64' }),
        y,
        torch.tensor([y.size(1)], { dtype: 'int64' }),
      );
      const yMean = out.yMean.transpose(1, 2); // [1, C, T'] the prior along the alignment
      const mask = torch.ones([1, 1, yMean.size(2)]);
      let { z } = model.decoder.forward(yMean, mask, null, true);
      // clipped as NeuralVocoder's renormalisation clips the model's mel at synthesis
      if (ap.clipNorm) z = z.clamp(ap.symmetricNorm ? -ap.maxNorm : 0, ap.maxNorm);
      return { mel: z.select(0, 0).contiguous().toFloat32Array(), frames: z.size(2) };
    }),
  );
  writeFileSync(join(values.out, `${basename(s.audioFile, '.wav')}.npy`), npyBytes(mel, ap.numMels, frames));
  if ((k + 1) % 50 === 0)
    console.error(` > ${k + 1}/${samples.length} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
console.error(` > Wrote ${samples.length} mels to ${values.out}`);
