/**
 * The stochastic duration predictor of VITS (Kim et al. 2021, https://arxiv.org/abs/2106.06103, section
 * 2.3 and appendix B.2): a flow-based model of the (dequantised) token durations conditioned on the text
 * encoder states. Training returns the variational upper bound of -log p(d | text) per item; inference
 * pushes noise back through the flows to log-durations. Coqui's
 * `TTS.tts.layers.vits.stochastic_duration_predictor`.
 *
 *     training:   text h -> pre/DDSConv/proj -> c          d -> post_pre/DDSConv/post_proj -> c_d
 *                 noise --post_flows(c + c_d)--> (u, nu) -> z0 = log(d - sigmoid(u)), z1 = nu
 *                 (z0, z1) --flows(c)--> e,  nll = -log N(e) - log|det| + log q(u, nu | d, h)
 *     inference:  noise --reversed flows(c)--> log-durations
 *
 * Every tensor is `[B, C, T_en]`; masks are `[B, 1, T_en]`.
 */

import type { Tensor } from '../../../torch/index.ts';
import * as torch from '../../../torch/index.ts';
import { Conv1d, Module, ModuleList } from '../../../torch/nn/index.ts';
import { zeros_ } from '../../../torch/nn/init.ts';
import { type NoiseSource, torchNoise } from '../../utils/noise.ts';
import { type FlowOutput, LayerNorm2 } from '../generic/normalization.ts';
import { rationalQuadraticSpline } from './transforms.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Dilated depth-separable convolutions (dilation kernelSize^i), each followed by LayerNorm, GELU, a 1x1
 * conv, LayerNorm, GELU and dropout, in a residual stack:
 *
 *     x |-> depthwise conv -> norm -> gelu -> conv1x1 -> norm -> gelu -> dropout -> + -> (next layer)
 *       |-------------------------------------------------------------------------'
 */
export class DilatedDepthSeparableConv extends Module {
  readonly convsSep: ModuleList<Conv1d>;
  readonly convs1x1: ModuleList<Conv1d>;
  readonly norms1: ModuleList<LayerNorm2>;
  readonly norms2: ModuleList<LayerNorm2>;

  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    readonly numLayers: number,
    readonly dropoutP = 0,
  ) {
    super();
    const sep: Conv1d[] = [];
    const pointwise: Conv1d[] = [];
    const n1: LayerNorm2[] = [];
    const n2: LayerNorm2[] = [];
    for (let i = 0; i < numLayers; i++) {
      const dilation = kernelSize ** i;
      const padding = Math.floor((kernelSize * dilation - dilation) / 2);
      sep.push(new Conv1d(channels, channels, kernelSize, { groups: channels, dilation, padding }));
      pointwise.push(new Conv1d(channels, channels, 1));
      n1.push(new LayerNorm2(channels));
      n2.push(new LayerNorm2(channels));
    }
    this.convsSep = this.registerModule('convs_sep', new ModuleList(sep));
    this.convs1x1 = this.registerModule('convs_1x1', new ModuleList(pointwise));
    this.norms1 = this.registerModule('norms_1', new ModuleList(n1));
    this.norms2 = this.registerModule('norms_2', new ModuleList(n2));
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, C, T]` or `[B, C, 1]` added first -> `[B, C, T]` (masked). */
  forward(x: Tensor, xMask: Tensor, g: Tensor | null = null): Tensor {
    return torch.tidy(() => {
      if (g !== null) x = x.add(g);
      for (let i = 0; i < this.numLayers; i++) {
        let y = this.norms1.get(i).forward(this.convsSep.get(i).forward(x.mul(xMask)));
        y = torch.F.gelu(y);
        y = torch.F.gelu(this.norms2.get(i).forward(this.convs1x1.get(i).forward(y)));
        x = x.add(torch.F.dropout(y, this.dropoutP, this.training));
      }
      return x.mul(xMask);
    });
  }
}

/** A flow layer of the duration predictor: `[B, 2, T]` -> `[B, 2, T]` and log|det J| `[B]` (forward only). */
export interface DurationFlow extends Module {
  forward(x: Tensor, xMask: Tensor, g: Tensor | null, reverse: boolean): FlowOutput;
}

/** Per-channel affine bijection y = (x * exp(logScale) + translation) * mask; params `[C, 1]`, zero at init. */
export class ElementwiseAffine extends Module implements DurationFlow {
  readonly translation: Tensor;
  readonly logScale: Tensor;

  constructor(readonly channels: number) {
    super();
    this.translation = this.registerParameter('translation', torch.zeros([channels, 1]));
    this.logScale = this.registerParameter('log_scale', torch.zeros([channels, 1]));
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]` -> z `[B, C, T]`, logdet `[B]` (null in reverse). g is unused. */
  forward(x: Tensor, xMask: Tensor, _g: Tensor | null = null, reverse = false): FlowOutput {
    return torch.tidy(() => {
      if (reverse) {
        return { z: x.sub(this.translation).mul(this.logScale.neg().exp()).mul(xMask), logdet: null };
      }
      const z = x.mul(this.logScale.exp()).add(this.translation).mul(xMask);
      return { z, logdet: this.logScale.mul(xMask).sum([1, 2]) };
    });
  }
}

