/**
 * Transformer encoder with relative positional self-attention (Shaw et al. 2018, https://arxiv.org/abs/1803.02155),
 * as used by the Glow-TTS text encoder (Coqui's `TTS.tts.layers.glow_tts.transformer`).
 *
 * Every tensor is `[B, C, T]`; masks are `[B, 1, T]` (tokens) and `[B, 1, T, T]` (attention).
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList } from '../../../torch/nn/index.ts';
import { xavierUniform_ } from '../../../torch/nn/init.ts';
import { LayerNorm, LayerNorm2 } from '../generic/normalization.ts';

export interface RelativePositionMultiHeadAttentionOptions {
  /** Neighbours on each side with a learned relative embedding; null: plain dot-product attention. */
  relAttnWindowSize?: number | null;
  /** One set of relative embeddings for all heads. */
  headsShare?: boolean;
  dropoutP?: number;
  /** Limit attention to a band of +-inputLength steps; null: unlimited. */
  inputLength?: number | null;
  /** Add -log(1 + |i - j|) to the scores. */
  proximalBias?: boolean;
  /** Initialise the key projection equal to the query projection. */
  proximalInit?: boolean;
}

/**
 * Multi-head self-attention with learned relative position embeddings for keys (`emb_rel_k`) and values
 * (`emb_rel_v`), each `[1 or H, 2 * window + 1, C / H]`.
 */
export class RelativePositionMultiHeadAttention extends Module {
  readonly convQ: Conv1d;
  readonly convK: Conv1d;
  readonly convV: Conv1d;
  readonly convO: Conv1d;
  readonly embRelK: Tensor | null = null;
  readonly embRelV: Tensor | null = null;
  readonly kChannels: number;
  readonly relAttnWindowSize: number | null;
  readonly dropoutP: number;
  readonly inputLength: number | null;
  readonly proximalBias: boolean;

  constructor(
    readonly channels: number,
    readonly outChannels: number,
    readonly numHeads: number,
    options: RelativePositionMultiHeadAttentionOptions = {},
  ) {
    super();
    if (channels % numHeads !== 0) throw new Error('channels must be divisible by numHeads');
    this.kChannels = channels / numHeads;
    this.relAttnWindowSize = options.relAttnWindowSize ?? null;
    this.dropoutP = options.dropoutP ?? 0;
    this.inputLength = options.inputLength ?? null;
    this.proximalBias = options.proximalBias ?? false;
    this.convQ = this.registerModule('conv_q', new Conv1d(channels, channels, 1));
    this.convK = this.registerModule('conv_k', new Conv1d(channels, channels, 1));
    this.convV = this.registerModule('conv_v', new Conv1d(channels, channels, 1));
    this.convO = this.registerModule('conv_o', new Conv1d(channels, outChannels, 1));
    if (this.relAttnWindowSize !== null) {
      const nHeadsRel = (options.headsShare ?? true) ? 1 : numHeads;
      const std = this.kChannels ** -0.5;
      const shape = [nHeadsRel, this.relAttnWindowSize * 2 + 1, this.kChannels];
      this.embRelK = this.registerParameter('emb_rel_k', torch.randn(shape).mul(std));
      this.embRelV = this.registerParameter('emb_rel_v', torch.randn(shape).mul(std));
    }
    xavierUniform_(this.convQ.weight);
    xavierUniform_(this.convK.weight);
    if (options.proximalInit) {
      torch.noGrad(() => {
        this.convK.weight.copy_(this.convQ.weight);
        (this.convK.bias as Tensor).copy_(this.convQ.bias as Tensor);
      });
    }
    xavierUniform_(this.convV.weight);
  }

  /** x: `[B, C, T]` queries, c: `[B, C, T]` keys/values, attnMask: `[B, 1, T, T]` -> `[B, C_out, T]`. */
  forward(x: Tensor, c: Tensor, attnMask: Tensor | null = null): Tensor {
    return torch.tidy(() => {
      const q = this.convQ.forward(x);
      const k = this.convK.forward(c);
      const v = this.convV.forward(c);
      return this.convO.forward(this.attention(q, k, v, attnMask).output);
    });
  }

