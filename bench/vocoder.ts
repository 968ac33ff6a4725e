// Neural vocoder speed, in ribbit and in Debian's python3-torch in the same run:
// - HiFiGAN generator inference (weight norm folded) on a mel of `--seconds` of audio, real-time factor
//   (seconds of compute per second of audio) on each of `--threads` (default 1,2), for HiFiGAN V1 (upsample
//   initial channel 512) and a small generator (`--small-channels`, default 128);
// - one HiFiGAN GAN training step (generator forward, discriminator step on the detached output and the real
//   segment, generator step through the discriminator with MSE + feature matching; Coqui's MPD + MSD at full
//   width, batch `--batch` x `--seq-len` samples), forward + backward, without the optimizer updates.
// The Python side is a direct port of Coqui's HifiganGenerator / HifiganDiscriminator (same parameter counts,
// checked); it is skipped when RIBBIT_PYTHON (default /usr/bin/python3) cannot import torch.
//
//   npm run bench -- vocoder [--threads 1,2] [--seconds 4] [--iters 3] [--batch 1] [--seq-len 8192] [--small-channels 128]
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.ts';
import { melganFeatureLoss, mseDLoss, mseGLoss } from '../src/vocoder/layers/losses.ts';
import { HifiganDiscriminator } from '../src/vocoder/models/hifigan_discriminator.ts';
import { HifiganGenerator } from '../src/vocoder/models/hifigan_generator.ts';
import { argOr } from './args.ts';

const threadList = argOr('threads', '1,2').split(',').map(Number);
const seconds = Number(argOr('seconds', '4'));
const iters = Number(argOr('iters', '3'));
const batch = Number(argOr('batch', '1'));
const seqLen = Number(argOr('seq-len', '8192'));
const smallChannels = Number(argOr('small-channels', '128'));
const frames = Math.round((seconds * 22050) / 256);