/** Sizes of a ConvFlow. */
export interface ConvFlowOptions {
  /** Channels of the flowing tensor (split in halves). */
  inChannels: number;
  /** Channels of the parameter network. */
  hiddenChannels: number;
  kernelSize: number;
  /** DDSConv layers of the parameter network. */
  numLayers: number;
  /** Spline bins (default 10). */
  numBins?: number;
  /** The spline covers [-tailBound, tailBound] (default 5). */
  tailBound?: number;
}

/**
 * Coupling layer with a rational-quadratic spline: the first half of the channels parameterises (through
 * pre -> DDSConv -> proj, proj zero at init) a spline applied to the second half.
 */
export class ConvFlow extends Module implements DurationFlow {
  readonly pre: Conv1d;
  readonly convs: DilatedDepthSeparableConv;
  readonly proj: Conv1d;
  readonly halfChannels: number;
  readonly hiddenChannels: number;
  readonly numBins: number;
  readonly tailBound: number;

  constructor(o: ConvFlowOptions) {
    super();
    this.halfChannels = Math.floor(o.inChannels / 2);
    this.hiddenChannels = o.hiddenChannels;
    this.numBins = o.numBins ?? 10;
    this.tailBound = o.tailBound ?? 5.0;
    this.pre = this.registerModule('pre', new Conv1d(this.halfChannels, o.hiddenChannels, 1));
    this.convs = this.registerModule(
      'convs',
      new DilatedDepthSeparableConv(o.hiddenChannels, o.kernelSize, o.numLayers, 0),
    );
    this.proj = this.registerModule(
      'proj',
      new Conv1d(o.hiddenChannels, this.halfChannels * (this.numBins * 3 - 1), 1),
    );
    zeros_(this.proj.weight);
    zeros_(this.proj.bias as Tensor);
  }

  /** x: `[B, C, T]`, xMask: `[B, 1, T]`, g: `[B, hidden, T]` -> z `[B, C, T]`, logdet `[B]` (null in reverse). */
  forward(x: Tensor, xMask: Tensor, g: Tensor | null = null, reverse = false): FlowOutput {
    return torch.tidy(() => {
      const [x0, x1] = x.split([this.halfChannels, this.halfChannels], 1);
      let h = this.convs.forward(this.pre.forward(x0), xMask, g);
      h = this.proj.forward(h).mul(xMask);
      const [b, c, t] = x0.shape;
      // [B, c * (3K - 1), T] -> [B, c, T, 3K - 1]
      h = h.reshape(b, c, -1, t).permute(0, 1, 3, 2);
      const k = this.numBins;
      const scale = Math.sqrt(this.hiddenChannels);
      const spline = rationalQuadraticSpline(
        x1,
        {
          unnormalizedWidths: h.slice(-1, 0, k).div(scale),
          unnormalizedHeights: h.slice(-1, k, 2 * k).div(scale),
          unnormalizedDerivatives: h.slice(-1, 2 * k),
        },
        { inverse: reverse, tailBound: this.tailBound },
      );
      const z = torch.cat([x0, spline.outputs], 1).mul(xMask);
      return { z, logdet: reverse ? null : spline.logabsdet.mul(xMask).sum([1, 2]) };
    });
  }
}

