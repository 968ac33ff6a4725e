/**
 * The VITS waveform decoder: the HiFiGAN generator of src/vocoder on the latent z (Coqui's Vits builds
 * `HifiganGenerator(hidden_channels, 1, ...)` with inference padding 0, the speaker condition as `cond_channels`,
 * and conv_pre / conv_post without weight norm, conv_post without bias).
 */
import { HifiganGenerator } from '../../../vocoder/models/hifigan_generator.ts';
import type { VitsArgs } from '../../configs/vits_config.ts';

/** z `[B, hiddenChannels, T]` (g `[B, condChannels, 1]`) -> waveform `[B, 1, T * prod(upsampleRates)]`. */
export function vitsWaveformDecoder(a: VitsArgs, condChannels: number): HifiganGenerator {
  return new HifiganGenerator({
    inChannels: a.hiddenChannels,
    outChannels: 1,
    resblockType: a.resblockTypeDecoder,
    resblockDilationSizes: a.resblockDilationSizesDecoder,
    resblockKernelSizes: a.resblockKernelSizesDecoder,
    upsampleKernelSizes: a.upsampleKernelSizesDecoder,
    upsampleInitialChannel: a.upsampleInitialChannelDecoder,
    upsampleFactors: a.upsampleRatesDecoder,
    inferencePadding: 0,
    condChannels,
    convPreWeightNorm: false,
    convPostWeightNorm: false,
    convPostBias: false,
  });
}