const PY = String.raw`
import sys, time, json, torch
from torch import nn
from torch.nn import functional as F
mode, threads, iters, ch, frames, B, T = sys.argv[1], *(int(a) for a in sys.argv[2:8])
torch.set_num_threads(threads)
torch.manual_seed(0)
wn, sn = nn.utils.weight_norm, nn.utils.spectral_norm
pad = lambda k, d: (k * d - d) // 2

class ResBlock1(nn.Module):
    def __init__(s, c, k, ds):
        super().__init__()
        s.convs1 = nn.ModuleList([wn(nn.Conv1d(c, c, k, 1, dilation=d, padding=pad(k, d))) for d in ds])
        s.convs2 = nn.ModuleList([wn(nn.Conv1d(c, c, k, 1, dilation=1, padding=pad(k, 1))) for _ in ds])
    def forward(s, x):
        for c1, c2 in zip(s.convs1, s.convs2):
            x = c2(F.leaky_relu(c1(F.leaky_relu(x, 0.1)), 0.1)) + x
        return x

class Generator(nn.Module):
    def __init__(s, c0, ups=(8, 8, 2, 2), ks=(16, 16, 4, 4), rk=(3, 7, 11)):
        super().__init__()
        s.conv_pre = wn(nn.Conv1d(80, c0, 7, 1, padding=3))
        s.ups = nn.ModuleList([wn(nn.ConvTranspose1d(c0 // 2**i, c0 // 2**(i + 1), k, u, padding=(k - u) // 2)) for i, (u, k) in enumerate(zip(ups, ks))])
        s.resblocks = nn.ModuleList([ResBlock1(c0 // 2**(i + 1), k, (1, 3, 5)) for i in range(len(ups)) for k in rk])
        s.conv_post = wn(nn.Conv1d(c0 // 2**len(ups), 1, 7, 1, padding=3))
        s.nk = len(rk)
    def forward(s, x):
        o = s.conv_pre(x)
        for i, up in enumerate(s.ups):
            o = up(F.leaky_relu(o, 0.1))
            o = sum(s.resblocks[i * s.nk + j](o) for j in range(s.nk)) / s.nk
        return torch.tanh(s.conv_post(F.leaky_relu(o)))

class DP(nn.Module):
    def __init__(s, p):
        super().__init__(); s.p = p
        chans = [1, 32, 128, 512, 1024, 1024]
        s.convs = nn.ModuleList([wn(nn.Conv2d(chans[i], chans[i + 1], (5, 1), (3 if i < 4 else 1, 1), padding=(2, 0))) for i in range(5)])
        s.conv_post = wn(nn.Conv2d(1024, 1, (3, 1), 1, padding=(1, 0)))
    def forward(s, x):
        b, c, t = x.shape
        if t % s.p: x = F.pad(x, (0, s.p - t % s.p), "reflect"); t = x.shape[-1]
        x = x.view(b, c, t // s.p, s.p); feat = []
        for l in s.convs: x = F.leaky_relu(l(x), 0.1); feat.append(x)
        x = s.conv_post(x); feat.append(x)
        return torch.flatten(x, 1, -1), feat

class DS(nn.Module):
    def __init__(s, spec):
        super().__init__(); f = sn if spec else wn
        L = [(1, 128, 15, 1, 1, 7), (128, 128, 41, 2, 4, 20), (128, 256, 41, 2, 16, 20), (256, 512, 41, 4, 16, 20), (512, 1024, 41, 4, 16, 20), (1024, 1024, 41, 1, 16, 20), (1024, 1024, 5, 1, 1, 2)]
        s.convs = nn.ModuleList([f(nn.Conv1d(i, o, k, st, groups=g, padding=p)) for i, o, k, st, g, p in L])
        s.conv_post = f(nn.Conv1d(1024, 1, 3, 1, padding=1))
    def forward(s, x):
        feat = []
        for l in s.convs: x = F.leaky_relu(l(x), 0.1); feat.append(x)
        x = s.conv_post(x); feat.append(x)
        return torch.flatten(x, 1, -1), feat

class Disc(nn.Module):
    def __init__(s):
        super().__init__()
        s.mpd = nn.ModuleList([DP(p) for p in (2, 3, 5, 7, 11)])
        s.msd = nn.ModuleList([DS(True), DS(False), DS(False)])
        s.pool = nn.AvgPool1d(4, 2, padding=2)
    def forward(s, x):
        out = [d(x) for d in s.mpd]
        for i, d in enumerate(s.msd):
            if i: x = s.pool(x)
            out.append(d(x))
        return [o[0] for o in out], [o[1] for o in out]

def median(xs): return sorted(xs)[len(xs) // 2]
g = Generator(ch)
if mode == "infer":
    g.eval()
    for m in g.modules():
        if hasattr(m, "weight_g"): nn.utils.remove_weight_norm(m)
    x = torch.randn(1, 80, frames); times = []
    with torch.no_grad():
        for i in range(iters + 1):
            t0 = time.perf_counter(); g(F.pad(x, (5, 5), "replicate"))
            if i: times.append(time.perf_counter() - t0)
    print(json.dumps({"params": sum(p.numel() for p in g.parameters()), "s": median(times)}))
else:
    d = Disc(); g.train(); d.train()
    x = torch.randn(B, 80, T // 256); y = torch.tanh(torch.randn(B, 1, T) * 0.3); times = []
    for i in range(iters + 1):
        t0 = time.perf_counter()
        y_hat = g(x)[:, :, :T]
        sf, _ = d(y_hat.detach()); sr, _ = d(y)
        dl = sum(torch.mean((r - 1) ** 2) + torch.mean(f ** 2) for f, r in zip(sf, sr)) / len(sf)
        dl.backward(); d.zero_grad(set_to_none=True)
        sf, ff = d(y_hat)
        with torch.no_grad(): _, fr = d(y)
        n = sum(len(a) for a in ff)
        gl = sum(torch.mean((s - 1) ** 2) for s in sf) / len(sf) + 108 * sum(F.l1_loss(a, b) for fa, fb in zip(ff, fr) for a, b in zip(fa, fb)) / n
        gl.backward(); g.zero_grad(set_to_none=True); d.zero_grad(set_to_none=True)
        if i: times.append(time.perf_counter() - t0)
    print(json.dumps({"params": sum(p.numel() for p in g.parameters()) + sum(p.numel() for p in d.parameters()), "s": median(times)}))
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function generator(channels: number): HifiganGenerator {
  return new HifiganGenerator({
    inChannels: 80,
    outChannels: 1,
    resblockType: '1',
    resblockDilationSizes: [
      [1, 3, 5],
      [1, 3, 5],
      [1, 3, 5],
    ],
    resblockKernelSizes: [3, 7, 11],
    upsampleKernelSizes: [16, 16, 4, 4],
    upsampleInitialChannel: channels,
    upsampleFactors: [8, 8, 2, 2],
  });
}

const countParams = (...ms: { parameters(): torch.Tensor[] }[]) =>
  ms.reduce((n, m) => n + m.parameters().reduce((k, p) => k + p.numel, 0), 0);

function ribbitInference(channels: number): { params: number; s: number } {
  torch.manualSeed(0);
  const g = generator(channels);
  g.eval();
  g.removeWeightNorm();
  const x = torch.randn([1, 80, frames]);
  const times: number[] = [];
  for (let i = 0; i <= iters; i++) {
    const t0 = performance.now();
    torch.tidy(() => g.inference(x));
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return { params: countParams(g), s: median(times) };
}

function ribbitTrainStep(): { params: number; s: number } {
  torch.manualSeed(0);
  const g = generator(512);
  const d = new HifiganDiscriminator();
  g.train();
  d.train();
  const x = torch.randn([batch, 80, seqLen / 256]);
  const y = torch.randn([batch, 1, seqLen]).mul(0.3).tanh();
  const clear = () => {
    for (const p of [...g.parameters(), ...d.parameters()]) p.grad = null;
  };
  const times: number[] = [];
  for (let i = 0; i <= iters; i++) {
    const t0 = performance.now();
    torch.tidy(() => {
      const yHat = g.forward(x).narrow(2, 0, seqLen);
      const fake = d.forward(yHat.detach());
      const real = d.forward(y);
      const dl = fake.scores
        .map((f, k) => mseDLoss(f, real.scores[k]).total)
        .reduce((a, b) => a.add(b))
        .div(fake.scores.length);
      dl.backward();
      for (const p of d.parameters()) p.grad = null;
      const fakeG = d.forward(yHat);
      const realG = torch.noGrad(() => d.forward(y));
      const adv = fakeG.scores
        .map(mseGLoss)
        .reduce((a, b) => a.add(b))
        .div(fakeG.scores.length);
      adv.add(melganFeatureLoss(fakeG.feats, realG.feats).mul(108)).backward();
      clear();
    });
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return { params: countParams(g, d), s: median(times) };
}

function python(args: string[], threads: number): { params: number; s: number } | null {
  const exe = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(exe, ['-c', PY, ...args.slice(0, 1), String(threads), ...args.slice(1)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`python3-torch side skipped: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

