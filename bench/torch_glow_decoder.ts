// The Python side of the decoder benches: a direct port of Coqui's Glow-TTS flow decoder (12 blocks of ActNorm +
// InvConvNear + affine coupling with a WaveNet under weight norm) for Debian's python3-torch. Run as
// `python3 -c TORCH_GLOW_DECODER threads iters batch frames blocks adam`; prints the parameter count and the
// median seconds of one forward + backward (+ Adam step when adam is 1).
import { spawnSync } from 'node:child_process';

export const TORCH_GLOW_DECODER = `
import sys, time, torch
from torch import nn
threads, iters, B, T, blocks, adam = (int(a) for a in sys.argv[1:7])
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

dec = Decoder(blocks=blocks).train()
opt = torch.optim.Adam(dec.parameters(), lr=1e-4) if adam else None
params = sum(p.numel() for p in dec.parameters())
x = torch.randn(B, 80, T); m = torch.ones(B, 1, T)
times = []
for i in range(iters + 1):
    t0 = time.perf_counter()
    z, ld = dec(x, m)
    (z.square().mean() - ld.mean() * 1e-4).backward()
    if opt: opt.step()
    dec.zero_grad(set_to_none=True)
    if i > 0: times.append(time.perf_counter() - t0)
times.sort()
print(params, times[len(times) // 2])
`;

/** The Python interpreter with torch (RIBBIT_PYTHON, default Debian's /usr/bin/python3). */
export const PYTHON = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';

/**
 * Runs the Python decoder step; null (with the reason on stderr) when python3-torch is missing or fails.
 * `env` replaces the child's environment (default: this process's).
 */
export function torchDecoderStep(
  o: { threads: number; iters: number; batch: number; frames: number; blocks?: number; adam?: boolean },
  env?: NodeJS.ProcessEnv,
): { params: number; seconds: number } | null {
  const args = [o.threads, o.iters, o.batch, o.frames, o.blocks ?? 12, o.adam ? 1 : 0].map(String);
  const py = spawnSync(PYTHON, ['-c', TORCH_GLOW_DECODER, ...args], { encoding: 'utf8', env });
  if (py.status !== 0) {
    console.error(`python3-torch side skipped: ${py.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  const [params, seconds] = py.stdout.trim().split(/\s+/).map(Number);
  return { params: params!, seconds: seconds! };
}
