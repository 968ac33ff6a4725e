/**
 * The TTS dataset: token ids (phonemes cached on disk by the tokenizer's phonemizer), mel spectrograms computed
 * on the tensor engine from the wavs (and kept in memory after the first epoch when `cacheMels`), length
 * filters, length-sorted bucketing and padding collate into `[B, T, C]` batches. With `output: 'waveform'`
 * (end-to-end models such as VITS, Coqui's `VitsDataset`) it yields the padded waveforms instead of mels.
 */
import { open, readFile } from 'node:fs/promises';
import { resample, resampledLength } from '../audio/resample.ts';
import { readWav } from '../audio/wav.ts';
import type { TTSTokenizer } from '../text/index.ts';
import * as torch from '../torch/index.ts';
import type { Batch, BatchSource } from '../trainer/api.ts';
import type { Sample } from './formatters.ts';
import { epochSeed, SeededRandom } from './random.ts';

/** What the dataset needs from an audio processor (`AudioProcessor` implements it). */
export interface MelExtractor {
  readonly sampleRate: number;
  /** wav [T] in [-1, 1] -> mel [C, frames]. */
  melspectrogram(wav: torch.Tensor): torch.Tensor;
  /**
   * What Coqui's `load_wav` does after reading (silence trimming, peak/RMS normalisation as configured):
   * wav [T] -> [T']. Applied before the mel when present.
   */
  prepareWav?(wav: torch.Tensor): torch.Tensor;
}

export interface TTSDatasetOptions {
  samples: Sample[];
  tokenizer: TTSTokenizer;
  audio: MelExtractor;
  batchSize: number;
  /**
   * Samples are sorted by audio length and, when shuffling, shuffled within consecutive groups of
   * batchGroupSize * batchSize samples each epoch (bucketing: batches of similar lengths that differ from epoch
   * to epoch). 0: no bucketing (batches are consecutive runs of the sorted order; only their order is shuffled).
   */
  batchGroupSize?: number;
  minTextLen?: number;
  maxTextLen?: number;
  /** In audio samples (at the extractor's sample rate, before silence trimming, as in the WAV header). */
  minAudioLen?: number;
  maxAudioLen?: number;
  /** Keep computed mels (or waveforms) in memory after the first time (default true). */
  cacheMels?: boolean;
  /**
   * 'mel' (default): `mel [B, T, C]`, `melLengths`. 'waveform': `waveform [B, 1, T_wav]` right-padded with the
   * tokenizer's pad id *value* (Coqui's `VitsDataset.collate_fn` quirk), `waveformLengths [B]` int64 and
   * `waveformRelLengths [B]` float32 (samples / the batch's most).
   */
  output?: 'mel' | 'waveform';
  /** Shuffle (training) or keep the sorted order (eval). */
  shuffle?: boolean;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  seed?: number;
  /** Receives notes such as "dropped 3 samples: text longer than 190". */
  log?: (line: string) => void;
}

interface Item {
  sample: Sample;
  tokenIds: number[];
  /** Audio length in samples (from the WAV header). */
  audioLength: number;
}

/**
 * The number of samples of a WAV file at `targetRate` (after resampling), from its header: only the first
 * bytes are read (the whole file when the header is unusual, e.g. a data chunk after 64 KB of metadata).
 */
async function wavLength(path: string, targetRate: number): Promise<number> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const fromHeader = wavHeaderLength(head);
  if (fromHeader) return resampledLength(fromHeader.frames, fromHeader.sampleRate, targetRate);
  const bytes = await readFile(path);
  const wav = readWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: path });
  return resampledLength(wav.samples.length, wav.sampleRate, targetRate);
}

/** Frames and rate from the fmt and data chunk headers in `head`, or null to let readWav decide. */
function wavHeaderLength(head: Uint8Array): { frames: number; sampleRate: number } | null {
  if (head.length < 12) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const tag = (o: number) => String.fromCharCode(head[o], head[o + 1], head[o + 2], head[o + 3]);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let blockAlign = 0;
  let sampleRate = 0;
  for (let pos = 12; pos + 8 <= head.length; ) {
    const id = tag(pos);
    const size = view.getUint32(pos + 4, true);
    if (id === 'fmt ') {
      if (pos + 8 + 16 > head.length) return null;
      sampleRate = view.getUint32(pos + 12, true);
      blockAlign = view.getUint16(pos + 20, true);
    } else if (id === 'data') {
      // A streaming writer's 0xFFFFFFFF size (data to the end of the file) needs the file size: let readWav do it.
      if (!blockAlign || !sampleRate || size === 0xffffffff) return null;
      return { frames: Math.floor(size / blockAlign), sampleRate };
    }
    pos += 8 + size + (size & 1);
  }
  return null;
}

export class TTSDataset implements BatchSource {
  readonly options: TTSDatasetOptions;
  items: Item[] = [];
  readonly #mels = new Map<number, Float32Array>();
  #warnedRate = false;
  numMels = 0;

