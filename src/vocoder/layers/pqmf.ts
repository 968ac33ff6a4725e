/**
 * Pseudo-quadrature mirror filter bank (Nguyen 1994; as in Parallel WaveGAN and Coqui's
 * `TTS.vocoder.layers.pqmf.PQMF`): N cosine-modulated copies of a Kaiser-windowed low-pass prototype split a
 * waveform into N critically-sampled sub-bands (analysis) and merge them back with near-perfect reconstruction
 * (synthesis). Multi-band MelGAN predicts the sub-bands.
 *
 * Buffers (Coqui's state-dict names): `H` analysis filters `[N, 1, taps + 1]`, `G` synthesis filters
 * `[1, N, taps + 1]`, `updown_filter` `[N, N, N]` (the zero-stuffing upsampler).
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import { Module } from '../../torch/nn/index.ts';

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the Kaiser betas). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * scipy.signal.firwin(numTaps, cutoff, window=('kaiser', beta)): a linear-phase low-pass FIR filter with cutoff
 * relative to Nyquist, normalised to unit gain at DC (float64).
 */
export function kaiserLowpass(numTaps: number, cutoff: number, beta: number): Float64Array {
  const alpha = (numTaps - 1) / 2;
  const h = new Float64Array(numTaps);
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < numTaps; n++) {
    const m = n - alpha;
    const x = cutoff * m;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = alpha === 0 ? 0 : (n - alpha) / alpha;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    h[n] = cutoff * sinc * w;
    sum += h[n];
  }
  for (let n = 0; n < numTaps; n++) h[n] /= sum;
  return h;
}

export interface PQMFArgs {
  /** Number of sub-bands (default 4). */
  N?: number;
  /** Filter order; filters have taps + 1 coefficients (default 62). */
  taps?: number;
  /** Prototype cutoff relative to Nyquist (default 0.15). */
  cutoff?: number;
  /** Kaiser window beta (default 9.0). */
  beta?: number;
}

export class PQMF extends Module {
  readonly N: number;
  readonly taps: number;
  readonly H: Tensor;
  readonly G: Tensor;
  readonly updownFilter: Tensor;

  constructor(args: PQMFArgs = {}) {
    super();
    const N = args.N ?? 4;
    const taps = args.taps ?? 62;
    this.N = N;
    this.taps = taps;
    const qmf = kaiserLowpass(taps + 1, args.cutoff ?? 0.15, args.beta ?? 9.0);
    const L = taps + 1;
    const h = new Float32Array(N * L);
    const g = new Float32Array(N * L);
    for (let k = 0; k < N; k++) {
      const phase = ((-1) ** k * Math.PI) / 4;
      for (let n = 0; n < L; n++) {
        const c = (2 * k + 1) * (Math.PI / (2 * N)) * (n - (taps - 1) / 2);
        h[k * L + n] = 2 * qmf[n] * Math.cos(c + phase);
        g[k * L + n] = 2 * qmf[n] * Math.cos(c - phase);
      }
    }
    const updown = new Float32Array(N * N * N);
    for (let k = 0; k < N; k++) updown[k * N * N + k * N] = 1;
    this.H = this.buffer('H', torch.tensor(h, { shape: [N, 1, L] }));
    this.G = this.buffer('G', torch.tensor(g, { shape: [1, N, L] }));
    this.updownFilter = this.buffer('updown_filter', torch.tensor(updown, { shape: [N, N, N] }));
  }

  /** Waveform `[B, 1, T]` -> sub-bands `[B, N, T / N]`. */
  analysis(x: Tensor): Tensor {
    return torch.F.conv1d(x, this.H, null, { padding: Math.floor(this.taps / 2), stride: this.N });
  }

  /** Sub-bands `[B, N, T']` -> waveform `[B, 1, T' * N]`. */
  synthesis(x: Tensor): Tensor {
    return torch.tidy(() => {
      const up = torch.F.convTranspose1d(x, this.updownFilter.mul(this.N), null, { stride: this.N });
      return torch.F.conv1d(up, this.G, null, { padding: Math.floor(this.taps / 2) });
    });
  }

  forward(x: Tensor): Tensor {
    return this.analysis(x);
  }
}
