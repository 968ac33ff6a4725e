// Neural vocoder speed, in ribbit and in Debian's python3-torch in the same run:
// - HiFiGAN generator inference (weight norm folded) on a mel of `--seconds` of audio, real-time factor
//   (seconds of compute per second of audio) on each of `--threads` (default 1,2), for HiFiGAN V1 (upsample
//   initial channel 512) and a small generator (`--small-channels`, default 128);
// - one HiFiGAN GAN training step (generator forward, discriminator step on the detached output and the real
//   segment, generator step through the discriminator with MSE + feature matching; Coqui's MPD + MSD at full
//   width, batch `--batch` x `--seq-len` samples), forward + backward, without the optimizer updates.
// - the bundled voice's vocoder (voices/default/vocoder: multi-band MelGAN, its trained weights) on the same mel.
// The Python side runs in the same run, alternating with ribbit's cases (`--rounds N` rounds, each every case on
// each side; the summary lines give the median over rounds of each round's ratio): with Coqui's reference install found
// (bench/coqui.ts: RIBBIT_COQUI_REF, default ../coqui-ref) bench/reference/coqui_vocoder.py runs Coqui 0.22's
// own HifiganGenerator / HifiganDiscriminator / MultibandMelganGenerator (the bundled voice's generator params,
// mapped to constructor arguments as src/vocoder/models/setup.ts does) and its losses; without it (or with
// `--no-reference`) bench/reference/vocoder_port.py, a plain-torch port of the HiFiGAN modules (no MB-MelGAN),
// runs under RIBBIT_PYTHON (default /usr/bin/python3). Each row says which (`side`: coqui | port | null) and
// the ratio ribbit / Python of wall seconds (`ratio`) and of process CPU seconds (`cpuRatio`: less disturbed by
// other processes on a shared machine); parameter counts are checked equal. `--cases` picks cases by name
// (comma-separated prefixes of hifigan_v1_inference, hifigan_small_inference, bundled_mbmelgan_inference,
// hifigan_v1_gan_train_step; default all).
//
//   npm run bench -- vocoder [--threads 1,2] [--seconds 4] [--iters 3] [--batch 1] [--seq-len 8192]
//                            [--small-channels 128] [--rounds 1] [--cases NAMES] [--no-reference]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadConfig, readJsonFile } from '../src/config/index.ts';
import { readModelWeights } from '../src/inference/tts_loader.ts';
import * as torch from '../src/torch/index.ts';
import type { BaseGANVocoderConfig } from '../src/vocoder/configs/shared_configs.ts';
import { buildInferenceVocoder } from '../src/vocoder/inference.ts';
import { melganFeatureLoss, mseDLoss, mseGLoss } from '../src/vocoder/layers/losses.ts';
import { HifiganDiscriminator } from '../src/vocoder/models/hifigan_discriminator.ts';
import { HifiganGenerator } from '../src/vocoder/models/hifigan_generator.ts';
import { argOr } from './args.ts';
import { findCoquiReference, runReference } from './coqui.ts';
import { median, timed } from './timing.ts';

const threadList = argOr('threads', '1,2').split(',').map(Number);
const seconds = Number(argOr('seconds', '4'));
const iters = Number(argOr('iters', '3'));
const batch = Number(argOr('batch', '1'));
const seqLen = Number(argOr('seq-len', '8192'));
const smallChannels = Number(argOr('small-channels', '128'));
const rounds = Number(argOr('rounds', '1'));
const casePrefixes = argOr('cases', '')
  .split(',')
  .filter((c) => c !== '');
const selected = (name: string) => casePrefixes.length === 0 || casePrefixes.some((c) => name.startsWith(c));
const frames = Math.round((seconds * 22050) / 256);
const reference = process.argv.includes('--no-reference')
  ? { missing: '--no-reference' }
  : findCoquiReference();
const bundledDir = fileURLToPath(new URL('../voices/default/vocoder', import.meta.url));
const bundledConfig = loadConfig(readJsonFile(`${bundledDir}/config.json`) as object, {
  onIgnored: () => {},
}) as BaseGANVocoderConfig;

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

/** A HiFiGAN generator of `channels` (upsample initial channel), weight norm folded, in eval mode. */
function foldedGenerator(channels: number): HifiganGenerator {
  torch.manualSeed(0);
  const g = generator(channels);
  g.eval();
  g.removeWeightNorm();
  return g;
}

/** The bundled voice's vocoder with its trained weights, as the Synthesizer loads it (folded, eval). */
function bundledVocoder(): { inference(x: torch.Tensor): unknown; parameters(): torch.Tensor[] } {
  const { weights } = readModelWeights(bundledDir);
  const gan = buildInferenceVocoder(bundledConfig, weights);
  for (const w of weights.values()) w.dispose();
  return gan;
}

/** Median seconds of `g.inference` on a `[1, 80, frames]` N(0, 1) mel (one warm-up run first). */
function ribbitInference(g: { inference(x: torch.Tensor): unknown; parameters(): torch.Tensor[] }): Timing {
  torch.manualSeed(1);
  const x = torch.randn([1, 80, frames]);
  const { s, cpuS } = timed(() => torch.tidy(() => g.inference(x)), iters);
  x.dispose();
  return { params: countParams(g), s, cpuS };
}