  constructor(options: TTSDatasetOptions) {
    this.options = options;
  }

  /** Tokenizes every text (phonemizing in parallel through the cache), measures audio, applies filters. */
  async prepare(): Promise<void> {
    const o = this.options;
    const log = o.log ?? (() => {});
    const byLanguage = new Map<string | undefined, Sample[]>();
    for (const s of o.samples) {
      const list = byLanguage.get(s.language) ?? [];
      list.push(s);
      byLanguage.set(s.language, list);
    }
    const ids = new Map<Sample, number[]>();
    for (const [lang, list] of byLanguage) {
      const all = await o.tokenizer.textToIdsMany(
        list.map((s) => s.text),
        lang,
      );
      list.forEach((s, i) => {
        ids.set(s, all[i]);
      });
    }
    const lengths = await Promise.all(o.samples.map((s) => wavLength(s.audioFile, o.audio.sampleRate)));
    const dropped: Record<string, number> = {};
    const drop = (why: string) => {
      dropped[why] = (dropped[why] ?? 0) + 1;
    };
    const items: Item[] = [];
    const reject = (tokenIds: number[], audioLength: number): string | undefined => {
      if (tokenIds.length === 0) return 'no known characters in the text';
      if (tokenIds.length < (o.minTextLen ?? 1)) return `text shorter than ${o.minTextLen}`;
      if (tokenIds.length > (o.maxTextLen ?? Number.POSITIVE_INFINITY))
        return `text longer than ${o.maxTextLen}`;
      if (audioLength < (o.minAudioLen ?? 1)) return `audio shorter than ${o.minAudioLen} samples`;
      if (audioLength > (o.maxAudioLen ?? Number.POSITIVE_INFINITY))
        return `audio longer than ${o.maxAudioLen} samples`;
      return undefined;
    };
    for (const [i, sample] of o.samples.entries()) {
      const tokenIds = ids.get(sample) ?? [];
      const audioLength = lengths[i];
      const why = reject(tokenIds, audioLength);
      if (why) drop(why);
      else items.push({ sample, tokenIds, audioLength });
    }
    items.sort((a, b) => a.audioLength - b.audioLength);
    this.items = items;
    const nDropped = Object.values(dropped).reduce((a, b) => a + b, 0);
    log(` > Dataset: ${items.length} samples kept of ${o.samples.length}`);
    for (const [why, n] of Object.entries(dropped)) log(`   | > dropped ${n}: ${why}`);
    if (items.length === 0) {
      throw new Error(`no usable samples (${nDropped} dropped: ${Object.keys(dropped).join('; ')})`);
    }
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.items.length / this.options.batchSize;
    return this.options.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample order of an epoch: sorted by length, shuffled within length groups, batches shuffled. */
  batchOrder(epoch: number): number[][] {
    const o = this.options;
    const idx = this.items.map((_, i) => i);
    const rng = new SeededRandom(epochSeed(o.seed ?? 0, epoch));
    if (o.shuffle ?? true) {
      const group = (o.batchGroupSize ?? 0) * o.batchSize;
      if (group > 0) {
        for (let s = 0; s < idx.length; s += group) {
          const part = rng.shuffle(idx.slice(s, s + group));
          idx.splice(s, part.length, ...part);
        }
      }
    }
    const batches: number[][] = [];
    for (let s = 0; s < idx.length; s += o.batchSize) {
      const b = idx.slice(s, s + o.batchSize);
      if (b.length < o.batchSize && o.dropLast) break;
      batches.push(b);
    }
    return (o.shuffle ?? true) ? rng.shuffle(batches) : batches;
  }

  /** The waveform of item `i` at the extractor's rate, prepared as `prepareWav` says (resampled when needed). */
  async wav(i: number): Promise<Float32Array> {
    const item = this.items[i];
    const bytes = await readFile(item.sample.audioFile);
    const wav = readWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      name: item.sample.audioFile,
    });
    let samples = wav.samples;
    const sr = this.options.audio.sampleRate;
    if (wav.sampleRate !== sr) {
      if (!this.#warnedRate) {
        this.options.log?.(
          ` > Resampling audio from ${wav.sampleRate} Hz to the config's ${sr} Hz (e.g. ${item.sample.audioFile})`,
        );
        this.#warnedRate = true;
      }
      samples = resample(samples, wav.sampleRate, sr);
    }
    const audio = this.options.audio;
    if (!audio.prepareWav) return samples;
    const prepare = audio.prepareWav.bind(audio);
    return torch.tidy(() => prepare(torch.tensor(samples)).toFloat32Array());
  }

  /** The mel of item `i` as [frames * C] row-major ([frames, C]). */
  async mel(i: number): Promise<{ data: Float32Array; frames: number; channels: number }> {
    const cached = this.#mels.get(i);
    if (cached) return { data: cached, frames: cached.length / this.numMels, channels: this.numMels };
    const samples = await this.wav(i);
    const data = torch.tidy(() => {
      const mel = this.options.audio.melspectrogram(torch.tensor(samples)); // [C, frames]
      this.numMels = mel.shape[0];
      return mel.transpose(0, 1).contiguous().toFloat32Array();
    });
    if (this.options.cacheMels ?? true) this.#mels.set(i, data);
    return { data, frames: data.length / this.numMels, channels: this.numMels };
  }

  /** The waveform of item `i` (cached like the mels). */
  async #cachedWav(i: number): Promise<Float32Array> {
    const cached = this.#mels.get(i);
    if (cached) return cached;
    const data = await this.wav(i);
    if (this.options.cacheMels ?? true) this.#mels.set(i, data);
    return data;
  }

  /** The audio fields of a batch in waveform mode (see `output`). */
  async #collateWaveforms(indices: number[]): Promise<Batch> {
    const wavs = await Promise.all(indices.map((i) => this.#cachedWav(i)));
    const B = wavs.length;
    const maxLen = Math.max(...wavs.map((w) => w.length));
    const data = new Float32Array(B * maxLen).fill(this.options.tokenizer.padId);
    const lens = new BigInt64Array(B);
    const rel = new Float32Array(B);
    wavs.forEach((w, b) => {
      data.set(w, b * maxLen);
      lens[b] = BigInt(w.length);
      rel[b] = w.length / maxLen;
    });
    return {
      waveform: torch.tensor(data, { shape: [B, 1, maxLen] }),
      waveformLengths: torch.tensor(lens),
      waveformRelLengths: torch.tensor(rel),
    };
  }

  /** Token ids padded with the pad id `[B, T_en]`, their lengths, and the items' metadata. */
  #textFields(items: Item[]): Batch {
    const B = items.length;
    const maxText = Math.max(...items.map((it) => it.tokenIds.length));
    const ids = new BigInt64Array(B * maxText).fill(BigInt(this.options.tokenizer.padId));
    const idLens = new BigInt64Array(B);
    items.forEach((it, b) => {
      it.tokenIds.forEach((id, t) => {
        ids[b * maxText + t] = BigInt(id);
      });
      idLens[b] = BigInt(it.tokenIds.length);
    });
    return {
      tokenIds: torch.tensor(ids, { shape: [B, maxText] }),
      tokenIdsLengths: torch.tensor(idLens),
      rawTexts: items.map((it) => it.sample.text),
      speakerNames: items.map((it) => it.sample.speakerName),
      audioFiles: items.map((it) => it.sample.audioFile),
      audioUniqueNames: items.map((it) => it.sample.audioUniqueName),
      languages: items.map((it) => it.sample.language ?? null),
    };
  }

  /** Pads a list of items into one batch. */
  async collate(indices: number[]): Promise<Batch> {
    const items = indices.map((i) => this.items[i]);
    if (this.options.output === 'waveform') {
      return { ...this.#textFields(items), ...(await this.#collateWaveforms(indices)) };
    }
    const mels = await Promise.all(indices.map((i) => this.mel(i)));
    const B = items.length;
    const maxFrames = Math.max(...mels.map((m) => m.frames));
    const C = mels[0].channels;
    const mel = new Float32Array(B * maxFrames * C);
    const melLens = new BigInt64Array(B);
    mels.forEach((m, b) => {
      mel.set(m.data, b * maxFrames * C);
      melLens[b] = BigInt(m.frames);
    });
    return {
      ...this.#textFields(items),
      mel: torch.tensor(mel, { shape: [B, maxFrames, C] }),
      melLengths: torch.tensor(melLens),
    };
  }

  /**
   * Batches of an epoch in `batchOrder(epoch)`, skipping the first `skip` (a resumed run gets the tail of the
   * same order). The next batch is prepared while the caller trains on the current one; a consumer that stops
   * early leaves nothing behind (the prefetched batch is released).
   */
  async *batches(epoch: number, skip = 0): AsyncGenerator<Batch> {
    const order = this.batchOrder(epoch).slice(skip);
    const prepare = (k: number): Promise<Batch> | null => {
      if (k >= order.length) return null;
      const p = this.collate(order[k]);
      // A failure is thrown where the batch is awaited; until then (the consumer may be busy awaiting
      // something else, or stop early) it must not count as an unhandled rejection.
      p.catch(() => {});
      return p;
    };
    let next = prepare(0);
    try {
      for (let k = 0; k < order.length; k++) {
        const current = await (next as Promise<Batch>);
        next = prepare(k + 1);
        yield current;
      }
    } finally {
      // Early return (break in for-await) or a throw: release the prefetched batch.
      next?.then(
        (b) => {
          for (const v of Object.values(b)) if (torch.isTensor(v)) v.dispose();
        },
        () => {},
      );
    }
  }
}
