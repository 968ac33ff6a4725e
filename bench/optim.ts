// Optimizer step speed: ribbit's Adam / RAdam step vs PyTorch's (Debian's python3-torch, default single-tensor
// path in 1.13, and its foreach path for reference) over a Glow-TTS-sized model: ~28.7M float32 parameters in
// 200 tensors (100 matrices [512, 560] + 100 vectors [192]), random gradients, same thread count, CPU.
// Times are medians over --iters steps (after 2 warm-up steps). Run: npx tsx bench/optim.ts [--iters 10]
// Prints one JSON line: {"bench":"optim", ..., "adam": {ribbitMs, torchMs, torchForeachMs, ratio}, "radam": {...}}
// with ratio = ribbit / torch (single-tensor). The Python side is skipped (nulls) when RIBBIT_PYTHON (default
// /usr/bin/python3) cannot import torch.
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.ts';
import { Adam, type Optimizer, RAdam } from '../src/torch/optim/index.ts';

const iters = Number(argOr('iters', '15'));
const shapes: number[][] = [];
for (let i = 0; i < 100; i++) shapes.push([512, 560], [192]);
const numel = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
const threads = torch.getNumThreads();

/** Median: robust to the page-fault stalls of a busy VM. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeSteps(make: (p: torch.Tensor[]) => Optimizer): number {
  const params = shapes.map((s) => torch.keep(torch.randn(s).requiresGrad_()));
  for (const p of params) p.grad = torch.keep(torch.randn(p.shape).mul_(1e-2));
  const opt = make(params);
  // Two warm-up steps: the first creates the state; the RAdam timing then covers the un-rectified steps
  // 3-5 and the rectified ones after (as in training, where almost every step is rectified).
  opt.step();
  opt.step();
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    opt.step();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  opt.dispose();
  for (const p of params) {
    p.grad?.dispose();
    p.dispose();
  }
  return ms;
}

const adamMs = timeSteps((p) => new Adam(p, { lr: 1e-3 }) as unknown as Optimizer);
const radamMs = timeSteps(
  (p) => new RAdam(p, { lr: 1e-3, betas: [0.9, 0.998], weightDecay: 1e-6 }) as unknown as Optimizer,
);

const PY = `
import json, statistics, sys, time, torch
threads, iters = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
shapes = [s for _ in range(100) for s in ([512, 560], [192])]
def bench(cls, foreach, **kw):
    params = [torch.randn(*s, requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn(p.shape) * 1e-2
    opt = cls(params, foreach=foreach, **kw)
    opt.step(); opt.step()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000
out = {"version": torch.__version__}
out["adam"] = bench(torch.optim.Adam, False, lr=1e-3)
out["adamForeach"] = bench(torch.optim.Adam, True, lr=1e-3)
out["radam"] = bench(torch.optim.RAdam, False, lr=1e-3, betas=(0.9, 0.998), weight_decay=1e-6)
out["radamForeach"] = bench(torch.optim.RAdam, True, lr=1e-3, betas=(0.9, 0.998), weight_decay=1e-6)
print(json.dumps(out))
`;

import { argOr } from './args.ts';

let py: Record<string, number | string> | null = null;
let torchError: string | undefined;
const python = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
const r = spawnSync(python, ['-c', PY, String(threads), String(iters)], { encoding: 'utf8' });
if (r.status === 0) py = JSON.parse(r.stdout.trim().split('\n').pop() as string);
else torchError = (r.stderr || String(r.error)).trim().split('\n').pop();

const round = (v: number) => Math.round(v * 100) / 100;
const entry = (ribbitMs: number, key: string) => {
  const torchMs = py ? (py[key] as number) : null;
  return {
    ribbitMs: round(ribbitMs),
    torchMs: torchMs === null ? null : round(torchMs),
    torchForeachMs: py ? round(py[`${key}Foreach`] as number) : null,
    ratio: torchMs === null ? null : Math.round((ribbitMs / torchMs) * 1000) / 1000,
  };
};

console.log(
  JSON.stringify({
    bench: 'optim',
    params: numel,
    tensors: shapes.length,
    threads,
    iters,
    adam: entry(adamMs, 'adam'),
    radam: entry(radamMs, 'radam'),
    ribbitLibtorch: torch.torchVersion(),
    torchVersion: py ? py.version : null,
    ...(torchError ? { torchError } : {}),
  }),
);
