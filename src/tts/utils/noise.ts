/**
 * An explicit, injectable source of the random numbers a stochastic model draws (VITS samples its posterior,
 * its stochastic duration predictor and its training segments). Layers take a `NoiseSource` argument instead
 * of calling the global generator, so a test can replay the exact tensors a reference implementation drew
 * (`ReplayNoise`) without patching anything.
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';

/** Where a draw happens (for error messages and for sources that treat sites differently). */
export type NoiseSite =
  /** VITS posterior encoder: z = m_q + eps * exp(logs_q), eps `[B, C, T_spec]`. */
  | 'posterior'
  /** Stochastic duration predictor: the flow noise `[B, 2, T_en]` (training and inference). */
  | 'duration'
  /** Random training segments: one uniform [0, 1) start per item `[B]`. */
  | 'segments'
  /** VITS inference: the prior sample eps `[B, C, T_de]`. */
  | 'prior';

/** A provider of random tensors. Each result is a new tensor on `like`'s device in `like`'s dtype. */
export interface NoiseSource {
  /** Standard normal N(0, 1) of `shape`. */
  randn(shape: readonly number[], site: NoiseSite, like: Tensor): Tensor;
  /** Uniform [0, 1) of `shape`. */
  rand(shape: readonly number[], site: NoiseSite, like: Tensor): Tensor;
}

function onLike(t: Tensor, like: Tensor): Tensor {
  if (t.dtype === like.dtype && t.device === like.device) return t;
  return torch.tidy(() => t.to(like.dtype).to(like.device));
}

/**
 * The global libtorch generator: float32 draws on the CPU, then moved to `like`'s dtype and device (as
 * Coqui's `torch.randn(...).to(...)`), so a seeded run draws what PyTorch draws for the same call order.
 */
export const torchNoise: NoiseSource = {
  randn: (shape, _site, like) => onLike(torch.randn([...shape]), like),
  rand: (shape, _site, like) => onLike(torch.rand([...shape]), like),
};

/**
 * Returns recorded tensors in call order (e.g. the `noise.{j}` tensors of Coqui's parity fixtures); each
 * request must ask for the next tensor's exact shape. Throws when the recording is exhausted or a shape
 * differs, so a call site that moved or vanished is reported, not silently mis-fed.
 */
export class ReplayNoise implements NoiseSource {
  private next = 0;

  constructor(private readonly recorded: readonly Tensor[]) {}

  /** How many recorded tensors have not been consumed yet. */
  get remaining(): number {
    return this.recorded.length - this.next;
  }

  randn(shape: readonly number[], site: NoiseSite, like: Tensor): Tensor {
    return this.take(shape, site, like);
  }

  rand(shape: readonly number[], site: NoiseSite, like: Tensor): Tensor {
    return this.take(shape, site, like);
  }

  private take(shape: readonly number[], site: NoiseSite, like: Tensor): Tensor {
    const t = this.recorded[this.next];
    if (t === undefined) {
      throw new Error(
        `ReplayNoise: draw ${this.next} at "${site}" but only ${this.recorded.length} were recorded`,
      );
    }
    if (t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
      throw new Error(
        `ReplayNoise: draw ${this.next} at "${site}" asks for [${shape.join(', ')}], recorded [${t.shape.join(', ')}]`,
      );
    }
    this.next++;
    return torch.tidy(() => onLike(t.clone(), like));
  }
}
