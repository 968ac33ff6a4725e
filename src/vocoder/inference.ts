/**
 * A trained vocoder behind the Synthesizer's `Vocoder` contract (what Coqui's `Synthesizer.tts` does with a
 * vocoder model): the acoustic model's mel is denormalised with the acoustic model's audio config, renormalised
 * with the vocoder's, stretched in time when the two sample rates differ, and vocoded without gradients.
 *
 * `buildInferenceVocoder(config, weights)` builds the GAN of a vocoder config (any Coqui GAN vocoder checkpoint:
 * only `model_g.*` is loaded, in either weight-norm key layout, and the weight norm is folded).
 */
import type { AudioProcessor } from '../audio/processor.ts';
import { resample } from '../audio/resample.ts';
import type { Vocoder } from '../inference/types.ts';
import type { Tensor } from '../torch/index.ts';
import * as torch from '../torch/index.ts';
import './configs/index.ts'; // registers the vocoder configs, so loadConfig knows their model names
import type { BaseGANVocoderConfig } from './configs/shared_configs.ts';
import { GAN } from './models/gan.ts';

/** What the adapter needs from the acoustic model's audio processor. */
export interface Denormalizer {
  readonly sampleRate: number;
  /** Normalised mel `[C, T]` -> dB mel. */
  denormalize(s: Tensor): Tensor;
}

/** A mel-to-waveform model (`GAN` and any `BaseVocoder`). */
export interface MelToWave {
  inference(mel: Tensor): { modelOutputs: Tensor };
}

export class NeuralVocoder implements Vocoder {
  constructor(
    readonly model: MelToWave,
    /** The vocoder's audio processor (its normalisation and sample rate). */
    readonly vocoderAp: AudioProcessor,
    /** The acoustic model's (how its mel is normalised); null: the mel is already normalised for the vocoder. */
    readonly modelAp: Denormalizer | null = null,
  ) {}

  get sampleRate(): number {
    return this.vocoderAp.sampleRate;
  }

  /** mel `[1, frames, C]` (or `[frames, C]`) as the acoustic model emits it -> samples at `sampleRate`. */
  vocode(mel: Tensor): Float32Array {
    return torch.noGrad(() =>
      torch.tidy(() => {
        const m = mel.ndim === 3 ? mel.select(0, 0) : mel;
        if (m.ndim !== 2)
          throw new Error(`NeuralVocoder: expected a mel [1, frames, C], got [${mel.shape.join(', ')}]`);
        let spec = m.transpose(0, 1).float(); // [C, T]
        if (this.modelAp) spec = this.vocoderAp.normalize(this.modelAp.denormalize(spec));
        let input = spec.unsqueeze(0); // [1, C, T]
        const ratio = this.modelAp ? this.vocoderAp.sampleRate / this.modelAp.sampleRate : 1;
        if (ratio !== 1) {
          // Coqui's interpolate_vocoder_input: bilinear over [C, T] with scale (1, ratio)
          const frames = Math.floor(input.shape[2] * ratio);
          input = torch.F.interpolate(input.unsqueeze(0), {
            size: [input.shape[1], frames],
            mode: 'bilinear',
          }).squeeze(0);
        }
        const wav = this.model.inference(input).modelOutputs;
        return wav.reshape([-1]).contiguous().toFloat32Array();
      }),
    );
  }
}

/** What copy synthesis needs from the acoustic model's audio processor (`AudioProcessor` implements it). */
export interface MelAnalyzer {
  readonly sampleRate: number;
  /** Waveform `[T]` -> normalised mel `[C, frames]`. */
  melspectrogram(wav: Tensor): Tensor;
}

/**
 * Copy synthesis (analysis-resynthesis): a recording's mel, computed as the acoustic model's audio config says,
 * through the vocoder the model speaks with. What comes out is the vocoder's floor for that model: the best the
 * pair could sound if the acoustic model predicted the recording's mel exactly (`ribbit eval --copy-synthesis`).
 */
export class CopySynthesizer {
  constructor(
    readonly vocoder: Vocoder,
    /** The acoustic model's audio processor (the mel the vocoder receives is normalised as it says). */
    readonly ap: MelAnalyzer,
  ) {}

  get sampleRate(): number {
    return this.vocoder.sampleRate;
  }

  /** Mono `samples` at `sampleRate` Hz (resampled to the model's rate first) -> vocoded samples at `this.sampleRate`. */
  resynthesize(samples: Float32Array, sampleRate: number): Float32Array {
    const wav =
      sampleRate === this.ap.sampleRate ? samples : resample(samples, sampleRate, this.ap.sampleRate);
    return torch.noGrad(() =>
      torch.tidy(() => {
        const mel = this.ap.melspectrogram(torch.tensor(wav)); // [C, frames]
        return this.vocoder.vocode(mel.transpose(0, 1).unsqueeze(0)); // [1, frames, C], as a model emits it
      }),
    );
  }
}

/**
 * The GAN of a vocoder `config` with a checkpoint's generator weights (`model_g.*`; the discriminator's are
 * ignored), weight norm folded, in eval mode.
 * @throws Error listing missing, unexpected and mis-shaped generator tensors.
 */
export function buildInferenceVocoder(config: BaseGANVocoderConfig, weights: Map<string, Tensor>): GAN {
  if (typeof config.generatorModel !== 'string') {
    throw new Error(
      `model "${String(config.model)}" is not a GAN vocoder (its config names no generator_model)`,
    );
  }
  const model = new GAN(config, { log: () => {} });
  model.prepareForInference();
  const generator = new Map([...weights].filter(([k]) => k.startsWith('model_g.')));
  model.loadStateDict(generator, { strict: true });
  return model;
}