  /** query `[B, C, T_t]`, key/value `[B, C, T_s]` -> output `[B, C, T_t]`, weights `[B, H, T_t, T_s]`. */
  attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    mask: Tensor | null,
  ): { output: Tensor; pAttn: Tensor } {
    const [b, d, tS] = key.shape;
    const tT = query.size(2);
    const h = this.numHeads;
    const dk = this.kChannels;
    // [B, C, T] -> [B, H, T, C/H]
    const q = query.view(b, h, dk, tT).transpose(2, 3);
    const k = key.view(b, h, dk, tS).transpose(2, 3);
    const v = value.view(b, h, dk, tS).transpose(2, 3);
    let scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(dk));
    if (this.relAttnWindowSize !== null) {
      if (tS !== tT) throw new Error('relative attention is only available for self-attention');
      const keyRel = this.relativeEmbeddings(this.embRelK as Tensor, tS);
      const relLogits = relativeToAbsolutePosition(q.matmul(keyRel.unsqueeze(0).transpose(-2, -1)));
      scores = scores.add(relLogits.div(Math.sqrt(dk)));
    }
    if (this.proximalBias) {
      if (tS !== tT) throw new Error('proximal bias is only available for self-attention');
      scores = scores.add(attentionProximityBias(tS, scores.device));
    }
    if (mask !== null) {
      scores = scores.maskedFill(mask.eq(0), -1e4);
      if (this.inputLength !== null) {
        const block = torch.onesLike(scores).triu(-this.inputLength).tril(this.inputLength);
        scores = scores.mul(block).add(block.rsub(1).mul(-1e4));
      }
    }
    const pAttn = torch.F.dropout(scores.softmax(-1), this.dropoutP, this.training);
    let output = pAttn.matmul(v);
    if (this.relAttnWindowSize !== null) {
      const relWeights = absoluteToRelativePosition(pAttn);
      const valueRel = this.relativeEmbeddings(this.embRelV as Tensor, tS);
      output = output.add(relWeights.matmul(valueRel.unsqueeze(0)));
    }
    // [B, H, T_t, C/H] -> [B, C, T_t]
    return { output: output.transpose(2, 3).contiguous().view(b, d, tT), pAttn };
  }

  /** The `2 * length - 1` relative embeddings `[1 or H, 2T-1, C/H]` for a sequence of `length`, zero padded. */
  relativeEmbeddings(embeddings: Tensor, length: number): Tensor {
    const window = this.relAttnWindowSize as number;
    const padLength = Math.max(length - (window + 1), 0);
    const sliceStart = Math.max(window + 1 - length, 0);
    const padded = padLength > 0 ? torch.F.pad(embeddings, [0, 0, padLength, padLength, 0, 0]) : embeddings;
    return padded.slice(1, sliceStart, sliceStart + 2 * length - 1);
  }
}

/** Relative -> absolute indexing: `[B, H, T, 2T-1]` -> `[B, H, T, T]` (pad-and-reshape skew). */
export function relativeToAbsolutePosition(x: Tensor): Tensor {
  const [batch, heads, length] = x.shape;
  const padded = torch.F.pad(x, [0, 1, 0, 0, 0, 0, 0, 0]);
  const flat = torch.F.pad(padded.reshape(batch, heads, length * 2 * length), [0, length - 1, 0, 0, 0, 0]);
  return flat
    .view(batch, heads, length + 1, 2 * length - 1)
    .slice(2, 0, length)
    .slice(3, length - 1);
}

/** Absolute -> relative indexing: `[B, H, T, T]` -> `[B, H, T, 2T-1]`. */
export function absoluteToRelativePosition(x: Tensor): Tensor {
  const [batch, heads, length] = x.shape;
  const padded = torch.F.pad(x, [0, length - 1, 0, 0, 0, 0, 0, 0]);
  const flat = torch.F.pad(padded.reshape(batch, heads, length * length + length * (length - 1)), [
    length,
    0,
    0,
    0,
    0,
    0,
  ]);
  return flat.view(batch, heads, length, 2 * length).slice(3, 1);
}

/** -log(1 + |i - j|) as `[1, 1, T, T]` float32 on `device`: discourages attending far away. */
export function attentionProximityBias(length: number, device = 'cpu'): Tensor {
  return torch.tidy(() => {
    const r = torch.arange(0, length, 1, { dtype: 'float32', device });
    return r.unsqueeze(0).sub(r.unsqueeze(1)).abs().log1p().neg().unsqueeze(0).unsqueeze(0);
  });
}

/** Two "same"-padded convolutions with ReLU: `[B, C_in, T]` -> `[B, C_out, T]`. */
export class FeedForwardNetwork extends Module {
  readonly conv1: Conv1d;
  readonly conv2: Conv1d;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly hiddenChannels: number,
    readonly kernelSize: number,
    readonly dropoutP = 0,
    readonly causal = false,
  ) {
    super();
    this.conv1 = this.registerModule('conv_1', new Conv1d(inChannels, hiddenChannels, kernelSize));
    this.conv2 = this.registerModule('conv_2', new Conv1d(hiddenChannels, outChannels, kernelSize));
  }

  /** x: `[B, C_in, T]`, xMask: `[B, 1, T]` -> `[B, C_out, T]`. */
  forward(x: Tensor, xMask: Tensor): Tensor {
    return torch.tidy(() => {
      let h = this.conv1.forward(this.pad(x.mul(xMask))).relu();
      h = torch.F.dropout(h, this.dropoutP, this.training);
      return this.conv2.forward(this.pad(h.mul(xMask))).mul(xMask);
    });
  }

  /** Pads time so a kernel-k convolution keeps the length ("same", or causal: all on the left). */
  private pad(x: Tensor): Tensor {
    if (this.kernelSize === 1) return x;
    const left = this.causal ? this.kernelSize - 1 : Math.floor((this.kernelSize - 1) / 2);
    const right = this.causal ? 0 : Math.floor(this.kernelSize / 2);
    return torch.F.pad(x, [left, right]);
  }
}

