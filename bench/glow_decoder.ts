// Glow-TTS flow decoder, forward + backward, in ribbit and in Debian's python3-torch in the same run.
// The decoder (12 blocks of ActNorm + InvConvNear + affine coupling with a 4-layer WaveNet under weight norm,
// LJSpeech size: 80 mels, hidden 192, kernel 5) is most of a Glow-TTS training step, so its ratio says whether
// ribbit's step is slower than PyTorch's on the same graph. The Python side is a direct port of Coqui's
// glow_tts decoder (same shapes and parameter count, checked); it is skipped when RIBBIT_PYTHON (default
// /usr/bin/python3) cannot import torch.
//
//   npm run bench -- glow-decoder [--threads N] [--iters 4] [--frames 400] [--batch 16]
import * as torch from '../src/torch/index.ts';
import { Decoder } from '../src/tts/layers/glow_tts/decoder.ts';
import { argOr } from './args.ts';
import { median } from './timing.ts';
import { torchDecoderStep } from './torch_glow_decoder.ts';

const iters = Number(argOr('iters', '4'));
const frames = Number(argOr('frames', '400'));
const batch = Number(argOr('batch', '16'));
const threads = torch.getNumThreads();

function ribbitStep(): { params: number; seconds: number } {
  torch.manualSeed(0);
  const dec = new Decoder(80, 192, 5, 1, 12, 4, { dropoutP: 0.05, numSplits: 4, numSqueeze: 2 });
  dec.train();
  const x = torch.randn([batch, 80, frames]);
  const m = torch.ones([batch, 1, frames]);
  const times: number[] = [];
  for (let i = 0; i <= iters; i++) {
    const t0 = performance.now();
    torch.tidy(() => {
      const { z, logdet } = dec.forward(x, m, null, false);
      z.square()
        .mean()
        .sub((logdet as torch.Tensor).mean().mul(1e-4))
        .backward();
    });
    for (const p of dec.parameters()) p.grad = null;
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  const params = dec.parameters().reduce((n, p) => n + p.numel, 0);
  return { params, seconds: median(times) };
}

const ours = ribbitStep();
const torchSide = torchDecoderStep({ threads, iters, batch, frames });
const torchSeconds = torchSide?.seconds ?? null;
const torchParams = torchSide?.params ?? null;
if (torchParams !== null && torchParams !== ours.params)
  console.error(`warning: parameter counts differ (ribbit ${ours.params}, torch ${torchParams})`);
console.log(
  JSON.stringify({
    bench: 'glow_decoder_fwd_bwd',
    batch,
    frames,
    threads,
    params: ours.params,
    ribbitS: Number(ours.seconds.toFixed(3)),
    torchS: torchSeconds === null ? null : Number(torchSeconds.toFixed(3)),
    ratio: torchSeconds === null ? null : Number((ours.seconds / torchSeconds).toFixed(3)),
  }),
);
