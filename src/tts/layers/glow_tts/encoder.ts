/**
 * Glow-TTS text encoder (paper section 3.3, figure 2b): token embedding -> optional prenet -> encoder
 * network -> optional postnet, then projections to the prior's means (and log-scales) per token, and the
 * duration predictor on the detached encoder states. Coqui's `TTS.tts.layers.glow_tts.encoder`.
 *
 *     embedding -> <prenet> -> encoder -> <postnet> --> proj_m (means)
 *                                                   |-> proj_s (log-scales, unless meanOnly)
 *                                                   '-> detach (+ speaker g) -> duration_predictor
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { BatchNorm1d, Conv1d, Embedding, Module } from '../../../torch/nn/index.ts';
import { normal_ } from '../../../torch/nn/init.ts';
import type { GlowTTSEncoderParams, GlowTTSEncoderType } from '../../configs/glow_tts_config.ts';
import { sequenceMask } from '../../utils/helpers.ts';
import { GatedConvBlock } from '../generic/gated_conv.ts';
import { ResidualConv1dBNBlock } from '../generic/res_conv_bn.ts';
import { TimeDepthSeparableConvBlock } from '../generic/time_depth_sep_conv.ts';
import { DurationPredictor } from './duration_predictor.ts';
import { ResidualConv1dLayerNormBlock } from './glow.ts';
import { RelativePositionTransformer } from './transformer.ts';

/** The encoder network proper (between prenet and postnet). */
interface SequenceEncoder extends Module {
  forward(x: Tensor, xMask: Tensor): Tensor;
}

/** Prenet of the residual_conv_bn encoder: 1x1 conv + ReLU (Coqui's `nn.Sequential`, keys `prenet.0.*`). */
class ConvReluPrenet extends Module {
  readonly conv: Conv1d;
  constructor(channels: number) {
    super();
    this.conv = this.registerModule('0', new Conv1d(channels, channels, 1));
  }
  forward(x: Tensor, _xMask: Tensor): Tensor {
    return torch.tidy(() => this.conv.forward(x).relu());
  }
}

/** Postnet of the residual_conv_bn encoder: 1x1 conv + BatchNorm (keys `postnet.0.*`, `postnet.1.*`). */
class ConvBNPostnet extends Module {
  readonly conv: Conv1d;
  readonly norm: BatchNorm1d;
  constructor(channels: number) {
    super();
    this.conv = this.registerModule('0', new Conv1d(channels, channels, 1));
    this.norm = this.registerModule('1', new BatchNorm1d(channels));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.norm.forward(this.conv.forward(x)));
  }
}

export interface EncoderOptions {
  dropoutPDp?: number;
  meanOnly?: boolean;
  usePrenet?: boolean;
  /** Speaker conditioning channels concatenated to the duration predictor input. */
  cInChannels?: number;
}

/** What the encoder returns; all masked by xMask. */
export interface EncoderOutput {
  /** Prior means per token `[B, C_out, T_en]`. */
  xM: Tensor;
  /** Prior log-scales per token `[B, C_out, T_en]` (zeros when meanOnly). */
  xLogs: Tensor;
  /** Predicted log(1 + duration) `[B, 1, T_en]`. */
  logw: Tensor;
  /** Token mask `[B, 1, T_en]` (float). */
  xMask: Tensor;
}

export class Encoder extends Module {
  readonly emb: Embedding;
  readonly prenet: (Module & { forward(x: Tensor, xMask: Tensor): Tensor }) | null = null;
  readonly encoder: SequenceEncoder;
  readonly postnet: ConvBNPostnet | null = null;
  readonly projM: Conv1d;
  readonly projS: Conv1d | null = null;
  readonly durationPredictor: DurationPredictor;
  readonly meanOnly: boolean;
  readonly usePrenet: boolean;
  readonly cInChannels: number;

