/**
 * GAN vocoder losses, Coqui's `TTS.vocoder.layers.losses`: spectral losses on the generator output
 * (multi-resolution STFT, sub-band STFT, L1 log-mel), adversarial losses (least squares / hinge), MelGAN's
 * feature matching, and the two wrappers the GAN model uses, `GeneratorLoss` and `DiscriminatorLoss`, which the
 * config switches and weighs. Each returns `{ loss, ...items }` with Coqui's item names.
 *
 * Waveforms are `[B, 1, T]` (or `[B, T]`) in [-1, 1]; scores are lists of `[B, N]` (one per sub-discriminator).
 */

import { melFilterbank } from '../../audio/mel.ts';
import { type StftParams, stftMagnitudeFloored } from '../../audio/stft.ts';
import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import type { LossDict } from '../../trainer/api.ts';

// ----- spectrograms ----------------------------------------------------------------------------------------

/** Coqui's `TorchSTFT` arguments as a loss config gives them (snake_case keys of `l1_spec_loss_params`). */
export interface SpecParams {
  nFft: number;
  hopLength: number;
  winLength: number;
  /** Reflect-pad (nFft - hop) / 2 on both sides before the (centred) STFT. */
  padWav?: boolean;
  /** Mel instead of linear magnitudes. */
  useMel?: boolean;
  sampleRate?: number;
  nMels?: number;
  melFmin?: number;
  melFmax?: number | null;
}

/**
 * Coqui's `TorchSTFT`: centred, reflect-padded STFT with a periodic Hann window, magnitude
 * sqrt(max(re² + im², 1e-8)), optionally projected on librosa's Slaney mel basis (no log, no normalisation).
 */
export class TorchSTFT {
  readonly stft: StftParams;
  readonly melBasis: Tensor | null;

  constructor(readonly params: SpecParams) {
    this.stft = {
      nFft: params.nFft,
      hop: params.hopLength,
      win: params.winLength,
      center: true,
      padMode: 'reflect',
    };
    this.melBasis = params.useMel
      ? torch.keep(
          melFilterbank({
            sampleRate: params.sampleRate ?? 22050,
            nFft: params.nFft,
            nMels: params.nMels ?? 80,
            fmin: params.melFmin ?? 0,
            fmax: params.melFmax ?? null,
          }),
        )
      : null;
  }

  /** wav `[B, 1, T]` or `[B, T]` -> `[B, F, frames]` (F = nFft / 2 + 1, or nMels with useMel). */
  forward(wav: Tensor): Tensor {
    return torch.tidy(() => {
      let x = wav.ndim === 3 ? wav.squeeze(1) : wav;
      if (this.params.padWav) {
        const p = Math.floor((this.params.nFft - this.params.hopLength) / 2);
        x = torch.F.pad(x.unsqueeze(1), [p, p], 'reflect').squeeze(1);
      }
      const mag = stftMagnitudeFloored(x, this.stft);
      return this.melBasis ? this.melBasis.to(mag.device).matmul(mag) : mag;
    });
  }
}

