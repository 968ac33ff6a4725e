/** Lookup table of vectors (PyTorch's `nn.Embedding`). */

import { noGrad } from '../autograd.ts';
import * as F from '../functional.ts';
import { empty, type Tensor } from '../tensor.ts';
import { Module } from './module.ts';

/**
 * weight `[numEmbeddings, embeddingDim]` drawn from N(0, 1); the `paddingIdx` row (if any) is zeroed and gets
 * no gradient. ids (int64) `[...]` -> `[..., embeddingDim]`.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  /** Non-negative padding row, or null. */
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: { paddingIdx?: number | null } = {},
  ) {
    super();
    const p = options.paddingIdx ?? null;
    if (p !== null && (p >= numEmbeddings || p < -numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${p} out of range for ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = this.registerParameter('weight', empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** Draws N(0, 1) and zeroes the padding row. */
  resetParameters(): void {
    noGrad(() => {
      this.weight.normal_();
      if (this.paddingIdx !== null) {
        const row = this.weight.select(0, this.paddingIdx);
        row.fill_(0);
        row.dispose();
      }
    });
  }

  /** ids (int64) `[...]` -> `[..., embeddingDim]`. */
  forward(ids: Tensor): Tensor {
    return F.embedding(ids, this.weight, this.paddingIdx ?? -1);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
