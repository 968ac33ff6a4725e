/**
 * Glow-TTS duration predictor (paper section 3.3): two conv -> ReLU -> LayerNorm -> dropout blocks and a 1x1
 * projection to one log-duration per token. Coqui's `TTS.tts.layers.glow_tts.duration_predictor`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module } from '../../../torch/nn/index.ts';
import { LayerNorm } from '../generic/normalization.ts';

export interface DurationPredictorOptions {
  /** Channels of a global conditioning input `g` added through a 1x1 conv (`cond`). */
  condChannels?: number;
  /** Channels of a language embedding added through a 1x1 conv (`cond_lang`); also widens the input. */
  languageEmbDim?: number;
}

/** `[B, C_in, T_en]` encoder states -> `[B, 1, T_en]` log(1 + duration in frames), masked. */
export class DurationPredictor extends Module {
  readonly conv1: Conv1d;
  readonly norm1: LayerNorm;
  readonly conv2: Conv1d;
  readonly norm2: LayerNorm;
  readonly proj: Conv1d;
  readonly cond: Conv1d | null = null;
  readonly condLang: Conv1d | null = null;
  readonly inChannels: number;

  constructor(
    inChannels: number,
    readonly hiddenChannels: number,
    readonly kernelSize: number,
    readonly dropoutP: number,
    options: DurationPredictorOptions = {},
  ) {
    super();
    const langDim = options.languageEmbDim ?? 0;
    this.inChannels = inChannels + langDim;
    const padding = Math.floor(kernelSize / 2);
    this.conv1 = this.registerModule(
      'conv_1',
      new Conv1d(this.inChannels, hiddenChannels, kernelSize, { padding }),
    );
    this.norm1 = this.registerModule('norm_1', new LayerNorm(hiddenChannels));
    this.conv2 = this.registerModule(
      'conv_2',
      new Conv1d(hiddenChannels, hiddenChannels, kernelSize, { padding }),
    );
    this.norm2 = this.registerModule('norm_2', new LayerNorm(hiddenChannels));
    this.proj = this.registerModule('proj', new Conv1d(hiddenChannels, 1, 1));
    if (options.condChannels) {
      this.cond = this.registerModule('cond', new Conv1d(options.condChannels, this.inChannels, 1));
    }
    if (langDim) this.condLang = this.registerModule('cond_lang', new Conv1d(langDim, this.inChannels, 1));
  }

  /** x: `[B, C_in, T]`, xMask: `[B, 1, T]`, g: `[B, C_cond, 1]`, langEmb: `[B, C_lang, 1]` -> `[B, 1, T]`. */
  forward(x: Tensor, xMask: Tensor, g: Tensor | null = null, langEmb: Tensor | null = null): Tensor {
    return torch.tidy(() => {
      if (g !== null && this.cond !== null) x = x.add(this.cond.forward(g));
      if (langEmb !== null && this.condLang !== null) x = x.add(this.condLang.forward(langEmb));
      x = this.norm1.forward(this.conv1.forward(x.mul(xMask)).relu());
      x = torch.F.dropout(x, this.dropoutP, this.training);
      x = this.norm2.forward(this.conv2.forward(x.mul(xMask)).relu());
      x = torch.F.dropout(x, this.dropoutP, this.training);
      return this.proj.forward(x.mul(xMask)).mul(xMask);
    });
  }
}
