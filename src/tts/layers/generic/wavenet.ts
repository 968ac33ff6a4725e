/**
 * WaveNet-style stack of gated, dilated, weight-normalised convolutions without causal masking (Coqui's
 * `TTS.tts.layers.generic.wavenet.WN`), the transform network inside Glow-TTS / VITS coupling layers.
 *
 *     res -- conv1d(dilated) -> dropout -> (+ g) -> tanh * sigmoid -> conv1x1 -> split -> + -> res
 *                                                                               '-> skip sum -> output
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList, weightNorm } from '../../../torch/nn/index.ts';

/** tanh(a[:, :n]) * sigmoid(a[:, n:]) of a `[B, 2n, T]` pre-activation. */
export function gatedActivation(preActivation: Tensor, nChannels: number): Tensor {
  return torch.tidy(() =>
    preActivation
      .slice(1, 0, nChannels)
      .tanh()
      .mul(preActivation.slice(1, nChannels, 2 * nChannels).sigmoid()),
  );
}

export interface WNOptions {
  /** Conditioning channels (speaker embedding); 0: unconditioned. */
  cInChannels?: number;
  dropoutP?: number;
  /** Weight normalisation on every convolution (Coqui's default). */
  weightNorm?: boolean;
}

/** WaveNet layers with weight norm. Input and output `[B, hidden, T]`. */
export class WN extends Module {
  readonly inLayers: ModuleList<Conv1d>;
  readonly resSkipLayers: ModuleList<Conv1d>;
  readonly condLayer: Conv1d | null = null;
  readonly cInChannels: number;
  readonly dropoutP: number;

  constructor(
    readonly inChannels: number,
    readonly hiddenChannels: number,
    readonly kernelSize: number,
    readonly dilationRate: number,
    readonly numLayers: number,
    options: WNOptions = {},
  ) {
    super();
    if (kernelSize % 2 !== 1) throw new Error('WN: kernelSize must be odd');
    if (hiddenChannels % 2 !== 0) throw new Error('WN: hiddenChannels must be even');
    this.cInChannels = options.cInChannels ?? 0;
    this.dropoutP = options.dropoutP ?? 0;
    const norm = options.weightNorm ?? true;
    const wrap = (c: Conv1d): Conv1d => (norm ? weightNorm(c) : c);
    if (this.cInChannels > 0) {
      this.condLayer = this.registerModule(
        'cond_layer',
        wrap(new Conv1d(this.cInChannels, 2 * hiddenChannels * numLayers, 1)),
      );
    }
    const inLayers: Conv1d[] = [];
    const resSkipLayers: Conv1d[] = [];
    for (let i = 0; i < numLayers; i++) {
      const dilation = dilationRate ** i;
      const padding = Math.trunc((kernelSize * dilation - dilation) / 2);
      inLayers.push(
        wrap(
          new Conv1d(i === 0 ? inChannels : hiddenChannels, 2 * hiddenChannels, kernelSize, {
            dilation,
            padding,
          }),
        ),
      );
      const resSkipChannels = i < numLayers - 1 ? 2 * hiddenChannels : hiddenChannels;
      resSkipLayers.push(wrap(new Conv1d(hiddenChannels, resSkipChannels, 1)));
    }
    this.inLayers = this.registerModule('in_layers', new ModuleList(inLayers));
    this.resSkipLayers = this.registerModule('res_skip_layers', new ModuleList(resSkipLayers));
  }

  /** x: `[B, C_in, T]`, xMask: `[B, 1, T]`, g: `[B, C_cond, 1]` -> `[B, hidden, T]`. */
  forward(x: Tensor, xMask: Tensor | null = null, g: Tensor | null = null): Tensor {
    return torch.tidy(() => {
      const h = this.hiddenChannels;
      let output: Tensor | null = null;
      const cond = g !== null && this.condLayer !== null ? this.condLayer.forward(g) : null;
      for (let i = 0; i < this.numLayers; i++) {
        let xIn = torch.F.dropout(this.inLayers.get(i).forward(x), this.dropoutP, this.training);
        if (cond !== null) xIn = xIn.add(cond.slice(1, i * 2 * h, (i + 1) * 2 * h));
        const acts = gatedActivation(xIn, h);
        const resSkip = this.resSkipLayers.get(i).forward(acts);
        if (i < this.numLayers - 1) {
          x = x.add(resSkip.slice(1, 0, h));
          if (xMask !== null) x = x.mul(xMask);
          const skip = resSkip.slice(1, h, 2 * h);
          output = output === null ? skip : output.add(skip);
        } else {
          output = output === null ? resSkip : output.add(resSkip);
        }
      }
      const out = output as Tensor;
      return xMask === null ? out : out.mul(xMask);
    });
  }
}