export interface RelativePositionTransformerOptions {
  kernelSize?: number;
  dropoutP?: number;
  relAttnWindowSize?: number | null;
  inputLength?: number | null;
  /** '1': Coqui's channel LayerNorm (`[1, C, 1]` params, eps 1e-4); '2': fused layer_norm (`[C]`, eps 1e-5). */
  layerNormType?: '1' | '2';
}

/**
 * Post-norm transformer encoder: per layer, x = norm1(x + attn(x)); x = norm2(x + ffn(x)).
 * `[B, C_in, T]` -> `[B, C_out, T]`.
 */
export class RelativePositionTransformer extends Module {
  readonly attnLayers: ModuleList<RelativePositionMultiHeadAttention>;
  readonly normLayers1: ModuleList<LayerNorm | LayerNorm2>;
  readonly ffnLayers: ModuleList<FeedForwardNetwork>;
  readonly normLayers2: ModuleList<LayerNorm | LayerNorm2>;
  readonly proj: Conv1d | null = null;
  readonly dropoutP: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly hiddenChannels: number,
    readonly hiddenChannelsFfn: number,
    readonly numHeads: number,
    readonly numLayers: number,
    options: RelativePositionTransformerOptions = {},
  ) {
    super();
    const kernelSize = options.kernelSize ?? 1;
    this.dropoutP = options.dropoutP ?? 0;
    const norm = (c: number): LayerNorm | LayerNorm2 =>
      (options.layerNormType ?? '1') === '1' ? new LayerNorm(c) : new LayerNorm2(c);
    const attn: RelativePositionMultiHeadAttention[] = [];
    const norm1: (LayerNorm | LayerNorm2)[] = [];
    const ffn: FeedForwardNetwork[] = [];
    const norm2: (LayerNorm | LayerNorm2)[] = [];
    for (let i = 0; i < numLayers; i++) {
      const last = i + 1 === numLayers;
      attn.push(
        new RelativePositionMultiHeadAttention(
          i === 0 ? inChannels : hiddenChannels,
          hiddenChannels,
          numHeads,
          {
            relAttnWindowSize: options.relAttnWindowSize ?? null,
            dropoutP: this.dropoutP,
            inputLength: options.inputLength ?? null,
          },
        ),
      );
      norm1.push(norm(hiddenChannels));
      if (hiddenChannels !== outChannels && last) {
        this.proj = new Conv1d(hiddenChannels, outChannels, 1);
      }
      ffn.push(
        new FeedForwardNetwork(
          hiddenChannels,
          last ? outChannels : hiddenChannels,
          hiddenChannelsFfn,
          kernelSize,
          this.dropoutP,
        ),
      );
      norm2.push(norm(last ? outChannels : hiddenChannels));
    }
    this.attnLayers = this.registerModule('attn_layers', new ModuleList(attn));
    this.normLayers1 = this.registerModule('norm_layers_1', new ModuleList(norm1));
    this.ffnLayers = this.registerModule('ffn_layers', new ModuleList(ffn));
    this.normLayers2 = this.registerModule('norm_layers_2', new ModuleList(norm2));
    if (this.proj !== null) this.registerModule('proj', this.proj);
  }

  /** x: `[B, C_in, T]`, xMask: `[B, 1, T]` -> `[B, C_out, T]` (masked). */
  forward(x: Tensor, xMask: Tensor): Tensor {
    return torch.tidy(() => {
      const attnMask = xMask.unsqueeze(2).mul(xMask.unsqueeze(-1));
      for (let i = 0; i < this.numLayers; i++) {
        x = x.mul(xMask);
        let y = this.attnLayers.get(i).forward(x, x, attnMask);
        y = torch.F.dropout(y, this.dropoutP, this.training);
        x = this.normLayers1.get(i).forward(x.add(y));
        y = this.ffnLayers.get(i).forward(x, xMask);
        y = torch.F.dropout(y, this.dropoutP, this.training);
        if (i + 1 === this.numLayers && this.proj !== null) x = this.proj.forward(x);
        x = this.normLayers2.get(i).forward(x.add(y));
      }
      return x.mul(xMask);
    });
  }
}