  constructor(
    readonly numChars: number,
    readonly outChannels: number,
    readonly hiddenChannels: number,
    readonly hiddenChannelsDp: number,
    readonly encoderType: GlowTTSEncoderType,
    readonly encoderParams: GlowTTSEncoderParams,
    options: EncoderOptions = {},
  ) {
    super();
    this.meanOnly = options.meanOnly ?? false;
    this.usePrenet = options.usePrenet ?? true;
    this.cInChannels = options.cInChannels ?? 0;
    const h = hiddenChannels;
    const p = encoderParams;
    this.emb = this.registerModule('emb', new Embedding(numChars, h));
    normal_(this.emb.weight, 0, h ** -0.5);
    const convPrenet = () => new ResidualConv1dLayerNormBlock(h, h, h, 5, 3, 0.5);
    switch (encoderType) {
      case 'rel_pos_transformer':
        if (this.usePrenet) this.prenet = this.registerModule('prenet', convPrenet());
        this.encoder = new RelativePositionTransformer(
          h,
          h,
          h,
          p.hiddenChannelsFfn ?? 4 * h,
          p.numHeads ?? 2,
          p.numLayers,
          {
            kernelSize: p.kernelSize,
            dropoutP: p.dropoutP ?? 0,
            relAttnWindowSize: p.relAttnWindowSize ?? null,
            inputLength: p.inputLength ?? null,
          },
        );
        break;
      case 'gated_conv':
        this.encoder = new GatedConvBlock(h, p.kernelSize, p.dropoutP ?? 0, p.numLayers);
        break;
      case 'residual_conv_bn':
        if (this.usePrenet) this.prenet = this.registerModule('prenet', new ConvReluPrenet(h));
        this.encoder = new ResidualConv1dBNBlock(h, h, h, p.kernelSize, p.dilations ?? [], {
          numResBlocks: p.numResBlocks ?? undefined,
          numConvBlocks: p.numConvBlocks ?? undefined,
        });
        this.postnet = this.registerModule('postnet', new ConvBNPostnet(h));
        break;
      case 'time_depth_separable':
        if (this.usePrenet) this.prenet = this.registerModule('prenet', convPrenet());
        this.encoder = new TimeDepthSeparableConvBlock(h, h, h, p.numLayers, p.kernelSize);
        break;
      default:
        throw new Error(`unknown encoder type: ${encoderType as string}`);
    }
    this.registerModule('encoder', this.encoder);
    this.projM = this.registerModule('proj_m', new Conv1d(h, outChannels, 1));
    if (!this.meanOnly) this.projS = this.registerModule('proj_s', new Conv1d(h, outChannels, 1));
    this.durationPredictor = this.registerModule(
      'duration_predictor',
      new DurationPredictor(h + this.cInChannels, hiddenChannelsDp, 3, options.dropoutPDp ?? 0.1),
    );
  }

  /** x: token ids `[B, T_en]` (int64), xLengths: `[B]`, g: speaker `[B, C_cond, 1]` or null. */
  forward(x: Tensor, xLengths: Tensor, g: Tensor | null = null): EncoderOutput {
    return torch.tidy(() => {
      // [B, T, D] -> [B, D, T]
      let h = this.emb.forward(x).mul(Math.sqrt(this.hiddenChannels)).transpose(1, -1);
      const xMask = sequenceMask(xLengths, h.size(2)).unsqueeze(1).to(h.dtype);
      if (this.prenet !== null && this.usePrenet) h = this.prenet.forward(h, xMask);
      h = this.encoder.forward(h, xMask);
      if (this.postnet !== null) h = this.postnet.forward(h).mul(xMask);
      const xDp = g === null ? h.detach() : torch.cat([h.detach(), g.expand(-1, -1, h.size(-1))], 1);
      const xM = this.projM.forward(h).mul(xMask);
      const xLogs = this.projS === null ? torch.zerosLike(xM) : this.projS.forward(h).mul(xMask);
      const logw = this.durationPredictor.forward(xDp, xMask);
      return { xM, xLogs, logw, xMask };
    });
  }
}
