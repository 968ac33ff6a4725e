/**
 * The VITS encoders and flow (Kim et al. 2021, https://arxiv.org/abs/2106.06103, section 2 and figure 1;
 * Coqui's `TTS.tts.layers.vits.networks`):
 *
 *     text encoder       tokens -> embedding -> relative-position transformer -> 1x1 -> (m_p, logs_p)
 *     posterior encoder  linear spec -> 1x1 -> WaveNet -> 1x1 -> (m_q, logs_q) -> z = m_q + eps * exp(logs_q)
 *     flow               z <-> z_p: residual coupling layers (mean-only), each followed by a channel flip
 *
 * Every tensor is `[B, C, T]`; masks are `[B, 1, T]`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Embedding, Module, ModuleList } from '../../../torch/nn/index.ts';
import { normal_, zeros_ } from '../../../torch/nn/init.ts';
import { sequenceMask } from '../../utils/helpers.ts';
import { type NoiseSource, torchNoise } from '../../utils/noise.ts';
import { WN } from '../generic/wavenet.ts';
import { RelativePositionTransformer } from '../glow_tts/transformer.ts';

/** Sizes of the text encoder (Coqui's VitsArgs `*_text_encoder` fields). */
export interface TextEncoderOptions {
  /** Vocabulary size. */
  numChars: number;
  /** Channels of m_p and logs_p each. */
  outChannels: number;
  hiddenChannels: number;
  hiddenChannelsFfn: number;
  numHeads: number;
  numLayers: number;
  /** Kernel size of the transformer's feed-forward convs. */
  kernelSize: number;
  dropoutP: number;
  /** Language-embedding channels concatenated to every token embedding (0: none). */
  languageEmbDim?: number;
}

/** What the text encoder returns. */
export interface TextEncoderOutput {
  /** Transformer states `[B, hidden (+ lang), T_en]` (the duration predictor's input). */
  x: Tensor;
  /** Prior means `[B, C_out, T_en]`. */
  mP: Tensor;
  /** Prior log-scales `[B, C_out, T_en]`. */
  logsP: Tensor;
  /** Token mask `[B, 1, T_en]` (float). */
  xMask: Tensor;
}

/**
 * Tokens -> prior statistics per token: embedding (scaled by sqrt(hidden)) -> relative-position transformer
 * (window 4, `[C]` layer norms) -> 1x1 projection split into means and log-scales.
 */
export class TextEncoder extends Module {
  readonly emb: Embedding;
  readonly encoder: RelativePositionTransformer;
  readonly proj: Conv1d;
  readonly hiddenChannels: number;
  readonly outChannels: number;

  constructor(o: TextEncoderOptions) {
    super();
    this.hiddenChannels = o.hiddenChannels;
    this.outChannels = o.outChannels;
    this.emb = this.registerModule('emb', new Embedding(o.numChars, o.hiddenChannels));
    normal_(this.emb.weight, 0, o.hiddenChannels ** -0.5);
    const h = o.hiddenChannels + (o.languageEmbDim ?? 0);
    this.encoder = this.registerModule(
      'encoder',
      new RelativePositionTransformer(h, h, h, o.hiddenChannelsFfn, o.numHeads, o.numLayers, {
        kernelSize: o.kernelSize,
        dropoutP: o.dropoutP,
        layerNormType: '2',
        relAttnWindowSize: 4,
      }),
    );
    this.proj = this.registerModule('proj', new Conv1d(h, o.outChannels * 2, 1));
  }

  /** x: token ids `[B, T_en]` int64, xLengths: `[B]`, langEmb: `[B, C_lang, 1]` or null. */
  forward(x: Tensor, xLengths: Tensor, langEmb: Tensor | null = null): TextEncoderOutput {
    return torch.tidy(() => {
      let h = this.emb.forward(x).mul(Math.sqrt(this.hiddenChannels)); // [B, T, H]
      if (langEmb !== null) h = torch.cat([h, langEmb.transpose(2, 1).expand(h.size(0), h.size(1), -1)], -1);
      h = h.transpose(1, -1); // [B, H, T]
      const xMask = sequenceMask(xLengths, h.size(2)).unsqueeze(1).to(h.dtype);
      h = this.encoder.forward(h.mul(xMask), xMask);
      const [mP, logsP] = this.proj.forward(h).mul(xMask).split(this.outChannels, 1);
      return { x: h, mP, logsP, xMask };
    });
  }
}

/** Sizes of a WaveNet-based block (posterior encoder, coupling layers). */
export interface WaveNetBlockOptions {
  hiddenChannels: number;
  kernelSize: number;
  dilationRate: number;
  numLayers: number;
  /** Speaker conditioning channels (0: none). */
  condChannels?: number;
}

/** What the posterior encoder returns. */
export interface PosteriorEncoderOutput {
  /** Posterior sample `[B, C_out, T]` (masked). */
  z: Tensor;
  /** Posterior means `[B, C_out, T]`. */
  mQ: Tensor;
  /** Posterior log-scales `[B, C_out, T]`. */
  logsQ: Tensor;
  /** Frame mask `[B, 1, T]`. */
  yMask: Tensor;
}

