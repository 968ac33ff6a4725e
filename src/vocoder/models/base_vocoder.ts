/**
 * The base of vocoders (Coqui's `BaseVocoder`): a trainable model whose inference turns a mel `[B, C, T]` into a
 * waveform `[B, 1, T · hop]`, with the config's audio processor and the vocoder data lists (every wav under
 * `dataPath`, or wav + precomputed mel pairs with `featurePath`, split into eval and train by `evalSplitSize`).
 */
import { AudioProcessor } from '../../audio/processor.ts';
import { resample } from '../../audio/resample.ts';
import { readWav } from '../../audio/wav.ts';
import { BaseTrainerModel, type OptimizerConfig } from '../../models/base_model.ts';
import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import type { Batch, LogAssets } from '../../trainer/api.ts';
import type { BaseVocoderConfig } from '../configs/shared_configs.ts';
import { readNpy } from '../datasets/npy.ts';
import { loadWavData, loadWavFeatData, type VocoderItem } from '../datasets/preprocess.ts';

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

  /**
   * Test run after an epoch: vocodes the whole mel of the first eval file (of the first training file without
   * an eval split) and logs the audio with the real and the resynthesised mel.
   */
  override testRun(_step: number): LogAssets {
    const [evalItems, trainItems] = this.samples();
    const item = evalItems[0] ?? trainItems[0];
    if (!item) return {};
    const path = typeof item === 'string' ? item : item.wav;
    const wav = readWav(path);
    const samples =
      wav.sampleRate === this.ap.sampleRate
        ? wav.samples
        : resample(wav.samples, wav.sampleRate, this.ap.sampleRate);
    return torch.noGrad(() =>
      torch.tidy(() => {
        const mel =
          typeof item === 'string'
            ? this.ap.melspectrogram(this.ap.prepareWav(torch.tensor(samples)))
            : (() => {
                const npy = readNpy(item.feat);
                return torch.tensor(npy.data, { shape: npy.shape.slice(-2) });
              })();
        const out = this.inference(mel.unsqueeze(0)).modelOutputs.reshape([-1]).clamp(-1, 1);
        const resynth = this.ap.melspectrogram(out);
        const figure = (t: Tensor) => ({
          data: t.contiguous().toFloat32Array(),
          height: t.shape[0],
          width: t.shape[1],
        });
        return {
          audios: { 'test/audio': out.contiguous().toFloat32Array() },
          figures: { 'test/ground_truth_mel': figure(mel), 'test/prediction_mel': figure(resynth) },
          sampleRate: this.ap.sampleRate,
        };
      }),
    );
  }

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
