// Glow-TTS flow decoder, forward + backward, in ribbit and in Debian's python3-torch in the same run.
// The decoder (12 blocks of ActNorm + InvConvNear + affine coupling with a 4-layer WaveNet under weight norm,
// LJSpeech size: 80 mels, hidden 192, kernel 5) is most of a Glow-TTS training step, so its ratio says whether
// ribbit's step is slower than PyTorch's on the same graph. The Python side is a direct port of Coqui's
// glow_tts decoder (same shapes and parameter count, checked); it is skipped when RIBBIT_PYTHON (default
// /usr/bin/python3) cannot import torch.
//
//   npm run bench -- glow-decoder [--threads N] [--iters 4] [--frames 400] [--batch 16]
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.ts';
import { Decoder } from '../src/tts/layers/glow_tts/decoder.ts';
import { argOr } from './args.ts';

const iters = Number(argOr('iters', '4'));
const frames = Number(argOr('frames', '400'));
const batch = Number(argOr('batch', '16'));
const threads = torch.getNumThreads();

const PY = String.raw`
import sys, time, torch
from torch import nn
threads, iters, B, T = (int(a) for a in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
wnorm = torch.nn.utils.weight_norm

class ActNorm(nn.Module):
    def __init__(s, c):
        super().__init__(); s.logs = nn.Parameter(torch.zeros(1, c, 1)); s.bias = nn.Parameter(torch.zeros(1, c, 1))
    def forward(s, x, m):
        return (s.bias + torch.exp(s.logs) * x) * m, torch.sum(s.logs) * torch.sum(m, [1, 2])

class InvConvNear(nn.Module):
    def __init__(s, c, n=4):
        super().__init__(); s.c, s.n = c, n
        w = torch.linalg.qr(torch.randn(n, n))[0]
        if torch.det(w) < 0: w[:, 0] = -w[:, 0]
        s.weight = nn.Parameter(w)
    def forward(s, x, m):
        b, c, t = x.size(); n = s.n
        x = x.view(b, 2, c // n, n // 2, t).permute(0, 1, 3, 2, 4).contiguous().view(b, n, c // n, t)
        logdet = torch.logdet(s.weight.double()).float() * (c / n) * torch.sum(m, [1, 2])
        z = nn.functional.conv2d(x, s.weight.view(n, n, 1, 1))
        z = z.view(b, 2, n // 2, c // n, t).permute(0, 1, 3, 2, 4).contiguous().view(b, c, t)
        return z * m, logdet

class WN(nn.Module):
    def __init__(s, h, k, n, p):
        super().__init__(); s.h, s.n = h, n
        s.in_layers = nn.ModuleList([wnorm(nn.Conv1d(h, 2 * h, k, padding=k // 2)) for _ in range(n)])
        s.res_skip_layers = nn.ModuleList([wnorm(nn.Conv1d(h, 2 * h if i < n - 1 else h, 1)) for i in range(n)])
        s.drop = nn.Dropout(p)
    def forward(s, x, m):
        out = torch.zeros_like(x)
        for i in range(s.n):
            xi = s.drop(s.in_layers[i](x))
            a = torch.tanh(xi[:, :s.h]) * torch.sigmoid(xi[:, s.h:])
            r = s.res_skip_layers[i](a)
            if i < s.n - 1:
                x = (x + r[:, :s.h]) * m; out = out + r[:, s.h:]
            else:
                out = out + r
        return out * m

class Coupling(nn.Module):
    def __init__(s, c, h, k, n, p):
        super().__init__()
        s.start = wnorm(nn.Conv1d(c // 2, h, 1)); s.end = nn.Conv1d(h, c, 1)
        s.end.weight.data.zero_(); s.end.bias.data.zero_()
        s.wn = WN(h, k, n, p)
    def forward(s, x, m):
        x0, x1 = x[:, : x.size(1) // 2], x[:, x.size(1) // 2 :]
        out = s.end(s.wn(s.start(x0) * m, m))
        mu, logs = out[:, : x.size(1) // 2], out[:, x.size(1) // 2 :]
        z1 = (mu + torch.exp(logs) * x1) * m
        return torch.cat([x0, z1], 1), torch.sum(logs * m, [1, 2])

class Decoder(nn.Module):
    def __init__(s, c=80, h=192, k=5, blocks=12, layers=4, p=0.05, sq=2):
        super().__init__(); s.sq = sq
        f = []
        for _ in range(blocks):
            f += [ActNorm(c * sq), InvConvNear(c * sq), Coupling(c * sq, h, k, layers, p)]
        s.flows = nn.ModuleList(f)
    def forward(s, x, m):
        b, c, t = x.size(); sq = s.sq
        x = x.view(b, c, t // sq, sq).permute(0, 3, 1, 2).contiguous().view(b, c * sq, t // sq)
        m = m[:, :, sq - 1 :: sq]
        x = x * m
        logdet = 0
        for f in s.flows:
            x, ld = f(x, m); logdet = logdet + ld
        return x, logdet

dec = Decoder().train()
params = sum(p.numel() for p in dec.parameters())
x = torch.randn(B, 80, T); m = torch.ones(B, 1, T)
times = []
for i in range(iters + 1):
    t0 = time.perf_counter()
    z, ld = dec(x, m)
    (z.square().mean() - ld.mean() * 1e-4).backward()
    dec.zero_grad(set_to_none=True)
    if i > 0: times.append(time.perf_counter() - t0)
times.sort()
print(params, times[len(times) // 2])
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

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
const python = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
const py = spawnSync(python, ['-c', PY, String(threads), String(iters), String(batch), String(frames)], {
  encoding: 'utf8',
});
let torchSeconds: number | null = null;
let torchParams: number | null = null;
if (py.status === 0) {
  const [p, s] = py.stdout.trim().split(/\s+/).map(Number);
  torchParams = p;
  torchSeconds = s;
} else {
  console.error(`python3-torch side skipped: ${py.stderr.trim().split('\n').at(-1)}`);
}
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
