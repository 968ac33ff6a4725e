"""Fallback Python side of `npm run bench -- vocoder` when Coqui's reference install is missing: a direct port of
Coqui 0.22's HifiganGenerator / HifiganDiscriminator (same parameter counts; bench/vocoder.ts checks them) in
plain torch. With the reference found, bench/reference/coqui_vocoder.py runs Coqui's own modules instead.
Usage: python3 vocoder_port.py MODE THREADS ITERS CHANNELS FRAMES BATCH SEQ_LEN   (MODE: infer | train)
Prints one JSON line: {"params", "s" (median seconds), "side": "port"}.
"""
import json, sys, time

import torch
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
    x = torch.randn(1, 80, frames); times = []; cpu = []
    with torch.no_grad():
        for i in range(iters + 1):
            c0 = time.process_time(); t0 = time.perf_counter(); g(F.pad(x, (5, 5), "replicate"))
            if i: times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
    print(json.dumps({"params": sum(p.numel() for p in g.parameters()), "s": median(times), "cpuS": median(cpu), "side": "port"}))
else:
    d = Disc(); g.train(); d.train()
    x = torch.randn(B, 80, T // 256); y = torch.tanh(torch.randn(B, 1, T) * 0.3); times = []; cpu = []
    for i in range(iters + 1):
        c0 = time.process_time(); t0 = time.perf_counter()
        y_hat = g(x)[:, :, :T]
        sf, _ = d(y_hat.detach()); sr, _ = d(y)
        dl = sum(torch.mean((r - 1) ** 2) + torch.mean(f ** 2) for f, r in zip(sf, sr)) / len(sf)
        dl.backward(); d.zero_grad(set_to_none=True)
        sf, ff = d(y_hat)
        with torch.no_grad(): _, fr = d(y)
        n = sum(len(a) for a in ff)
        gl = sum(torch.mean((s - 1) ** 2) for s in sf) / len(sf) + 108 * sum(F.l1_loss(a, b) for fa, fb in zip(ff, fr) for a, b in zip(fa, fb)) / n
        gl.backward(); g.zero_grad(set_to_none=True); d.zero_grad(set_to_none=True)
        if i: times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
    print(json.dumps({"params": sum(p.numel() for p in g.parameters()) + sum(p.numel() for p in d.parameters()), "s": median(times), "cpuS": median(cpu), "side": "port"}))
