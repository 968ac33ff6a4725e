/**
 * The GAN vocoder dataset (Coqui's `GANDataset`): (mel, waveform) pairs, the mel computed by the audio
 * processor from the wav or read from a precomputed `.npy` (a TTS model's output, for fine-tuning), cut into
 * random aligned segments of `seqLen` samples (`seqLen / hop + 2 convPad` frames) for training, or whole for
 * evaluation. Wavs shorter than a segment are zero-padded (`padShort` extra samples), short mels padded with
 * the mel of silence.
 *
 * Batches: `input` mel `[B, C, frames]`, `waveform` `[B, 1, seqLen]` (and `inputDisc` / `waveformDisc`, another
 * item of the batch's epoch, with `returnPairs`: Coqui's `diff_samples_for_G_and_D`).
 */
import { resample } from '../../audio/resample.ts';
import { readWav } from '../../audio/wav.ts';
import type { MelExtractor } from '../../data/dataset.ts';
import { epochSeed, SeededRandom } from '../../data/random.ts';
import * as torch from '../../torch/index.ts';
import type { Batch, BatchSource } from '../../trainer/api.ts';
import { readNpy } from './npy.ts';
import type { VocoderItem } from './preprocess.ts';

/** What the dataset needs from an audio processor (`AudioProcessor` implements it). */
export interface VocoderAudio extends MelExtractor {
  readonly hopLength: number;
  readonly winLength: number;
}

export interface GANDatasetOptions {
  audio: VocoderAudio;
  /** Wav paths, or wav + precomputed mel pairs (see preprocess.ts). */
  items: VocoderItem[];
  /** Segment length in samples, a multiple of the hop length. */
  seqLen: number;
  /** Extra zero padding (samples) of wavs shorter than seqLen. */
  padShort?: number;
  /** Extra mel frames on each side of a segment. */
  convPad?: number;
  /** Random segments (training); false: whole utterances, batch size 1 (evaluation). */
  returnSegments?: boolean;
  /** Add N(0, 1/32768²) noise to training segments. */
  useNoiseAugment?: boolean;
  /** Keep loaded (audio, mel) in memory. */
  useCache?: boolean;
  /** Also return a second, differently drawn item for the discriminator step. */
  returnPairs?: boolean;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Receives the summary ("N kept of M", dropped files and why). */
  log?: (line: string) => void;
}

interface Loaded {
  /** [T] samples. */
  audio: Float32Array;
  /** [C, frames] row-major. */
  mel: Float32Array;
  channels: number;
  frames: number;
}

const wavOf = (it: VocoderItem) => (typeof it === 'string' ? it : it.wav);

export class GANDataset implements BatchSource {
  readonly options: GANDatasetOptions;
  readonly hop: number;
  /** Mel frames per segment: seqLen / hop + 2 convPad. */
  readonly featFrameLen: number;
  items: VocoderItem[] = [];
  readonly #cache = new Map<number, Loaded>();
  #silence: number | null = null;
  #warnedRate = false;

  constructor(options: GANDatasetOptions) {
    this.options = options;
    this.hop = options.audio.hopLength;
    if (options.seqLen % this.hop !== 0) {
      throw new Error(
        `GANDataset: seqLen (${options.seqLen}) must be a multiple of the hop length (${this.hop})`,
      );
    }
    this.featFrameLen = options.seqLen / this.hop + 2 * (options.convPad ?? 0);
  }

  get returnSegments(): boolean {
    return this.options.returnSegments ?? true;
  }

  get batchSize(): number {
    return this.returnSegments ? this.options.batchSize : 1;
  }

  /** Checks every file once (readable wav, readable mel of the right size); drops and reports bad ones. */
  async prepare(): Promise<void> {
    const o = this.options;
    const dropped: Record<string, string[]> = {};
    const kept: VocoderItem[] = [];
    for (const [i, it] of o.items.entries()) {
      try {
        const loaded = this.#read(it);
        if (loaded.audio.length === 0) throw new Error('empty audio');
        if (o.useCache) this.#cache.set(kept.length, loaded);
        kept.push(it);
      } catch (e) {
        const why = (e as Error).message.replace(wavOf(it), '').replace(/^[:\s]+/, '') || 'unreadable';
        const key = why.split(' (')[0];
        dropped[key] = [...(dropped[key] ?? []), wavOf(it)];
      }
      if (o.items.length >= 1000 && (i + 1) % Math.ceil(o.items.length / 10) === 0) {
        o.log?.(`   | > checked ${i + 1} of ${o.items.length} files`);
      }
    }
    this.items = kept;
    o.log?.(` > Vocoder dataset: ${kept.length} files kept of ${o.items.length}`);
    for (const [why, files] of Object.entries(dropped)) {
      o.log?.(`   | > dropped ${files.length}: ${why} (e.g. ${files[0]})`);
    }
    if (kept.length === 0)
      throw new Error(`no usable vocoder training files (${Object.keys(dropped).join('; ')})`);
  }

  /** Number of batches per epoch. */
  get length(): number {
    return Math.ceil(this.items.length / this.batchSize);
  }

