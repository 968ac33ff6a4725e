/** Linear and identity layers. */

import * as F from '../functional.ts';
import { tidy } from '../scope.ts';
import { empty, type Tensor } from '../tensor.ts';
import { resetLinearLike_ } from './init.ts';
import { Module } from './module.ts';

/**
 * y = x Wᵀ + b (PyTorch's `nn.Linear`). weight `[out, in]`, bias `[out]`; kaiming-uniform(a=√5) weight and
 * U(±1/√in) bias. x `[..., in]` -> `[..., out]`.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : empty([outFeatures]));
    this.resetParameters();
  }

  resetParameters(): void {
    resetLinearLike_(this.weight, this.bias);
  }

  /** x `[..., in]` -> `[..., out]`. */
  forward(x: Tensor): Tensor {
    return tidy(() => F.linear(x, this.weight, this.bias));
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input unchanged (an alias). */
export class Identity extends Module {
  /** x -> x (the same tensor). */
  forward(x: Tensor): Tensor {
    return x;
  }
}