/**
 * Linear spectrogram -> posterior q(z | spec): 1x1 -> non-causal WaveNet -> 1x1 split into means and
 * log-scales, and a reparameterised sample z = (m + eps * exp(logs)) * mask.
 */
export class PosteriorEncoder extends Module {
  readonly pre: Conv1d;
  readonly enc: WN;
  readonly proj: Conv1d;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    o: WaveNetBlockOptions,
  ) {
    super();
    this.pre = this.registerModule('pre', new Conv1d(inChannels, o.hiddenChannels, 1));
    this.enc = this.registerModule(
      'enc',
      new WN(o.hiddenChannels, o.hiddenChannels, o.kernelSize, o.dilationRate, o.numLayers, {
        cInChannels: o.condChannels ?? 0,
      }),
    );
    this.proj = this.registerModule('proj', new Conv1d(o.hiddenChannels, outChannels * 2, 1));
  }

  /**
   * y: `[B, C_in, T]`, yLengths: `[B]`, g: `[B, C_g, 1]` or null. Draws eps `[B, C_out, T]` at the
   * `'posterior'` site.
   */
  forward(
    y: Tensor,
    yLengths: Tensor,
    g: Tensor | null = null,
    noise: NoiseSource = torchNoise,
  ): PosteriorEncoderOutput {
    return torch.tidy(() => {
      const yMask = sequenceMask(yLengths, y.size(2)).unsqueeze(1).to(y.dtype);
      let h = this.pre.forward(y).mul(yMask);
      h = this.enc.forward(h, yMask, g);
      const [mQ, logsQ] = this.proj.forward(h).mul(yMask).split(this.outChannels, 1);
      const eps = noise.randn(mQ.shape, 'posterior', mQ);
      const z = mQ.add(eps.mul(logsQ.exp())).mul(yMask);
      return { z, mQ, logsQ, yMask };
    });
  }
}

/**
 * Mean-only affine coupling: the first half of the channels, through 1x1 -> WaveNet -> 1x1 (zero at init),
 * predicts a shift of the second half. Volume preserving (log|det| = 0).
 */
export class ResidualCouplingBlock extends Module {
  readonly pre: Conv1d;
  readonly enc: WN;
  readonly post: Conv1d;
  readonly halfChannels: number;

  constructor(
    readonly channels: number,
    o: WaveNetBlockOptions,
  ) {
    super();
    if (channels % 2 !== 0) throw new Error('ResidualCouplingBlock: channels must be even');
    this.halfChannels = channels / 2;
    this.pre = this.registerModule('pre', new Conv1d(this.halfChannels, o.hiddenChannels, 1));
    this.enc = this.registerModule(
      'enc',
      new WN(o.hiddenChannels, o.hiddenChannels, o.kernelSize, o.dilationRate, o.numLayers, {
        cInChannels: o.condChannels ?? 0,
      }),
    );
    this.post = this.registerModule('post', new Conv1d(o.hiddenChannels, this.halfChannels, 1));
    zeros_(this.post.weight);
    zeros_(this.post.bias as Tensor);
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, C_g, 1]` or null -> `[B, C, T]`. */
  forward(x: Tensor, xMask: Tensor, g: Tensor | null = null, reverse = false): Tensor {
    return torch.tidy(() => {
      const [x0, x1] = x.split([this.halfChannels, this.halfChannels], 1);
      const h = this.enc.forward(this.pre.forward(x0).mul(xMask), xMask, g);
      const m = this.post.forward(h).mul(xMask);
      // exp(log_scale) = 1 for a mean-only coupling; kept as Coqui's arithmetic (x1 * 1 * mask)
      const y1 = reverse ? x1.sub(m).mul(xMask) : m.add(x1.mul(xMask));
      return torch.cat([x0, y1], 1);
    });
  }
}

/** The VITS flow: `numFlows` residual coupling layers, each followed by a flip of the channel axis. */
export class ResidualCouplingBlocks extends Module {
  readonly flows: ModuleList<ResidualCouplingBlock>;

  constructor(
    readonly channels: number,
    o: WaveNetBlockOptions & { numFlows?: number },
  ) {
    super();
    const blocks = Array.from({ length: o.numFlows ?? 4 }, () => new ResidualCouplingBlock(channels, o));
    this.flows = this.registerModule('flows', new ModuleList(blocks));
  }

  /** z -> z_p (forward) or z_p -> z (reverse). x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, C_g, 1]`. */
  forward(x: Tensor, xMask: Tensor, g: Tensor | null = null, reverse = false): Tensor {
    return torch.tidy(() => {
      if (!reverse) {
        for (const flow of this.flows) x = flow.forward(x, xMask, g, false).flip(1);
      } else {
        for (const flow of [...this.flows].reverse()) x = flow.forward(x.flip(1), xMask, g, true);
      }
      return x;
    });
  }
}