  /** Loads a wav (resampled, prepared as the processor's load_wav does) and its mel. */
  #read(it: VocoderItem): Loaded {
    const a = this.options.audio;
    const path = wavOf(it);
    const wav = readWav(path);
    let samples = wav.samples;
    if (wav.sampleRate !== a.sampleRate) {
      if (!this.#warnedRate) {
        this.options.log?.(
          ` > Resampling audio from ${wav.sampleRate} Hz to ${a.sampleRate} Hz (e.g. ${path})`,
        );
        this.#warnedRate = true;
      }
      samples = resample(samples, wav.sampleRate, a.sampleRate);
    }
    return torch.tidy(() => {
      let audio = torch.tensor(samples);
      if (a.prepareWav) audio = a.prepareWav(audio);
      if (typeof it !== 'string') {
        const npy = readNpy(it.feat);
        const shape = npy.shape.filter((s, i) => !(i === 0 && s === 1 && npy.shape.length === 3));
        if (shape.length !== 2)
          throw new Error(`${it.feat}: expected a mel [C, T], got shape [${npy.shape}]`);
        return { audio: audio.toFloat32Array(), mel: npy.data, channels: shape[0], frames: shape[1] };
      }
      const minLen = this.options.seqLen + (this.options.padShort ?? 0);
      if (audio.shape[0] < minLen) audio = torch.F.pad(audio, [0, minLen - audio.shape[0]]);
      const mel = a.melspectrogram(audio);
      return {
        audio: audio.toFloat32Array(),
        mel: mel.contiguous().toFloat32Array(),
        channels: mel.shape[0],
        frames: mel.shape[1],
      };
    });
  }

  /** The normalised mel value of silence (mean over bands of the mel of winLength zeros). */
  #silenceValue(): number {
    if (this.#silence === null) {
      this.#silence = torch.tidy(() =>
        this.options.audio
          .melspectrogram(torch.zeros([this.options.audio.winLength]))
          .select(1, 0)
          .mean()
          .item(),
      );
    }
    return this.#silence;
  }

  #load(i: number): Loaded {
    const cached = this.#cache.get(i);
    if (cached) return cached;
    const loaded = this.#read(this.items[i]);
    if (this.options.useCache) this.#cache.set(i, loaded);
    return loaded;
  }

  /**
   * Item `i` as mel `[C, frames]` and audio `[1, samples]` (frames · hop samples), a random aligned segment when
   * `returnSegments`.
   */
  item(i: number, rng: SeededRandom): { mel: torch.Tensor; audio: torch.Tensor } {
    const { audio, mel, channels, frames } = this.#load(i);
    const o = this.options;
    return torch.tidy(() => {
      let m = torch.tensor(mel, { shape: [channels, frames] });
      let a = torch.tensor(audio);
      if (a.shape[0] < o.seqLen) a = torch.F.pad(a, [0, o.seqLen - a.shape[0]]);
      if (frames < this.featFrameLen)
        m = torch.F.pad(m, [0, this.featFrameLen - frames], 'constant', this.#silenceValue());
      const nFrames = m.shape[1];
      // the STFT pads the signal: extend the audio by one hop (edge value), then cut it to frames * hop
      const padded = torch.F.pad(a.view([1, 1, -1]), [0, this.hop], 'replicate').view([-1]);
      a = padded.narrow(0, 0, Math.min(padded.shape[0], nFrames * this.hop));
      if (a.shape[0] < nFrames * this.hop) a = torch.F.pad(a, [0, nFrames * this.hop - a.shape[0]]);
      a = a.unsqueeze(0);
      if (this.returnSegments) {
        const start = rng.int(nFrames - this.featFrameLen + 1);
        m = m.narrow(1, start, this.featFrameLen);
        a = a.narrow(1, start * this.hop, o.seqLen);
        if (o.useNoiseAugment) a = a.add(torch.randnLike(a).mul(1 / 32768));
      }
      return { mel: m.contiguous(), audio: a.contiguous() };
    });
  }

  /** The item order of an epoch (shuffled with the epoch's seed when `shuffle`). */
  order(epoch: number): number[] {
    const idx = this.items.map((_, i) => i);
    return (this.options.shuffle ?? true)
      ? new SeededRandom(epochSeed(this.options.seed ?? 0, epoch)).shuffle(idx)
      : idx;
  }

  /** Stacks items into `{ input: [B, C, F], waveform: [B, 1, T] }` (plus the discriminator's pair). */
  collate(indices: number[], rng: SeededRandom, pairs?: number[]): Batch {
    return torch.tidy(() => {
      const stack = (ids: number[]) => {
        const items = ids.map((i) => this.item(i, rng));
        return {
          mel: torch.stack(items.map((it) => it.mel)),
          audio: torch.stack(items.map((it) => it.audio)),
        };
      };
      const g = stack(indices);
      const batch: Batch = { input: g.mel, waveform: g.audio };
      if (pairs) {
        const d = stack(pairs);
        batch.inputDisc = d.mel;
        batch.waveformDisc = d.audio;
      }
      return batch;
    });
  }

  /**
   * Batches of an epoch, skipping the first `skip` without loading them: each batch draws its segments from its
   * own seeded generator, so a resumed epoch sees the same segments.
   */
  async *batches(epoch: number, skip = 0): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const base = epochSeed((this.options.seed ?? 0) + 1, epoch);
    const mapping = this.options.returnPairs ? new SeededRandom(base).shuffle(order.slice()) : null;
    const n = this.batchSize;
    for (let b = skip; b < this.length; b++) {
      const rng = new SeededRandom((base ^ Math.imul(b + 1, 0x9e3779b1)) >>> 0);
      yield this.collate(order.slice(b * n, b * n + n), rng, mapping?.slice(b * n, b * n + n));
    }
  }
}
