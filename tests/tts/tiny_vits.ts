// The smallest VITS generator and discriminator that still run every part (text encoder, posterior encoder,
// one coupling flow, HiFiGAN decoder, one period and the scale discriminator): `modelArgs` for tests that train,
// export or serve a VITS in seconds.
export const TINY_VITS_ARGS = {
  hiddenChannels: 8,
  hiddenChannelsFfnTextEncoder: 16,
  numLayersTextEncoder: 1,
  numLayersPosteriorEncoder: 1,
  numLayersFlow: 1,
  upsampleInitialChannelDecoder: 16,
  resblockKernelSizesDecoder: [3],
  resblockDilationSizesDecoder: [[1]],
  periodsMultiPeriodDiscriminator: [2],
  scaleDiscriminatorChannels: [4, 4, 4, 4, 4, 4],
  periodDiscriminatorChannels: [4, 4, 4, 4, 4],
};
