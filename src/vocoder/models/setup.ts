/**
 * The GAN vocoder networks by Coqui's names (`generator_model`, `discriminator_model`): Coqui's
 * `setup_generator` / `setup_discriminator` as a table from name to constructor.
 */
import type { Tensor } from '../../torch/index.ts';
import type { Module } from '../../torch/nn/index.ts';
import type {
  BaseGANVocoderConfig,
  DiscriminatorModelName,
  GeneratorModelName,
} from '../configs/shared_configs.ts';
import {
  COQUI_HIFIGAN_WIDTHS,
  HifiganDiscriminator,
  type WaveformDiscriminator,
} from './hifigan_discriminator.ts';
import { HifiganGenerator } from './hifigan_generator.ts';
import { MelganMultiscaleDiscriminator } from './melgan_discriminator.ts';
import { FullbandMelganGenerator, MelganGenerator, MultibandMelganGenerator } from './melgan_generator.ts';

/** What the GAN model needs from a generator. */
export interface VocoderGenerator extends Module {
  /** Mel `[B, C, T]` -> `[B, bands, T · hop / bands]` (bands 1: the waveform). */
  forward(x: Tensor): Tensor;
  /** Mel `[B, C, T]` -> waveform `[B, 1, T']` (padded input, no gradients). */
  inference(x: Tensor): Tensor;
  removeWeightNorm(): void;
  /** Multi-band generators: sub-bands <-> waveform. */
  pqmfSynthesis?(x: Tensor): Tensor;
  pqmfAnalysis?(x: Tensor): Tensor;
}

type Params = Record<string, unknown>;
const get = <T>(p: Params, key: string, fallback?: T): T => {
  const v = p[key] ?? fallback;
  if (v === undefined) throw new Error(`generator/discriminator params: "${key}" is missing`);
  return v as T;
};

/** The generator of each `generator_model` name, built as Coqui's `setup_generator` does. */
const GENERATORS: Record<GeneratorModelName, (c: BaseGANVocoderConfig) => VocoderGenerator> = {
  hifigan_generator: (c) => {
    const p = c.generatorModelParams;
    return new HifiganGenerator({
      inChannels: c.audio.numMels,
      outChannels: 1,
      resblockType: String(get(p, 'resblock_type', '1')) as '1' | '2',
      resblockDilationSizes: get(p, 'resblock_dilation_sizes'),
      resblockKernelSizes: get(p, 'resblock_kernel_sizes'),
      upsampleKernelSizes: get(p, 'upsample_kernel_sizes'),
      upsampleInitialChannel: get(p, 'upsample_initial_channel'),
      upsampleFactors: get(p, 'upsample_factors'),
      inferencePadding: get(p, 'inference_padding', 5),
    });
  },
  melgan_generator: (c) => new MelganGenerator(melganArgs(c, 512, 1)),
  multiband_melgan_generator: (c) => new MultibandMelganGenerator(melganArgs(c, 384, 4)),
  fullband_melgan_generator: (c) => new FullbandMelganGenerator(melganArgs(c, 512, 1)),
};

/** Coqui hard-codes the base width; `base_channels` in generatorModelParams (a ribbit extension) narrows it. */
function melganArgs(c: BaseGANVocoderConfig, baseChannels: number, outChannels: number) {
  const p = c.generatorModelParams;
  return {
    inChannels: c.audio.numMels,
    outChannels,
    projKernel: 7,
    baseChannels: get<number>(p, 'base_channels', baseChannels),
    upsampleFactors: get<number[]>(p, 'upsample_factors'),
    resKernel: 3,
    numResBlocks: get<number>(p, 'num_res_blocks'),
  };
}

/** The discriminator of each `discriminator_model` name, built as Coqui's `setup_discriminator` does. */
const DISCRIMINATORS: Record<DiscriminatorModelName, (c: BaseGANVocoderConfig) => WaveformDiscriminator> = {
  hifigan_discriminator: (c) => {
    const p = c.discriminatorModelParams ?? {};
    return new HifiganDiscriminator({
      periodChannels: get(p, 'period_channels', COQUI_HIFIGAN_WIDTHS.periodChannels),
      scaleChannels: get(p, 'scale_channels', COQUI_HIFIGAN_WIDTHS.scaleChannels),
    });
  },
  melgan_multiscale_discriminator: (c) => {
    const p = c.discriminatorModelParams ?? {};
    return new MelganMultiscaleDiscriminator({
      inChannels: 1,
      outChannels: 1,
      kernelSizes: [5, 3],
      baseChannels: get(p, 'base_channels'),
      maxChannels: get(p, 'max_channels'),
      downsampleFactors: get(p, 'downsample_factors'),
    });
  },
};

/** Coqui's `setup_generator`. */
export function setupGenerator(config: BaseGANVocoderConfig): VocoderGenerator {
  return GENERATORS[config.generatorModel](config);
}

/** Coqui's `setup_discriminator`. */
export function setupDiscriminator(config: BaseGANVocoderConfig): WaveformDiscriminator {
  return DISCRIMINATORS[config.discriminatorModel](config);
}