/** Sizes of the stochastic duration predictor (Coqui builds it with hidden 192, kernel 3, 4 flows). */
export interface StochasticDurationPredictorOptions {
  /** Channels of the text-encoder states. */
  inChannels: number;
  hiddenChannels: number;
  kernelSize: number;
  dropoutP: number;
  /** ConvFlows after the ElementwiseAffine, in each flow stack (default 4). */
  numFlows?: number;
  /** Speaker conditioning channels (0: none). */
  condChannels?: number;
  /** Language-embedding channels, concatenated to the input (0: none). */
  languageEmbDim?: number;
}

/** Conditioning of a duration-predictor call. */
export interface DurationConditioning {
  /** Speaker embedding `[B, C_g, 1]`. */
  g?: Tensor | null;
  /** Language embedding `[B, C_lang, 1]`. */
  langEmb?: Tensor | null;
  /** Where the flow noise comes from (default: the global generator). */
  noise?: NoiseSource;
}

export class StochasticDurationPredictor extends Module {
  readonly pre: Conv1d;
  readonly convs: DilatedDepthSeparableConv;
  readonly proj: Conv1d;
  readonly flows: ModuleList<DurationFlow>;
  readonly postPre: Conv1d;
  readonly postConvs: DilatedDepthSeparableConv;
  readonly postProj: Conv1d;
  readonly postFlows: ModuleList<DurationFlow>;
  readonly cond: Conv1d | null = null;
  readonly condLang: Conv1d | null = null;

  constructor(o: StochasticDurationPredictorOptions) {
    super();
    const h = o.hiddenChannels;
    const langDim = o.languageEmbDim ?? 0;
    const numFlows = o.numFlows ?? 4;
    const flowStack = () =>
      new ModuleList<DurationFlow>([
        new ElementwiseAffine(2),
        ...Array.from(
          { length: numFlows },
          () => new ConvFlow({ inChannels: 2, hiddenChannels: h, kernelSize: o.kernelSize, numLayers: 3 }),
        ),
      ]);
    // text condition encoder
    this.pre = this.registerModule('pre', new Conv1d(o.inChannels + langDim, h, 1));
    this.convs = this.registerModule('convs', new DilatedDepthSeparableConv(h, o.kernelSize, 3, o.dropoutP));
    this.proj = this.registerModule('proj', new Conv1d(h, h, 1));
    this.flows = this.registerModule('flows', flowStack());
    // duration condition encoder and the posterior flows
    this.postPre = this.registerModule('post_pre', new Conv1d(1, h, 1));
    this.postConvs = this.registerModule(
      'post_convs',
      new DilatedDepthSeparableConv(h, o.kernelSize, 3, o.dropoutP),
    );
    this.postProj = this.registerModule('post_proj', new Conv1d(h, h, 1));
    this.postFlows = this.registerModule('post_flows', flowStack());
    if (o.condChannels) this.cond = this.registerModule('cond', new Conv1d(o.condChannels, h, 1));
    if (langDim) this.condLang = this.registerModule('cond_lang', new Conv1d(langDim, h, 1));
  }

