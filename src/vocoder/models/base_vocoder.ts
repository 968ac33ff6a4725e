/**
 * The base of vocoders (Coqui's `BaseVocoder`): a trainable model whose inference turns a mel `[B, C, T]` into a
 * waveform `[B, 1, T · hop]`, with the config's audio processor and the vocoder data lists (every wav under
 * `dataPath`, or wav + precomputed mel pairs with `featurePath`, split into eval and train by `evalSplitSize`).
 */
import { AudioProcessor } from '../../audio/processor.js';
import { BaseTrainerModel, type OptimizerConfig } from '../../models/base_model.js';
import type { Tensor } from '../../torch/index.js';
import type { Batch } from '../../trainer/api.js';
import type { BaseVocoderConfig } from '../configs/shared_configs.js';
import { loadWavData, loadWavFeatData, type VocoderItem } from '../datasets/preprocess.js';

/** Parts a vocoder can be given instead of building them from its config. */
export interface VocoderParts {
  audioProcessor?: AudioProcessor;
  /** Where data-loader messages go (default: stdout). */
  log?: (line: string) => void;
}

/** What a vocoder's `inference` returns. */
export interface VocoderInferenceOutput {
  /** Waveform `[B, 1, T_wav]` in [-1, 1]. */
  modelOutputs: Tensor;
}

export abstract class BaseVocoder<
  C extends BaseVocoderConfig & OptimizerConfig = BaseVocoderConfig & OptimizerConfig,
  B extends Batch = Batch,
  O = unknown,
  Cr = unknown,
> extends BaseTrainerModel<C, B, O, Cr> {
  readonly outputKind = 'waveform' as const;
  /** Waveform <-> features with the config's audio settings. */
  readonly ap: AudioProcessor;
  protected readonly log: (line: string) => void;
  #samples: [VocoderItem[], VocoderItem[]] | null = null;

  constructor(config: C, parts: VocoderParts = {}) {
    super(config);
    this.ap = parts.audioProcessor ?? new AudioProcessor(config.audio);
    this.log = parts.log ?? ((line) => console.log(line));
  }

  /** Mel `[B, C_mel, T]` (normalised as the audio processor makes it) -> `{ modelOutputs: [B, 1, T_wav] }`. */
  abstract inference(mel: Tensor): VocoderInferenceOutput;

  /** `[eval, train]` items from `dataPath` (and `featurePath`), listed once. */
  protected samples(): [VocoderItem[], VocoderItem[]] {
    if (!this.#samples) {
      const c = this.config;
      if (!c.dataPath) throw new Error('the config gives no data_path to train the vocoder on');
      this.#samples = c.featurePath
        ? loadWavFeatData(c.dataPath, c.featurePath, c.evalSplitSize, { seed: c.seed, log: this.log })
        : loadWavData(c.dataPath, c.evalSplitSize, c.seed);
    }
    return this.#samples;
  }
}