function ribbitTrainStep(): Timing {
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
  const { s, cpuS } = timed(
    () =>
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
      }),
    iters,
  );
  return { params: countParams(g, d), s, cpuS };
}

type Timing = { params: number; s: number; cpuS: number };

type PyTiming = Timing & { side: 'coqui' | 'port' };

/**
 * The Python side of one case: Coqui's own modules when the reference is found, else the port (HiFiGAN
 * modes only; null for `infer-mbmelgan`), null when it fails. `args`: MODE, then after THREADS the rest.
 */
async function python(args: string[], threads: number): Promise<PyTiming | null> {
  const argv = [args[0], String(threads), ...args.slice(1)];
  if ('dir' in reference) {
    try {
      return (await runReference(reference, 'coqui_vocoder.py', argv)) as unknown as PyTiming;
    } catch (e) {
      console.error(`Coqui side failed: ${(e as Error).message}`);
      return null;
    }
  }
  if (args[0] === 'infer-mbmelgan') return null;
  const exe = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('./reference/vocoder_port.py', import.meta.url));
  const r = spawnSync(exe, [script, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`python3-torch side skipped: ${r.stderr.trim().split('\n').at(-1)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

const ratios = new Map<string, { wall: number[]; cpu: number[]; load1: number[] }>();

function report(
  bench: string,
  threads: number,
  round: number,
  ours: Timing,
  py: PyTiming | null,
  extra: Record<string, number | null>,
): void {
  const load1 = Number(loadavg()[0].toFixed(2));
  const key = `${bench} ${threads}`;
  const r = ratios.get(key) ?? { wall: [], cpu: [], load1: [] };
  ratios.set(key, r);
  r.load1.push(load1);
  if (py) {
    r.wall.push(ours.s / py.s);
    r.cpu.push(ours.cpuS / py.cpuS);
  }
  if (py && py.params !== ours.params)
    console.error(`warning: ${bench}: parameter counts differ (ribbit ${ours.params}, torch ${py.params})`);
  console.log(
    JSON.stringify({
      bench,
      threads,
      round,
      params: ours.params,
      side: py?.side ?? null,
      paramsEqual: py ? py.params === ours.params : null,
      load1,
      ...extra,
      ribbitS: Number(ours.s.toFixed(4)),
      torchS: py ? Number(py.s.toFixed(4)) : null,
      ratio: py ? Number((ours.s / py.s).toFixed(3)) : null,
      ribbitCpuS: Number(ours.cpuS.toFixed(4)),
      torchCpuS: py ? Number(py.cpuS.toFixed(4)) : null,
      cpuRatio: py ? Number((ours.cpuS / py.cpuS).toFixed(3)) : null,
    }),
  );
}

const gp = bundledConfig.generatorModelParams as {
  base_channels?: number;
  upsample_factors: number[];
  num_res_blocks: number;
};
console.error(
  'dir' in reference
    ? `Python side: Coqui 0.22's own modules (${reference.dir}, ${reference.python})`
    : `Python side: the plain-torch port (bench/reference/vocoder_port.py), no Coqui reference: ${reference.missing}`,
);
const inferenceCases: [string, () => Timing, string[]][] = [
  ['hifigan_v1_inference', () => ribbitInference(foldedGenerator(512)), ['infer', '512']],
  [
    'hifigan_small_inference',
    () => ribbitInference(foldedGenerator(smallChannels)),
    ['infer', String(smallChannels)],
  ],
  [
    'bundled_mbmelgan_inference',
    () => ribbitInference(bundledVocoder()),
    ['infer-mbmelgan', String(gp.base_channels ?? 384)],
  ],
];
for (let round = 1; round <= rounds; round++) {
  for (const threads of threadList) {
    torch.setNumThreads(threads);
    for (const [name, ours, [mode, channels]] of inferenceCases) {
      if (!selected(name)) continue;
      const r = ours();
      const extraArgs =
        mode === 'infer-mbmelgan' ? [gp.upsample_factors.join(','), String(gp.num_res_blocks)] : [];
      const py = await python(
        [mode, String(iters), channels, String(frames), '1', '1', ...extraArgs],
        threads,
      );
      report(name, threads, round, r, py, {
        audioS: seconds,
        rtf: Number((r.s / seconds).toFixed(4)),
        torchRtf: py ? Number((py.s / seconds).toFixed(4)) : null,
      });
    }
    if (!selected('hifigan_v1_gan_train_step')) continue;
    const ours = ribbitTrainStep();
    const py = await python(['train', String(iters), '512', '0', String(batch), String(seqLen)], threads);
    report('hifigan_v1_gan_train_step', threads, round, ours, py, { batch, seqLen });
  }
}
const fmt = (xs: number[]) => (xs.length > 0 ? median(xs).toFixed(3) : '-');
console.error(
  `medians over ${rounds} round(s) of ribbit / Python (wall, CPU), with each round's load average:`,
);
for (const [key, r] of ratios) {
  console.error(
    `  ${key.padEnd(36)} wall ${fmt(r.wall)}  cpu ${fmt(r.cpu)}  rounds wall [${r.wall.map((x) => x.toFixed(2)).join(', ')}] load [${r.load1.join(', ')}]`,
  );
}
