/**
 * A tiny TTS-shaped model for Trainer tests and the data bench: token embeddings, upsampled to the mel length by
 * nearest interpolation (frame t of item b takes token floor(t * textLen_b / melLen_b)), a few 1-d convolutions
 * with dropout, and an L1 loss against the mel under a sequence mask. Its data loader is a TTSDataset.
 */
import type { BaseTTSConfig } from '../../src/config/index.ts';
import { type MelExtractor, TTSDataset } from '../../src/data/dataset.ts';
import type { Sample } from '../../src/data/formatters.ts';
import type { TTSTokenizer } from '../../src/text/index.ts';
import * as torch from '../../src/torch/index.ts';
import { Conv1d, Dropout, Embedding, Module } from '../../src/torch/nn/index.ts';
import { createOptimizer, createScheduler } from '../../src/torch/optim/index.ts';
import type {
  Batch,
  BatchSource,
  LossDict,
  ModelLogger,
  StepResult,
  TrainableModel,
  TrainerCallbacks,
  TrainerOptimizer,
  TrainerScheduler,
} from '../../src/trainer/api.ts';

/** The data the model trains on: samples, tokenizer and mel extractor, and a cache of prepared datasets. */
export interface TinyData {
  train: Sample[];
  eval: Sample[];
  tokenizer: TTSTokenizer;
  audio: MelExtractor;
  /** Prepared datasets (and their mels) shared by every model using this object. */
  cache?: Map<string, Promise<TTSDataset>>;
}

export interface TinyModelOptions {
  config: BaseTTSConfig;
  data: TinyData;
  hidden?: number;
  /** Kernel size of the second convolution (changing it makes `conv2.weight` mismatch a checkpoint). */
  kernel2?: number;
  /** An extra output convolution `post` (absent from checkpoints of models without it). */
  post?: boolean;
  dropout?: number;
  /** Receives `model:<callback>` for every Trainer callback called on the model. */
  events?: string[];
}

const CALLBACKS: (keyof TrainerCallbacks)[] = [
  'onInitStart',
  'onInitEnd',
  'onEpochStart',
  'onEpochEnd',
  'onTrainEpochStart',
  'onTrainEpochEnd',
  'onTrainStepStart',
  'onTrainStepEnd',
  'onKeyboardInterrupt',
  'beforeBackwardPass',
  'beforeGradientClipping',
];

/** A callbacks object that appends `<prefix>:<name>` to `events` for each callback. */
export function recordingCallbacks(prefix: string, events: string[]): TrainerCallbacks {
  const out: Record<string, () => void> = {};
  for (const name of CALLBACKS) out[name] = () => events.push(`${prefix}:${name}`);
  return out as TrainerCallbacks;
}

export class TinyTTS extends Module implements TrainableModel {
  readonly config: BaseTTSConfig;
  readonly data: TinyData;
  readonly emb: Embedding;
  readonly conv1: Conv1d;
  readonly conv2: Conv1d;
  readonly out: Conv1d;
  readonly post: Conv1d | null;
  readonly drop: Dropout;
  readonly numMels: number;

  constructor(o: TinyModelOptions) {
    super();
    this.config = o.config;
    this.data = o.data;
    const h = o.hidden ?? 24;
    const k2 = o.kernel2 ?? 5;
    this.numMels = o.config.audio.numMels;
    this.emb = this.registerModule('emb', new Embedding(o.data.tokenizer.characters.numChars, h));
    this.conv1 = this.registerModule('conv1', new Conv1d(h, h, 5, { padding: 2 }));
    this.conv2 = this.registerModule('conv2', new Conv1d(h, h, k2, { padding: (k2 - 1) / 2 }));
    this.out = this.registerModule('out', new Conv1d(h, this.numMels, 1));
    this.post = o.post ? this.registerModule('post', new Conv1d(this.numMels, this.numMels, 1)) : null;
    this.drop = this.registerModule('drop', new Dropout(o.dropout ?? 0.1));
    if (o.events) Object.assign(this, recordingCallbacks('model', o.events));
  }