  /**
   * The negative log-likelihood bound of the durations, per item (not normalised by length).
   * x: `[B, C_in, T]` text states, xMask: `[B, 1, T]`, durations: `[B, 1, T]` frames per token -> `[B]`.
   * Draws `[B, 2, T]` standard-normal noise at the `'duration'` site.
   */
  forward(x: Tensor, xMask: Tensor, durations: Tensor, c: DurationConditioning = {}): Tensor {
    return torch.tidy(() => {
      const cond = this.condition(x, xMask, c);
      const h = this.postProj
        .forward(this.postConvs.forward(this.postPre.forward(durations), xMask))
        .mul(xMask);
      const [b, , t] = durations.shape;
      const noise = (c.noise ?? torchNoise).randn([b, 2, t], 'duration', x).mul(xMask);
      // posterior q(u, nu | d, text): noise -> (u, nu)
      const gq = cond.add(h);
      let zq = noise;
      let logdetQ: Tensor | null = null;
      this.postFlows.forEach((flow, i) => {
        const out = flow.forward(zq, xMask, gq, false);
        zq = i > 0 ? out.z.flip(1) : out.z;
        logdetQ = logdetQ === null ? (out.logdet as Tensor) : logdetQ.add(out.logdet as Tensor);
      });
      const [zU, zV] = zq.split([1, 1], 1);
      const u = zU.sigmoid().mul(xMask);
      const sigmoidLogdet = torch.aten
        .log_sigmoid(zU)
        .add(torch.aten.log_sigmoid(zU.neg()))
        .mul(xMask)
        .sum([1, 2]);
      const logq = (logdetQ as unknown as Tensor).add(sigmoidLogdet);
      const nllPosterior = noise.pow(2).add(LOG_2PI).mul(-0.5).mul(xMask).sum([1, 2]).sub(logq);
      // flows p(z | text) on (log(d - u), nu)
      const z0 = durations.sub(u).mul(xMask).clampMin(1e-5).log().mul(xMask);
      let logdet = z0.neg().sum([1, 2]);
      let z = torch.cat([z0, zV], 1);
      this.flows.forEach((flow, i) => {
        const out = flow.forward(z, xMask, cond, false);
        logdet = logdet.add(out.logdet as Tensor);
        z = i > 0 ? out.z.flip(1) : out.z;
      });
      const nllFlows = z.pow(2).add(LOG_2PI).mul(0.5).mul(xMask).sum([1, 2]).sub(logdet);
      return nllFlows.add(nllPosterior);
    });
  }

  /**
   * Log-durations sampled by running noise (scaled by `noiseScale`) back through the flows; as Coqui, the
   * reversed stack skips its second-to-last flow (the first ConvFlow, "a useless vflow").
   * x: `[B, C_in, T]`, xMask: `[B, 1, T]` -> `[B, 1, T]`. Draws `[B, 2, T]` noise at the `'duration'` site
   * (also when noiseScale is 0).
   */
  reverse(x: Tensor, xMask: Tensor, noiseScale = 1.0, c: DurationConditioning = {}): Tensor {
    return torch.tidy(() => {
      const cond = this.condition(x, xMask, c);
      const reversed = [...this.flows].reverse();
      const flows = [...reversed.slice(0, -2), reversed[reversed.length - 1]];
      const [b, , t] = x.shape;
      let z = (c.noise ?? torchNoise).randn([b, 2, t], 'duration', x).mul(noiseScale);
      for (const flow of flows) z = flow.forward(z.flip(1), xMask, cond, true).z;
      return z.slice(1, 0, 1);
    });
  }

  /** The text condition `[B, hidden, T]`: pre (+ speaker, + language) -> DDSConv -> proj, masked. */
  private condition(x: Tensor, xMask: Tensor, c: DurationConditioning): Tensor {
    let h = this.pre.forward(x);
    if (c.g && this.cond !== null) h = h.add(this.cond.forward(c.g));
    if (c.langEmb && this.condLang !== null) h = h.add(this.condLang.forward(c.langEmb));
    return this.proj.forward(this.convs.forward(h, xMask)).mul(xMask);
  }
}
