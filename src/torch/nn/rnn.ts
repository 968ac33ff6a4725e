/** Recurrent layers with PyTorch's parameter names: `LSTM` (fused multi-layer kernel) and `LSTMCell`. */

import * as F from '../functional.ts';
import { tidy } from '../scope.ts';
import { empty, type Tensor, zeros } from '../tensor.ts';
import { uniform_ } from './init.ts';
import { Module } from './module.ts';
import { computeWeightNorm } from './weight_norm.ts';

/** Hidden and cell state. */
export interface LSTMState {
  h: Tensor;
  c: Tensor;
}

export interface LSTMOptions {
  numLayers?: number;
  /** Learn bias_ih/bias_hh (default true). */
  bias?: boolean;
  /** Input and output `[B, T, *]` instead of PyTorch's default `[T, B, *]` (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Dropout between layers (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
}

/**
 * Multi-layer LSTM (PyTorch's `nn.LSTM`). Per layer k and direction: weight_ih_l{k} `[4H, In_k]`,
 * weight_hh_l{k} `[4H, H]`, bias_ih_l{k}, bias_hh_l{k} `[4H]`; the reverse direction adds the suffix
 * `_reverse`. Gates are ordered i, f, g, o. All initialised U(±1/√H).
 *
 * input `[T, B, In]` (`[B, T, In]` with batchFirst; unbatched `[T, In]`) -> output `[T, B, D·H]` and final
 * h, c `[L·D, B, H]` (D = 2 when bidirectional).
 */
export class LSTM extends Module {
  readonly numLayers: number;
  readonly hasBias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** Parameter names in the order of PyTorch's flat weights. */
  readonly flatWeightNames: string[] = [];

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: LSTMOptions = {},
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.hasBias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    const dirs = this.bidirectional ? 2 : 1;
    const h = hiddenSize;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? inputSize : h * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${sfx}`, [4 * h, inSize]],
          [`weight_hh${sfx}`, [4 * h, h]],
        ];
        if (this.hasBias) shapes.push([`bias_ih${sfx}`, [4 * h]], [`bias_hh${sfx}`, [4 * h]]);
        for (const [name, shape] of shapes) {
          this.registerParameter(name, empty(shape));
          this.flatWeightNames.push(name);
        }
      }
    }
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** The parameters in PyTorch's flat-weights order (what the fused kernel takes; weight-normed ones computed). */
  flatWeights(): Tensor[] {
    return this.flatWeightNames.map((n) => this.getParameter(n) ?? computeWeightNorm(this, n));
  }

  /** input `[T, B, In]` (or `[B, T, In]` with batchFirst, or `[T, In]`) -> output, final {h, c}. */
  forward(input: Tensor, state: LSTMState | null = null): { output: Tensor; h: Tensor; c: Tensor } {
    return tidy(() => {
      const batched = input.ndim === 3;
      if (!batched && input.ndim !== 2)
        throw new Error(`LSTM: expected 2-d or 3-d input, got [${input.shape}]`);
      const x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
      const batch = x.size(this.batchFirst ? 0 : 1);
      const layers = this.numLayers * (this.bidirectional ? 2 : 1);
      let h0: Tensor;
      let c0: Tensor;
      if (state === null) {
        h0 = zeros([layers, batch, this.hiddenSize], { dtype: x.dtype, device: x.device });
        c0 = h0;
      } else {
        h0 = batched ? state.h : state.h.unsqueeze(1);
        c0 = batched ? state.c : state.c.unsqueeze(1);
      }
      const r = F.lstm(x, { h: h0, c: c0 }, this.flatWeights(), {
        numLayers: this.numLayers,
        bidirectional: this.bidirectional,
        batchFirst: this.batchFirst,
        dropout: this.dropout,
        training: this.training,
        hasBiases: this.hasBias,
      });
      if (batched) return r;
      return { output: r.output.squeeze(this.batchFirst ? 0 : 1), h: r.h.squeeze(1), c: r.c.squeeze(1) };
    });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}, numLayers=${this.numLayers}, batchFirst=${this.batchFirst}, bidirectional=${this.bidirectional}`;
  }
}

/**
 * One LSTM step (PyTorch's `nn.LSTMCell`): weight_ih `[4H, In]`, weight_hh `[4H, H]`, bias_ih, bias_hh `[4H]`,
 * all U(±1/√H). x `[B, In]` (or `[In]`), state h, c `[B, H]` (zeros when omitted) -> new h, c `[B, H]`.
 */
export class LSTMCell extends Module {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: { bias?: boolean } = {},
  ) {
    super();
    const h = hiddenSize;
    const bias = options.bias ?? true;
    this.weightIh = this.registerParameter('weight_ih', empty([4 * h, inputSize]));
    this.weightHh = this.registerParameter('weight_hh', empty([4 * h, h]));
    this.biasIh = this.registerParameter('bias_ih', bias ? empty([4 * h]) : null);
    this.biasHh = this.registerParameter('bias_hh', bias ? empty([4 * h]) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** x `[B, In]` (or `[In]`), state `[B, H]` -> {h, c} `[B, H]`. */
  forward(x: Tensor, state: LSTMState | null = null): LSTMState {
    return tidy(() => {
      const batched = x.ndim === 2;
      const xb = batched ? x : x.unsqueeze(0);
      let s: LSTMState;
      if (state === null) {
        const z = zeros([xb.size(0), this.hiddenSize], { dtype: x.dtype, device: x.device });
        s = { h: z, c: z };
      } else {
        s = batched ? state : { h: state.h.unsqueeze(0), c: state.c.unsqueeze(0) };
      }
      const r = F.lstmCell(xb, s, this.weightIh, this.weightHh, this.biasIh, this.biasHh);
      return batched ? r : { h: r.h.squeeze(0), c: r.c.squeeze(0) };
    });
  }
}
