// Engine speed against PyTorch: each case runs in ribbit and, in the same run, in a Python child process
// (Debian's python3-torch 1.13, same libtorch) with torch.set_num_threads equal to ours. Warm-up, then the
// median of --iters runs per round. The machine's speed drifts (shared VMs), so the runs alternate between
// the two sides in --rounds rounds (default 3: torch, ribbit, torch, ribbit, ...) and each side's median is
// taken over all its runs. Prints one JSON line per case:
//   {"bench":"ops","case":..., "threads", "ribbitMs", "torchMs", "ratio" (ribbit / torch), ...}
// The chain case adds per-op overhead in µs ("ribbitUsPerOp", "torchUsPerOp").
// Run: npm run bench -- ops [--threads N] [--iters 20] [--rounds 3] [--only matmul,chain]
// The Python side is skipped (nulls) when RIBBIT_PYTHON (default /usr/bin/python3) cannot import torch.
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.ts';
import { Adam } from '../src/torch/optim/index.ts';

const { F } = torch;

const iters = Number(argOr('iters', '20'));
const rounds = Number(argOr('rounds', '3'));
const only = argOr('only', '').split(',').filter(Boolean);
const threads = torch.getNumThreads();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Milliseconds of each of `n` runs of `fn` after `warm` runs; each run in its own tidy scope. */
function time(fn: () => void, n = iters, warm = 3): number[] {
  for (let i = 0; i < warm; i++) torch.tidy(fn);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    torch.tidy(fn);
    times.push(performance.now() - t0);
  }
  return times;
}

interface Case {
  name: string;
  what: string;
  run(): number[];
  /** Number of ops per run, for a per-op figure. */
  ops?: number;
}

const CHAIN = 1000;

const cases: Case[] = [
  {
    name: 'matmul',
    what: '[512, 512] x [512, 512] float32',
    run() {
      torch.manualSeed(0);
      const a = torch.keep(torch.randn([512, 512]));
      const b = torch.keep(torch.randn([512, 512]));
      const ms = time(() => {
        a.matmul(b);
      });
      a.dispose();
      b.dispose();
      return ms;
    },
  },
  {
    name: 'conv1d_fwd_bwd',
    what: 'conv1d B16 C192->192 T256 k5 pad2, forward + backward (input, weight, bias)',
    run() {
      torch.manualSeed(0);
      const x = torch.keep(torch.randn([16, 192, 256], { requiresGrad: true }));
      const w = torch.keep(torch.randn([192, 192, 5]).mul_(0.03).requiresGrad_());
      const b = torch.keep(torch.zeros([192], { requiresGrad: true }));
      const g = torch.keep(torch.randn([16, 192, 256]));
      const ms = time(() => {
        for (const p of [x, w, b]) p.grad = null;
        F.conv1d(x, w, b, { padding: 2 }).backward(g);
      });
      for (const t of [x, w, b, g]) t.dispose();
      return ms;
    },
  },
  {
    name: 'conv_ln_stack_adam',
    what: '4 x (conv1d k5 + layerNorm + relu), B16 T128 hidden 192, MSE loss, backward, Adam step',
    run() {
      torch.manualSeed(0);
      const H = 192;
      const params: torch.Tensor[] = [];
      for (let l = 0; l < 4; l++) {
        params.push(
          torch.randn([H, H, 5]).mul_(0.03).requiresGrad_(),
          torch.zeros([H], { requiresGrad: true }),
          torch.ones([H], { requiresGrad: true }),
          torch.zeros([H], { requiresGrad: true }),
        );
      }
      for (const p of params) torch.keep(p);
      const x = torch.keep(torch.randn([16, H, 128]));
      const target = torch.keep(torch.randn([16, H, 128]));
      const opt = new Adam(params, { lr: 1e-4 });
      const ms = time(() => {
        let h = x;
        for (let l = 0; l < 4; l++) {
          const [w, b, lw, lb] = params.slice(4 * l, 4 * l + 4);
          h = F.conv1d(h, w, b, { padding: 2 });
          h = F.layerNorm(h.transpose(1, 2), [H], lw, lb).transpose(1, 2);
          h = F.relu(h);
        }
        F.mseLoss(h, target).backward();
        opt.step();
        opt.zeroGrad();
      });
      opt.dispose();
      for (const t of [...params, x, target]) t.dispose();
      return ms;
    },
  },
  {
    name: 'chain',
    what: `${CHAIN} small elementwise ops (mul, add, sub, div on [16] float32), no grad`,
    ops: CHAIN,
    run() {
      const x = torch.keep(torch.ones([16]));
      const ms = time(
        () => {
          let y = x;
          for (let i = 0; i < CHAIN / 4; i++) y = y.mul(1.0001).add(0.5).sub(0.25).div(1.0002);
        },
        iters * 5,
        10,
      );
      x.dispose();
      return ms;
    },
  },
];

