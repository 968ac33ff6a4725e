// A training step under CPU contention, ribbit and Debian's python3-torch in the same run.
// The step is a Glow-TTS flow decoder (ActNorm + InvConvNear + weight-normed WaveNet couplings, 80 mels,
// hidden 192, kernel 5; `--blocks` of the 12) forward + backward + Adam step. Each side runs in a child process
// at the same intra-op thread count, first on a quiet machine, then with a CPU hog (one busy-looping process)
// beside it; the hog is the "other process on the machine" under which a 2-thread step used to collapse (issue
// 11: 35-46 s against PyTorch's 6.3 s). Prints one JSON line per case and a summary with the ratios
// (ribbit / torch at each load, and each side's slowdown under the hog).
//
//   npm run bench -- train-contention [--threads N] [--iters 2] [--batch 8] [--frames 200] [--blocks 4]
//
// `--threads` defaults to ribbit's own default (src/torch/native.ts); the ribbit child gets ribbit's
// thread defaults, the Python child the environment as given (as a Coqui user runs it).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { threadEnvDefaults } from '../src/torch/native.ts';
import { Adam } from '../src/torch/optim/index.ts';
import { Decoder } from '../src/tts/layers/glow_tts/decoder.ts';
import { arg, argOr } from './args.ts';
import { median } from './timing.ts';
import { torchDecoderStep } from './torch_glow_decoder.ts';

const iters = Number(argOr('iters', '2'));
const frames = Number(argOr('frames', '200'));
const batch = Number(argOr('batch', '8'));
const blocks = Number(argOr('blocks', '4'));

/** The ribbit step in this process: median seconds of `iters` steps after one warm-up. */
function ribbitStep(): { params: number; seconds: number } {
  torch.manualSeed(0);
  const dec = new Decoder(80, 192, 5, 1, blocks, 4, { dropoutP: 0.05, numSplits: 4, numSqueeze: 2 });
  dec.train();
  const opt = new Adam(dec.parameters(), { lr: 1e-4 });
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
    opt.step();
    opt.zeroGrad();
    if (i > 0) times.push((performance.now() - t0) / 1000);
  }
  return { params: dec.parameters().reduce((n, p) => n + p.numel, 0), seconds: median(times) };
}

/** Runs the ribbit step in a fresh process (so each case starts from the engine's load-time settings). */
function ribbitChild(threads: number): { params: number; seconds: number } {
  const self = fileURLToPath(import.meta.url);
  const args = [
    '--import',
    'tsx',
    self,
    '--child',
    ...['--iters', iters, '--frames', frames, '--batch', batch],
  ];
  const r = spawnSync(process.execPath, [...args, '--blocks', blocks].map(String), {
    encoding: 'utf8',
    env: { ...process.env, RIBBIT_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`ribbit step failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { params: number; seconds: number };
}

/** One busy-looping process (a CPU hog), until the returned function stops it. */
function startHog(): () => void {
  const hog: ChildProcess = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => hog.kill('SIGKILL');
}

if (process.argv.includes('--child')) {
  console.log(JSON.stringify(ribbitStep()));
} else {
  const given = arg('threads');
  const threads = given ? Number(given) : torch.getNumThreads();
  // The environment as given, without what ribbit's engine added to it (threadEnvDefaults).
  const pythonEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !(k in threadEnvDefaults)),
  );
  const cases: Record<string, { ribbitS: number; torchS: number | null }> = {};
  for (const load of ['quiet', 'hog'] as const) {
    const stop = load === 'hog' ? startHog() : () => {};
    try {
      const ours = ribbitChild(threads);
      const theirs = torchDecoderStep({ threads, iters, batch, frames, blocks, adam: true }, pythonEnv);
      if (theirs && theirs.params !== ours.params)
        console.error(`warning: parameter counts differ (ribbit ${ours.params}, torch ${theirs.params})`);
      cases[load] = { ribbitS: ours.seconds, torchS: theirs?.seconds ?? null };
      const ratio = theirs ? Number((ours.seconds / theirs.seconds).toFixed(3)) : null;
      console.log(
        JSON.stringify({
          bench: 'train_step_contention',
          load,
          threads,
          batch,
          frames,
          blocks,
          params: ours.params,
          ribbitS: Number(ours.seconds.toFixed(3)),
          torchS: theirs ? Number(theirs.seconds.toFixed(3)) : null,
          ratio,
        }),
      );
    } finally {
      stop();
    }
  }
  const { quiet, hog } = cases as Record<'quiet' | 'hog', { ribbitS: number; torchS: number | null }>;
  const r3 = (x: number) => Number(x.toFixed(3));
  console.log(
    JSON.stringify({
      bench: 'train_step_contention_summary',
      threads,
      ratioQuiet: quiet.torchS ? r3(quiet.ribbitS / quiet.torchS) : null,
      ratioHog: hog.torchS ? r3(hog.ribbitS / hog.torchS) : null,
      ribbitSlowdown: r3(hog.ribbitS / quiet.ribbitS),
      torchSlowdown: quiet.torchS && hog.torchS ? r3(hog.torchS / quiet.torchS) : null,
    }),
  );
}
