/** Vocoder adapters. */
import type { Tensor } from '../torch/index.ts';
import type { Vocoder } from './types.ts';

/** What {@link GriffinLimVocoder} needs from an audio processor (`AudioProcessor` implements it). */
export interface InverseMelProcessor {
  /** Hz. */
  readonly sampleRate: number;
  /** Normalised mel [C, frames] -> waveform [T] (denormalize, mel -> linear, Griffin-Lim). */
  invMelspectrogram(mel: Tensor): Tensor;
}

/**
 * The model-free vocoder of Coqui's `Synthesizer` when no vocoder is given: inverts the mel spectrogram
 * with the audio processor's Griffin-Lim. Slow-ish and metallic, but needs no second model.
 */
export class GriffinLimVocoder implements Vocoder {
  constructor(readonly processor: InverseMelProcessor) {}

  get sampleRate(): number {
    return this.processor.sampleRate;
  }

  /** mel [1, frames, C] (or [frames, C]) -> samples [T] at `sampleRate`. */
  vocode(mel: Tensor): Float32Array {
    const m = mel.ndim === 3 ? mel.select(0, 0) : mel;
    if (m.ndim !== 2)
      throw new Error(`GriffinLimVocoder: expected a mel [1, frames, C], got [${mel.shape.join(', ')}]`);
    const wav = this.processor.invMelspectrogram(m.transpose(0, 1));
    const out = wav.contiguous().toFloat32Array();
    return out;
  }
}
