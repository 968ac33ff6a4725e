"""Coqui 0.22's own vocoder modules at exactly `npm run bench -- vocoder`'s cases (the Coqui side of a same-run
comparison; bench/coqui.ts runs it in the reference install, VENDOR/STUBS set).

Modes (positional: MODE THREADS ITERS CHANNELS FRAMES BATCH SEQ_LEN [UPSAMPLE NUM_RES_BLOCKS]):
  * infer: TTS.vocoder.models.hifigan_generator.HifiganGenerator (80 mels, resblock 1, kernels 3/7/11,
    dilations 1,3,5, upsample 8,8,2,2 with kernels 16,16,4,4, upsample_initial_channel CHANNELS), eval,
    remove_weight_norm(), then `inference(mel)` (replicate padding 5, no grad) on a [1, 80, FRAMES] N(0, 1) mel;
  * infer-mbmelgan: TTS.vocoder.models.multiband_melgan_generator.MultibandMelganGenerator(in_channels=80,
    out_channels=4, proj_kernel=7, base_channels=CHANNELS, upsample_factors=UPSAMPLE, res_kernel=3,
    num_res_blocks=NUM_RES_BLOCKS), as ribbit's setupGenerator builds the bundled voice's generator; eval,
    remove_weight_norm(), `inference(mel)` (padding 2, PQMF synthesis). Weights are the random init (the
    bundled checkpoint is safetensors; the time does not depend on the values);
  * train: HifiganGenerator at CHANNELS + TTS.vocoder.models.hifigan_discriminator.HifiganDiscriminator()
    (MPD periods 2,3,5,7,11 + MSD, full width), one GAN step forward + backward without optimizer updates:
    generator forward on a [BATCH, 80, SEQ_LEN / 256] mel, discriminator on the detached output and the real
    segment with Coqui's MSEDLoss (mean over discriminators), then the generator through the discriminator with
    Coqui's MSEGLoss (mean) + 108 x MelganFeatureLoss (feats of the real segment without grad).
Timing: ITERS timed runs after one warm-up, median. Prints one JSON line {"params", "s", "cpuS", "side": "coqui"}
(params: the generator's after folding for the infer modes, generator + discriminator for train).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.environ["VENDOR"])
sys.path.insert(0, os.environ["STUBS"])
import stubs  # noqa: F401,E402
import torch  # noqa: E402
from TTS.vocoder.layers.losses import MelganFeatureLoss, MSEDLoss, MSEGLoss  # noqa: E402
from TTS.vocoder.models.hifigan_discriminator import HifiganDiscriminator  # noqa: E402
from TTS.vocoder.models.hifigan_generator import HifiganGenerator  # noqa: E402
from TTS.vocoder.models.multiband_melgan_generator import MultibandMelganGenerator  # noqa: E402

mode = sys.argv[1]
threads, iters, ch, frames, B, T = (int(a) for a in sys.argv[2:8])
torch.set_num_threads(threads)
torch.manual_seed(0)


def hifigan(channels):
    return HifiganGenerator(
        80, 1, "1",
        resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        resblock_kernel_sizes=[3, 7, 11],
        upsample_kernel_sizes=[16, 16, 4, 4],
        upsample_initial_channel=channels,
        upsample_factors=[8, 8, 2, 2],
    )


def count(*ms):
    return sum(p.numel() for m in ms for p in m.parameters())


def timed(fn):
    """Median wall and process CPU seconds of ITERS runs after one warm-up run."""
    wall, cpu = [], []
    for i in range(iters + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        if i:
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


if mode in ("infer", "infer-mbmelgan"):
    if mode == "infer":
        g = hifigan(ch)
    else:
        ups = [int(u) for u in sys.argv[8].split(",")]
        g = MultibandMelganGenerator(80, 4, 7, ch, ups, 3, int(sys.argv[9]))
    g.eval()
    g.remove_weight_norm()
    x = torch.randn(1, 80, frames)
    s, cpu_s = timed(lambda: g.inference(x))
    print(json.dumps({"params": count(g), "s": s, "cpuS": cpu_s, "side": "coqui"}))
elif mode == "train":
    g, d = hifigan(ch), HifiganDiscriminator()
    g.train()
    d.train()
    d_loss, g_adv, feat_loss = MSEDLoss(), MSEGLoss(), MelganFeatureLoss()
    x = torch.randn(B, 80, T // 256)
    y = torch.tanh(torch.randn(B, 1, T) * 0.3)

    def step():
        y_hat = g(x)[:, :, :T]
        fake, _ = d(y_hat.detach())
        real, _ = d(y)
        dl = sum(d_loss(f, r)[0] for f, r in zip(fake, real)) / len(fake)
        dl.backward()
        d.zero_grad(set_to_none=True)
        fake, fake_feats = d(y_hat)
        with torch.no_grad():
            _, real_feats = d(y)
        gl = sum(g_adv(f) for f in fake) / len(fake) + 108 * feat_loss(fake_feats, real_feats)
        gl.backward()
        g.zero_grad(set_to_none=True)
        d.zero_grad(set_to_none=True)

    s, cpu_s = timed(step)
    print(json.dumps({"params": count(g, d), "s": s, "cpuS": cpu_s, "side": "coqui"}))
else:
    sys.exit(f"unknown mode {mode}")