  /** Token ids upsampled to frames: ids [B, Tt], lengths -> ids [B, Tm] (0 past each mel length). */
  static upsample(ids: torch.Tensor, idLens: number[], melLens: number[], frames: number): torch.Tensor {
    const B = idLens.length;
    const Tt = ids.shape[1];
    const src = ids.dataSync() as BigInt64Array;
    const up = new BigInt64Array(B * frames);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < melLens[b]; t++) {
        const k = Math.min(Math.floor((t * idLens[b]) / melLens[b]), idLens[b] - 1);
        up[b * frames + t] = src[b * Tt + k];
      }
    }
    return torch.tensor(up, { shape: [B, frames] });
  }

  /** ids [B, Tt] + lengths -> predicted mel [B, Tm, C]. */
  forward(ids: torch.Tensor, idLens: number[], melLens: number[], frames: number): torch.Tensor {
    return torch.tidy(() => {
      const up = TinyTTS.upsample(ids, idLens, melLens, frames);
      let x = this.emb.forward(up).transpose(1, 2); // [B, H, Tm]
      x = this.drop.forward(this.conv1.forward(x).relu());
      x = this.conv2.forward(x).relu();
      let y = this.out.forward(x);
      if (this.post) y = y.add(this.post.forward(y));
      return y.transpose(1, 2); // [B, Tm, C]
    });
  }

  #step(batch: Batch): StepResult {
    const ids = batch.tokenIds as torch.Tensor;
    const mel = batch.mel as torch.Tensor;
    const idLens = (batch.tokenIdsLengths as torch.Tensor).toArray();
    const melLensT = batch.melLengths as torch.Tensor;
    const melLens = melLensT.toArray();
    const frames = mel.shape[1];
    const pred = this.forward(ids, idLens, melLens, frames);
    const mask = torch.F.sequenceMask(melLensT, frames).unsqueeze(2).float(); // [B, Tm, 1]
    const l1 = pred.sub(mel).abs().mul(mask).sum().div(mask.sum().mul(this.numMels));
    const lossDict: LossDict = { loss: l1, l1 };
    return { outputs: { pred }, lossDict };
  }

  trainStep(batch: Batch): StepResult {
    return this.#step(batch);
  }

  evalStep(batch: Batch): StepResult {
    return this.#step(batch);
  }

  /** The first item's predicted and target mels as heat maps (the Trainer must keep the batch alive for this). */
  trainLog(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void {
    const figure = (t: torch.Tensor) => {
      const first = t.select(0, 0).transpose(0, 1).contiguous(); // [C, Tm]
      return { data: first.toFloat32Array(), height: first.shape[0], width: first.shape[1] };
    };
    logger.figure('prediction', figure(outputs.pred as torch.Tensor), step);
    logger.figure('target', figure(batch.mel as torch.Tensor), step);
  }

  getOptimizer(): TrainerOptimizer {
    const c = this.config;
    return createOptimizer(String(c.optimizer), this.parameters(), {
      lr: c.lr as number,
      ...(c.optimizerParams as Record<string, unknown> | null),
    }) as unknown as TrainerOptimizer;
  }

  getScheduler(optimizer: TrainerOptimizer | TrainerOptimizer[]): TrainerScheduler | null {
    const c = this.config;
    if (!c.lrScheduler) return null;
    const opt = Array.isArray(optimizer) ? optimizer[0] : optimizer;
    return createScheduler(String(c.lrScheduler), opt, c.lrSchedulerParams) as unknown as TrainerScheduler;
  }

  getCriterion(): null {
    return null;
  }

  getDataLoader(o: { isEval: boolean; batchSize: number; seed: number }): Promise<BatchSource> {
    const c = this.config;
    const key = `${o.isEval}/${o.batchSize}/${o.seed}/${c.batchGroupSize}`;
    const cache = this.data.cache;
    const hit = cache?.get(key);
    if (hit) return hit;
    const made = (async () => {
      const ds = new TTSDataset({
        samples: o.isEval ? this.data.eval : this.data.train,
        tokenizer: this.data.tokenizer,
        audio: this.data.audio,
        batchSize: o.batchSize,
        batchGroupSize: o.isEval ? 0 : c.batchGroupSize,
        shuffle: !o.isEval,
        minTextLen: c.minTextLen,
        maxTextLen: c.maxTextLen,
        minAudioLen: c.minAudioLen,
        maxAudioLen: c.maxAudioLen,
        seed: o.seed,
      });
      await ds.prepare();
      return ds;
    })();
    cache?.set(key, made);
    return made;
  }
}
