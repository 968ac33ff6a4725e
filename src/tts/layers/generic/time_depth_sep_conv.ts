/**
 * Time-depth separable convolutions (Hannun et al. 2019, https://arxiv.org/abs/1904.02619): 1x1 conv -> BN ->
 * GLU -> depthwise conv -> BN -> swish -> 1x1 conv -> BN, residual. Coqui's
 * `TTS.tts.layers.generic.time_depth_sep_conv`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { BatchNorm1d, Conv1d, Module, ModuleList } from '../../../torch/nn/index.ts';

/** `[B, C_in, T]` -> `[B, C_out, T]` (C_out must equal C_in for the residual). */
export class TimeDepthSeparableConv extends Module {
  readonly timeConv: Conv1d;
  readonly norm1: BatchNorm1d;
  readonly depthConv: Conv1d;
  readonly norm2: BatchNorm1d;
  readonly timeConv2: Conv1d;
  readonly norm3: BatchNorm1d;

  constructor(inChannels: number, hidChannels: number, outChannels: number, kernelSize: number, bias = true) {
    super();
    this.timeConv = this.registerModule('time_conv', new Conv1d(inChannels, 2 * hidChannels, 1, { bias }));
    this.norm1 = this.registerModule('norm1', new BatchNorm1d(2 * hidChannels));
    this.depthConv = this.registerModule(
      'depth_conv',
      new Conv1d(hidChannels, hidChannels, kernelSize, {
        padding: Math.floor((kernelSize - 1) / 2),
        groups: hidChannels,
        bias,
      }),
    );
    this.norm2 = this.registerModule('norm2', new BatchNorm1d(hidChannels));
    this.timeConv2 = this.registerModule('time_conv2', new Conv1d(hidChannels, outChannels, 1, { bias }));
    this.norm3 = this.registerModule('norm3', new BatchNorm1d(outChannels));
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let h = torch.F.glu(this.norm1.forward(this.timeConv.forward(x)), 1);
      h = this.norm2.forward(this.depthConv.forward(h));
      h = h.mul(h.sigmoid());
      h = this.norm3.forward(this.timeConv2.forward(h));
      return x.add(h);
    });
  }
}

/** A stack of TimeDepthSeparableConv layers on masked inputs. `[B, C_in, T]` -> `[B, C_out, T]`. */
export class TimeDepthSeparableConvBlock extends Module {
  readonly layers: ModuleList<TimeDepthSeparableConv>;

  constructor(
    inChannels: number,
    hidChannels: number,
    outChannels: number,
    numLayers: number,
    kernelSize: number,
    bias = true,
  ) {
    super();
    if ((kernelSize - 1) % 2 !== 0) throw new Error('TimeDepthSeparableConvBlock: kernelSize must be odd');
    if (numLayers <= 1) throw new Error('TimeDepthSeparableConvBlock: numLayers must be > 1');
    const layers = [
      new TimeDepthSeparableConv(
        inChannels,
        hidChannels,
        numLayers === 1 ? outChannels : hidChannels,
        kernelSize,
        bias,
      ),
    ];
    for (let i = 0; i < numLayers - 1; i++) {
      layers.push(
        new TimeDepthSeparableConv(
          hidChannels,
          hidChannels,
          i + 1 === numLayers - 1 ? outChannels : hidChannels,
          kernelSize,
          bias,
        ),
      );
    }
    this.layers = this.registerModule('layers', new ModuleList(layers));
  }

  /** x: `[B, C_in, T]`, mask: `[B, 1, T]` -> `[B, C_out, T]`. */
  forward(x: Tensor, mask: Tensor): Tensor {
    return torch.tidy(() => {
      for (const layer of this.layers) x = layer.forward(x.mul(mask));
      return x;
    });
  }
}