/** `l1_spec_loss_params` / `stft_loss_params` come from JSON with Coqui's snake_case keys. */
type Params = Record<string, unknown>;
const num = (p: Params, k: string, d?: number): number => {
  const v = p[k] ?? d;
  if (typeof v !== 'number')
    throw new TypeError(`loss params: "${k}" must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const nums = (p: Params, k: string): number[] => {
  const v = p[k];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new TypeError(`loss params: "${k}" must be a list of numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
};

/** Spectral L1 of log magnitudes and spectral convergence at one resolution (Parallel WaveGAN). */
export class STFTLoss {
  readonly stft: TorchSTFT;

  constructor(nFft: number, hopLength: number, winLength: number) {
    this.stft = new TorchSTFT({ nFft, hopLength, winLength });
  }

  /** yHat, y `[B, T]` -> { mag: mean |log S - log Ŝ|, sc: ‖S - Ŝ‖_F / ‖S‖_F }. */
  forward(yHat: Tensor, y: Tensor): { mag: Tensor; sc: Tensor } {
    return torch.tidy(() => {
      const sHat = this.stft.forward(yHat);
      const s = this.stft.forward(y);
      return { mag: torch.F.l1Loss(s.log(), sHat.log()), sc: s.sub(sHat).norm().div(s.norm()) };
    });
  }
}

/** STFT losses averaged over resolutions (`n_ffts`, `hop_lengths`, `win_lengths`). */
export class MultiScaleSTFTLoss {
  readonly losses: STFTLoss[];

  constructor(params: Params) {
    const hops = nums(params, 'hop_lengths');
    const wins = nums(params, 'win_lengths');
    this.losses = nums(params, 'n_ffts').map((n, i) => new STFTLoss(n, hops[i], wins[i]));
  }

  /** yHat, y `[B, T]` -> mean magnitude and spectral-convergence losses. */
  forward(yHat: Tensor, y: Tensor): { mag: Tensor; sc: Tensor } {
    return torch.tidy(() => {
      const parts = this.losses.map((l) => l.forward(yHat, y));
      const mean = (k: 'mag' | 'sc') =>
        parts
          .map((p) => p[k])
          .reduce((a, b) => a.add(b))
          .div(parts.length);
      return { mag: mean('mag'), sc: mean('sc') };
    });
  }
}

/** Multi-resolution STFT loss over every sub-band: yHat, y `[B, N_bands, T]` treated as B·N_bands signals. */
export class MultiScaleSubbandSTFTLoss extends MultiScaleSTFTLoss {
  override forward(yHat: Tensor, y: Tensor): { mag: Tensor; sc: Tensor } {
    return torch.tidy(() => super.forward(yHat.reshape([-1, yHat.shape[2]]), y.reshape([-1, y.shape[2]])));
  }
}

/** HiFiGAN's L1 distance of log (mel) magnitudes: mean |log S(y) - log S(ŷ)|. */
export class L1SpecLoss {
  readonly stft: TorchSTFT;

  constructor(params: Params) {
    this.stft = new TorchSTFT({
      nFft: num(params, 'n_fft'),
      hopLength: num(params, 'hop_length'),
      winLength: num(params, 'win_length'),
      useMel: (params.use_mel as boolean | undefined) ?? true,
      sampleRate: num(params, 'sample_rate'),
      nMels: params.n_mels == null ? undefined : num(params, 'n_mels'),
      melFmin: params.mel_fmin == null ? undefined : num(params, 'mel_fmin'),
      melFmax: params.mel_fmax == null ? null : num(params, 'mel_fmax'),
    });
  }

  forward(yHat: Tensor, y: Tensor): Tensor {
    return torch.tidy(() => torch.F.l1Loss(this.stft.forward(y).log(), this.stft.forward(yHat).log()));
  }
}

// ----- adversarial and feature losses -----------------------------------------------------------------------

/** Least-squares generator loss: mean (s_fake - 1)². */
export const mseGLoss = (scoreFake: Tensor): Tensor => torch.tidy(() => scoreFake.sub(1).square().mean());
/** Hinge generator loss: mean relu(1 - s_fake). */
export const hingeGLoss = (scoreFake: Tensor): Tensor => torch.tidy(() => scoreFake.rsub(1).relu().mean());

/** A discriminator loss on one sub-discriminator: total, real and fake parts. */
export type DLossFn = (scoreFake: Tensor, scoreReal: Tensor) => { total: Tensor; real: Tensor; fake: Tensor };
/** Least squares: mean (s_real - 1)² + mean s_fake². */
export const mseDLoss: DLossFn = (f, r) =>
  torch.tidy(() => {
    const real = r.sub(1).square().mean();
    const fake = f.square().mean();
    return { total: real.add(fake), real, fake };
  });
/** Hinge: mean relu(1 - s_real) + mean relu(1 + s_fake). */
export const hingeDLoss: DLossFn = (f, r) =>
  torch.tidy(() => {
    const real = r.rsub(1).relu().mean();
    const fake = f.add(1).relu().mean();
    return { total: real.add(fake), real, fake };
  });

/** MelGAN feature matching: mean over every feature map of every sub-discriminator of mean |f_fake - f_real|. */
export function melganFeatureLoss(featsFake: Tensor[][], featsReal: Tensor[][]): Tensor {
  return torch.tidy(() => {
    const terms = featsFake.flatMap((fs, i) => fs.map((f, j) => torch.F.l1Loss(f, featsReal[i][j])));
    return terms.reduce((a, b) => a.add(b)).div(terms.length);
  });
}

/** A generator loss averaged over sub-discriminators. */
function generatorAdvLoss(scoresFake: Tensor[], fn: (s: Tensor) => Tensor): Tensor {
  return scoresFake
    .map(fn)
    .reduce((a, b) => a.add(b))
    .div(scoresFake.length);
}

// ----- the wrappers ------------------------------------------------------------------------------------------

/** The config fields the wrappers read (`BaseGANVocoderConfig`). */
export interface GANLossConfig {
  useStftLoss: boolean;
  useSubbandStftLoss: boolean;
  useMseGanLoss: boolean;
  useHingeGanLoss: boolean;
  useFeatMatchLoss: boolean;
  useL1SpecLoss: boolean;
  stftLossWeight: number;
  subbandStftLossWeight: number;
  mseGLossWeight: number;
  featMatchLossWeight: number;
  l1SpecLossWeight: number;
  stftLossParams: Params;
  subbandStftLossParams?: Params | null;
  l1SpecLossParams: Params;
  audio: { sampleRate: number };
}

/** What `GeneratorLoss.forward` takes. Waveforms `[B, 1, T]`; sub-bands `[B, N_bands, T / N_bands]`. */
export interface GeneratorLossInputs {
  yHat: Tensor;
  y: Tensor;
  scoresFake?: Tensor[] | null;
  featsFake?: Tensor[][] | null;
  featsReal?: Tensor[][] | null;
  yHatSub?: Tensor | null;
  ySub?: Tensor | null;
}

function checkGanLosses(c: GANLossConfig): void {
  if (c.useMseGanLoss && c.useHingeGanLoss)
    throw new Error('GAN losses: use either the MSE or the hinge GAN loss');
}

/**
 * Coqui's `GeneratorLoss`: G_gen_loss = Σ weighted spectral losses, G_adv_loss = weighted adversarial and
 * feature-matching losses, loss = G_gen_loss + G_adv_loss, with Coqui's item names. As in Coqui 0.22 the hinge
 * generator loss never takes part (see `forward`); `hingeGLoss` is Coqui's `HingeGLoss` for other uses.
 */
export class GeneratorLoss {
  readonly stftLoss: MultiScaleSTFTLoss | null;
  readonly subbandStftLoss: MultiScaleSubbandSTFTLoss | null;
  readonly l1SpecLoss: L1SpecLoss | null;

  constructor(readonly config: GANLossConfig) {
    checkGanLosses(config);
    this.stftLoss = config.useStftLoss ? new MultiScaleSTFTLoss(config.stftLossParams) : null;
    this.subbandStftLoss = config.useSubbandStftLoss
      ? new MultiScaleSubbandSTFTLoss(config.subbandStftLossParams ?? {})
      : null;
    if (config.useL1SpecLoss && num(config.l1SpecLossParams, 'sample_rate') !== config.audio.sampleRate) {
      throw new Error('l1_spec_loss_params.sample_rate must equal audio.sample_rate');
    }
    this.l1SpecLoss = config.useL1SpecLoss ? new L1SpecLoss(config.l1SpecLossParams) : null;
  }

  forward(i: GeneratorLossInputs): LossDict {
    return torch.tidy(() => {
      const c = this.config;
      const items: Record<string, Tensor> = {};
      let gen = torch.zeros([], { device: i.yHat.device });
      let adv = torch.zeros([], { device: i.yHat.device });
      if (this.stftLoss) {
        const T = i.y.shape[2];
        const { mag, sc } = this.stftLoss.forward(i.yHat.narrow(2, 0, T).squeeze(1), i.y.squeeze(1));
        items.G_stft_loss_mg = mag;
        items.G_stft_loss_sc = sc;
        gen = gen.add(mag.add(sc).mul(c.stftLossWeight));
      }
      if (this.l1SpecLoss) {
        const l = this.l1SpecLoss.forward(i.yHat, i.y);
        items.G_l1_spec_loss = l;
        gen = gen.add(l.mul(c.l1SpecLossWeight));
      }
      if (this.subbandStftLoss && i.yHatSub && i.ySub) {
        const { mag, sc } = this.subbandStftLoss.forward(i.yHatSub, i.ySub);
        items.G_subband_stft_loss_mg = mag;
        items.G_subband_stft_loss_sc = sc;
        gen = gen.add(mag.add(sc).mul(c.subbandStftLossWeight));
      }
      if (c.useMseGanLoss && i.scoresFake) {
        const l = generatorAdvLoss(i.scoresFake, mseGLoss);
        items.G_mse_fake_loss = l;
        adv = adv.add(l.mul(c.mseGLossWeight));
      }
      // Coqui 0.22 applies the hinge generator loss only when there are no scores (an inverted test) and with
      // weight 0 (a misspelt key): it never contributes, so it is left out here.
      if (c.useFeatMatchLoss && i.featsFake && i.featsReal) {
        const l = melganFeatureLoss(i.featsFake, i.featsReal);
        items.G_feat_match_loss = l;
        adv = adv.add(l.mul(c.featMatchLossWeight));
      }
      return { ...items, loss: gen.add(adv), G_gen_loss: gen, G_adv_loss: adv };
    });
  }
}

/**
 * Coqui's `DiscriminatorLoss`: the MSE and/or hinge discriminator losses, each averaged over the
 * sub-discriminators (`D_mse_gan_loss`, `D_mse_gan_real_loss`, `D_mse_gan_fake_loss`, same for hinge); loss = sum.
 */
export class DiscriminatorLoss {
  constructor(readonly config: Pick<GANLossConfig, 'useMseGanLoss' | 'useHingeGanLoss'>) {
    checkGanLosses(config as GANLossConfig);
  }

  forward(scoresFake: Tensor[], scoresReal: Tensor[]): LossDict {
    return torch.tidy(() => {
      const items: Record<string, Tensor> = {};
      let loss = torch.zeros([], { device: scoresFake[0]?.device ?? 'cpu' });
      const apply = (name: string, fn: DLossFn) => {
        const parts = scoresFake.map((f, k) => fn(f, scoresReal[k]));
        const mean = (key: 'total' | 'real' | 'fake') =>
          parts
            .map((p) => p[key])
            .reduce((a, b) => a.add(b))
            .div(parts.length);
        items[`D_${name}_gan_loss`] = mean('total');
        items[`D_${name}_gan_real_loss`] = mean('real');
        items[`D_${name}_gan_fake_loss`] = mean('fake');
        loss = loss.add(items[`D_${name}_gan_loss`]);
      };
      if (this.config.useMseGanLoss) apply('mse', mseDLoss);
      if (this.config.useHingeGanLoss) apply('hinge', hingeDLoss);
      return { ...items, loss };
    });
  }
}
