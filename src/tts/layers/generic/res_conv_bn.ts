/**
 * Residual blocks of dilated conv -> ReLU -> BatchNorm (Coqui's `TTS.tts.layers.generic.res_conv_bn`), the
 * "residual_conv_bn" Glow-TTS encoder and the SpeedySpeech encoder/decoder.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { BatchNorm1d, Conv1d, Module, ModuleList } from '../../../torch/nn/index.ts';

/** conv1d (dilated, zero "same" padding applied after the conv) -> ReLU -> BatchNorm. `[B, C_in, T]` -> `[B, C_out, T]`. */
export class Conv1dBN extends Module {
  readonly conv1d: Conv1d;
  readonly norm: BatchNorm1d;
  readonly padStart: number;
  readonly padEnd: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, dilation: number) {
    super();
    const padding = dilation * (kernelSize - 1);
    this.padStart = Math.floor(padding / 2);
    this.padEnd = padding - this.padStart;
    this.conv1d = this.registerModule(
      'conv1d',
      new Conv1d(inChannels, outChannels, kernelSize, { dilation }),
    );
    this.norm = this.registerModule('norm', new BatchNorm1d(outChannels));
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() =>
      this.norm.forward(torch.F.pad(this.conv1d.forward(x), [this.padStart, this.padEnd]).relu()),
    );
  }
}

/** `numConvBlocks` Conv1dBN layers in sequence (keys `conv_bn_blocks.{i}.*`). */
export class Conv1dBNBlock extends Module {
  readonly convBnBlocks: ModuleList<Conv1dBN>;

  constructor(
    inChannels: number,
    outChannels: number,
    hiddenChannels: number,
    kernelSize: number,
    dilation: number,
    numConvBlocks = 2,
  ) {
    super();
    const blocks: Conv1dBN[] = [];
    for (let i = 0; i < numConvBlocks; i++) {
      blocks.push(
        new Conv1dBN(
          i === 0 ? inChannels : hiddenChannels,
          i === numConvBlocks - 1 ? outChannels : hiddenChannels,
          kernelSize,
          dilation,
        ),
      );
    }
    this.convBnBlocks = this.registerModule('conv_bn_blocks', new ModuleList(blocks));
  }

  /** x: `[B, C_in, T]` -> `[B, C_out, T]`. */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      for (const block of this.convBnBlocks) x = block.forward(x);
      return x;
    });
  }
}

/** Residual stack of Conv1dBNBlocks, one per dilation: o = (block(o) + o) * mask. */
export class ResidualConv1dBNBlock extends Module {
  readonly resBlocks: ModuleList<Conv1dBNBlock>;

  constructor(
    inChannels: number,
    outChannels: number,
    hiddenChannels: number,
    kernelSize: number,
    dilations: number[],
    options: { numResBlocks?: number; numConvBlocks?: number } = {},
  ) {
    super();
    const numResBlocks = options.numResBlocks ?? 13;
    if (dilations.length !== numResBlocks)
      throw new Error('ResidualConv1dBNBlock: one dilation per residual block');
    const blocks = dilations.map(
      (dilation, i) =>
        new Conv1dBNBlock(
          i === 0 ? inChannels : hiddenChannels,
          i + 1 === dilations.length ? outChannels : hiddenChannels,
          hiddenChannels,
          kernelSize,
          dilation,
          options.numConvBlocks ?? 2,
        ),
    );
    this.resBlocks = this.registerModule('res_blocks', new ModuleList(blocks));
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]` or null -> `[B, C, T]`. */
  forward(x: Tensor, xMask: Tensor | null = null): Tensor {
    return torch.tidy(() => {
      let o = xMask === null ? x : x.mul(xMask);
      for (const block of this.resBlocks) {
        o = block.forward(o).add(o);
        if (xMask !== null) o = o.mul(xMask);
      }
      return o;
    });
  }
}
