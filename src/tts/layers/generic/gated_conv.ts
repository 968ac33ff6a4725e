/**
 * Gated convolutional encoder block (Dauphin et al. 2017, https://arxiv.org/abs/1612.08083): residual
 * dropout -> conv -> LayerNorm -> GLU layers. Coqui's `TTS.tts.layers.generic.gated_conv`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList } from '../../../torch/nn/index.ts';
import { LayerNorm } from './normalization.ts';

/** `[B, C, T]` -> `[B, C, T]`. */
export class GatedConvBlock extends Module {
  readonly convLayers: ModuleList<Conv1d>;
  readonly normLayers: ModuleList<LayerNorm>;

  constructor(
    readonly inOutChannels: number,
    readonly kernelSize: number,
    readonly dropoutP: number,
    readonly numLayers: number,
  ) {
    super();
    const convs: Conv1d[] = [];
    const norms: LayerNorm[] = [];
    for (let i = 0; i < numLayers; i++) {
      convs.push(
        new Conv1d(inOutChannels, 2 * inOutChannels, kernelSize, { padding: Math.floor(kernelSize / 2) }),
      );
      norms.push(new LayerNorm(2 * inOutChannels));
    }
    this.convLayers = this.registerModule('conv_layers', new ModuleList(convs));
    this.normLayers = this.registerModule('norm_layers', new ModuleList(norms));
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]` -> `[B, C, T]`. */
  forward(x: Tensor, xMask: Tensor): Tensor {
    return torch.tidy(() => {
      let o = x;
      let res = x;
      for (let i = 0; i < this.numLayers; i++) {
        o = torch.F.dropout(o, this.dropoutP, this.training);
        o = this.convLayers.get(i).forward(o.mul(xMask));
        o = torch.F.glu(this.normLayers.get(i).forward(o), 1);
        o = res.add(o);
        res = o;
      }
      return o;
    });
  }
}
