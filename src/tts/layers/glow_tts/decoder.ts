/**
 * Glow-TTS flow decoder (paper section 3.4): squeeze -> [ActNorm -> InvConvNear -> CouplingBlock] x K ->
 * unsqueeze. Forward maps mel frames to the latent z (training); reverse maps a prior sample back to mel
 * frames (inference). Coqui's `TTS.tts.layers.glow_tts.decoder`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Module, ModuleList } from '../../../torch/nn/index.ts';
import { ActNorm, type FlowOutput } from '../generic/normalization.ts';
import { CouplingBlock, InvConvNear } from './glow.ts';

/**
 * Trades time for channels: `[B, C, T]` -> `[B, C * n, T / n]` (an odd tail is dropped); channel
 * `s * C + c` of step t holds channel c of frame `n * t + s`. The mask keeps every n-th frame's value
 * (frames n-1, 2n-1, ...): `[B, 1, T]` -> `[B, 1, T / n]`.
 */
export function squeeze(
  x: Tensor,
  xMask: Tensor | null = null,
  numSqueeze = 2,
): { x: Tensor; xMask: Tensor } {
  return torch.tidy(() => {
    const [b, c, tIn] = x.shape;
    const t = Math.floor(tIn / numSqueeze) * numSqueeze;
    const xs = x
      .slice(2, 0, t)
      .reshape(b, c, t / numSqueeze, numSqueeze)
      .permute(0, 3, 1, 2)
      .contiguous()
      .view(b, c * numSqueeze, t / numSqueeze);
    const mask =
      xMask === null
        ? torch.ones([b, 1, t / numSqueeze], { dtype: x.dtype, device: x.device })
        : xMask.slice(2, numSqueeze - 1, xMask.size(2), numSqueeze);
    return { x: xs.mul(mask), xMask: mask };
  });
}

/** Inverse of `squeeze`: `[B, C * n, T]` -> `[B, C, T * n]`; mask `[B, 1, T]` -> `[B, 1, T * n]`. */
export function unsqueeze(
  x: Tensor,
  xMask: Tensor | null = null,
  numSqueeze = 2,
): { x: Tensor; xMask: Tensor } {
  return torch.tidy(() => {
    const [b, c, t] = x.shape;
    const xu = x
      .view(b, numSqueeze, c / numSqueeze, t)
      .permute(0, 2, 3, 1)
      .contiguous()
      .view(b, c / numSqueeze, t * numSqueeze);
    const mask =
      xMask === null
        ? torch.ones([b, 1, t * numSqueeze], { dtype: x.dtype, device: x.device })
        : xMask
            .unsqueeze(-1)
            .repeat(1, 1, 1, numSqueeze)
            .view(b, 1, t * numSqueeze);
    return { x: xu.mul(mask), xMask: mask };
  });
}

export interface DecoderOptions {
  dropoutP?: number;
  numSplits?: number;
  numSqueeze?: number;
  sigmoidScale?: boolean;
  cInChannels?: number;
}

/** One flow step of the decoder. */
export type FlowLayer = ActNorm | InvConvNear | CouplingBlock;

/** Stack of Glow flow blocks over squeezed mel frames. `[B, C, T]` <-> `[B, C, T]`. */
export class Decoder extends Module {
  readonly flows: ModuleList<FlowLayer>;
  readonly numSqueeze: number;

  constructor(
    readonly inChannels: number,
    readonly hiddenChannels: number,
    readonly kernelSize: number,
    readonly dilationRate: number,
    readonly numFlowBlocks: number,
    readonly numCouplingLayers: number,
    options: DecoderOptions = {},
  ) {
    super();
    this.numSqueeze = options.numSqueeze ?? 2;
    const channels = inChannels * this.numSqueeze;
    const flows: FlowLayer[] = [];
    for (let k = 0; k < numFlowBlocks; k++) {
      flows.push(new ActNorm(channels));
      flows.push(new InvConvNear(channels, options.numSplits ?? 4));
      flows.push(
        new CouplingBlock(channels, hiddenChannels, kernelSize, dilationRate, numCouplingLayers, {
          cInChannels: options.cInChannels ?? 0,
          dropoutP: options.dropoutP ?? 0,
          sigmoidScale: options.sigmoidScale ?? false,
        }),
      );
    }
    this.flows = this.registerModule('flows', new ModuleList(flows));
  }

  /**
   * x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, C_cond, 1]` -> x `[B, C, T']` (T' = T rounded down to a
   * multiple of numSqueeze) and the summed logdet `[B]` (forward only; null in reverse).
   * `onFlow` sees each flow's output in the order run (for debugging and parity checks); its tensors are
   * disposed after the call returns unless the callback clones and `keep()`s them.
   */
  forward(
    x: Tensor,
    xMask: Tensor,
    g: Tensor | null = null,
    reverse = false,
    onFlow?: (index: number, out: FlowOutput) => void,
  ): FlowOutput {
    return torch.tidy(() => {
      let mask = xMask;
      if (this.numSqueeze > 1) ({ x, xMask: mask } = squeeze(x, xMask, this.numSqueeze));
      let logdetTotal: Tensor | null = null;
      const n = this.flows.length;
      for (let k = 0; k < n; k++) {
        const index = reverse ? n - 1 - k : k;
        const out = runFlow(this.flows.get(index), x, mask, reverse, g);
        onFlow?.(index, out);
        x = out.z;
        if (!reverse && out.logdet !== null)
          logdetTotal = logdetTotal === null ? out.logdet : logdetTotal.add(out.logdet);
      }
      if (this.numSqueeze > 1) ({ x } = unsqueeze(x, mask, this.numSqueeze));
      return { z: x, logdet: logdetTotal };
    });
  }

  /** Precomputes what reverse passes can reuse (InvConvNear inverses). */
  storeInverse(): void {
    for (const f of this.flows) f.storeInverse();
  }
}

/** Runs one flow layer with the decoder's arguments. */
export function runFlow(
  flow: FlowLayer,
  x: Tensor,
  xMask: Tensor,
  reverse: boolean,
  g: Tensor | null,
): FlowOutput {
  if (flow instanceof CouplingBlock) return flow.forward(x, xMask, reverse, g);
  return flow.forward(x, xMask, reverse);
}