const PY = `
import json, statistics, sys, time, torch
import torch.nn.functional as F
threads, iters, names = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
torch.set_num_threads(threads)
def timed(fn, n=iters, warm=3):
    for _ in range(warm): fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1000)
    return ts
def matmul():
    torch.manual_seed(0)
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    return timed(lambda: a.matmul(b))
def conv1d_fwd_bwd():
    torch.manual_seed(0)
    x = torch.randn(16, 192, 256, requires_grad=True)
    w = (torch.randn(192, 192, 5) * 0.03).requires_grad_()
    b = torch.zeros(192, requires_grad=True)
    g = torch.randn(16, 192, 256)
    def step():
        for p in (x, w, b): p.grad = None
        F.conv1d(x, w, b, padding=2).backward(g)
    return timed(step)
def conv_ln_stack_adam():
    torch.manual_seed(0)
    H = 192
    params = []
    for _ in range(4):
        params += [(torch.randn(H, H, 5) * 0.03).requires_grad_(), torch.zeros(H, requires_grad=True),
                   torch.ones(H, requires_grad=True), torch.zeros(H, requires_grad=True)]
    x, target = torch.randn(16, H, 128), torch.randn(16, H, 128)
    opt = torch.optim.Adam(params, lr=1e-4, foreach=False)
    def step():
        h = x
        for l in range(4):
            w, b, lw, lb = params[4 * l:4 * l + 4]
            h = F.conv1d(h, w, b, padding=2)
            h = F.layer_norm(h.transpose(1, 2), (H,), lw, lb).transpose(1, 2)
            h = F.relu(h)
        F.mse_loss(h, target).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return timed(step)
def chain():
    x = torch.ones(16)
    def run():
        y = x
        for _ in range(${CHAIN} // 4): y = y.mul(1.0001).add(0.5).sub(0.25).div(1.0002)
    return timed(run, iters * 5, 10)
out = {"version": torch.__version__}
for n in names: out[n] = globals()[n]()
print(json.dumps(out))
`;

import { argOr } from './args.ts';

const selected = cases.filter((c) => only.length === 0 || only.includes(c.name));
const python = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
const torchRuns = new Map<string, number[]>(selected.map((c) => [c.name, []]));
const ribbitRuns = new Map<string, number[]>(selected.map((c) => [c.name, []]));
let torchError: string | undefined;
for (let r = 0; r < rounds; r++) {
  if (!torchError) {
    const names = selected.map((c) => c.name).join(',');
    const py = spawnSync(python, ['-c', PY, String(threads), String(iters), names], { encoding: 'utf8' });
    if (py.status === 0) {
      const out = JSON.parse(py.stdout.trim().split('\n').pop() as string) as Record<string, number[]>;
      for (const c of selected) torchRuns.get(c.name)?.push(...out[c.name]);
    } else torchError = (py.stderr || String(py.error)).trim().split('\n').pop();
  }
  for (const c of selected) ribbitRuns.get(c.name)?.push(...c.run());
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
for (const c of selected) {
  const ribbitMs = median(ribbitRuns.get(c.name) as number[]);
  const torchMs = torchError ? null : median(torchRuns.get(c.name) as number[]);
  const line: Record<string, unknown> = {
    bench: 'ops',
    case: c.name,
    what: c.what,
    threads,
    runs: (ribbitRuns.get(c.name) as number[]).length,
    ribbitMs: round(ribbitMs),
    torchMs: torchMs === null ? null : round(torchMs),
    ratio: torchMs === null ? null : round(ribbitMs / torchMs),
  };
  if (c.ops) {
    line.ribbitUsPerOp = round((ribbitMs * 1000) / c.ops, 2);
    line.torchUsPerOp = torchMs === null ? null : round((torchMs * 1000) / c.ops, 2);
  }
  if (torchError) line.torchError = torchError;
  console.log(JSON.stringify(line));
}