function report(
  bench: string,
  threads: number,
  ours: { params: number; s: number },
  py: { params: number; s: number } | null,
  extra: Record<string, number>,
): void {
  if (py && py.params !== ours.params)
    console.error(`warning: ${bench}: parameter counts differ (ribbit ${ours.params}, torch ${py.params})`);
  console.log(
    JSON.stringify({
      bench,
      threads,
      params: ours.params,
      ...extra,
      ribbitS: Number(ours.s.toFixed(4)),
      torchS: py ? Number(py.s.toFixed(4)) : null,
      ratio: py ? Number((ours.s / py.s).toFixed(3)) : null,
    }),
  );
}

for (const threads of threadList) {
  torch.setNumThreads(threads);
  for (const [name, channels] of [
    ['hifigan_v1_inference', 512],
    ['hifigan_small_inference', smallChannels],
  ] as const) {
    const ours = ribbitInference(channels);
    const py = python(['infer', String(iters), String(channels), String(frames), '1', '1'], threads);
    report(name, threads, ours, py, {
      audioS: seconds,
      rtf: Number((ours.s / seconds).toFixed(4)),
      torchRtf: py ? Number((py.s / seconds).toFixed(4)) : Number.NaN,
    });
  }
  const ours = ribbitTrainStep();
  const py = python(['train', String(iters), '512', '0', String(batch), String(seqLen)], threads);
  report('hifigan_v1_gan_train_step', threads, ours, py, { batch, seqLen });
}
