// Glow-TTS training and inference speed, for the fixture-sized model (tests/fixtures/parity/glow_tts: hidden 64,
// 4 flow blocks of 2 layers, 2 encoder layers with ffn 128, 67 symbols) and the LJSpeech size (Coqui's defaults
// with the en-us phoneme vocabulary of Coqui's LJSpeech recipe: hidden 192, 12 flow blocks of 4 layers; ~28.6M
// parameters), on one thread and on all cores. Per size and thread count it measures:
//   - train step at batch 16 on synthetic batches (100 tokens, 400 mel frames, lengths varied down to 80% in the
//     batch): trainStep + backward + clipGradNorm(config.gradClip) + RAdam step (model.getOptimizer()) +
//     zeroGrad, in torch.tidy, as the Trainer does. Median of --steps steps after warm-up steps (the first
//     warm-up step runs ActNorm's data-dependent init; the timed steps do not, as after 10 steps of training);
//   - alignment search: maximumPath on the step's shapes ([16, 100, 400] with the same masks), as a share of
//     the step;
//   - data loading: TTSDataset batches of 16 from an LJSpeech-format folder (default: 32 espeak-ng demo
//     utterances made once in the temp folder by makeDemoDataset) with the size's tokenizer and audio settings,
//     in the first epoch (wav reading + mel on the tensor engine) and the next (mels cached), per batch;
//     the shares of the step use these figures scaled to 400-frame items (the demo utterances are shorter).
//     The Trainer overlaps only file reading with a step; the mel work runs between steps;
//   - inference real-time factor: model.inference on 100 tokens (eval mode, storeInverse, the duration
//     predictor's output set to 4 frames per token, since an untrained one predicts ~1) -> 400 frames;
//     RTF = compute seconds / audio seconds (frames * hopLength / sampleRate), mel only and with Griffin-Lim
//     (model.ap.invMelspectrogram, config's 60 iterations).
// For the LJSpeech size the step is compared with Coqui's own Glow-TTS measured in the same run
// (bench/reference/coqui_glowtts_step.py in the reference install that bench/coqui.ts finds:
// RIBBIT_COQUI_REF, default ../coqui-ref): --rounds alternating rounds, each --steps ribbit steps then a
// Coqui child process (same shapes, same libtorch, Coqui's RAdam, clip 5) with --steps timed steps; the
// ratio is ribbit's median step / Coqui's, over all rounds (wall clock, and process CPU seconds, which
// the machine's other load inflates less). Without the reference it says so and prints ribbit's figures.
// Also per timed step: V8's full (mark-compact) collections and their pause ms (perf_hooks 'gc' entries).
// --hog N: N busy-looping processes run beside both sides for the whole measurement (a fixed competing
// load: no step may take more than 1.5x Coqui's under it).
//
// Run: npm run bench -- glow-tts [--sizes fixture,ljspeech] [--threads 1,all] [--steps N] [--warmup N]
//        [--rounds N] [--no-reference] [--hog N] [--infer-runs N] [--data DIR | --no-data]
// Defaults: --steps 8 for the fixture size and 3 for the LJSpeech size (--steps sets both), --warmup 2 / 1,
// --rounds 3 (LJSpeech size with the reference; 1 otherwise).
// stdout: one JSON line per size and thread count ({"bench":"glow_tts", ...}); stderr: the same as a table.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { TTSDataset } from '../src/data/dataset.ts';
import { makeDemoDataset } from '../src/data/demo.ts';
import { loadTtsSamples } from '../src/data/samples.ts';
import * as torch from '../src/torch/index.ts';
import type { Batch, TrainerOptimizer } from '../src/trainer/api.ts';
import { GlowTTSConfig } from '../src/tts/configs/glow_tts_config.ts';
import { GlowTTS } from '../src/tts/models/glow_tts.ts';
import { maximumPath, sequenceMask } from '../src/tts/utils/helpers.ts';
import { arg } from './args.ts';
import { findCoquiReference, runReference } from './coqui.ts';
import { median } from './timing.ts';

const flag = (name: string) => process.argv.includes(`--${name}`);

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name}: expected a non-negative integer, got ${value}`);
    process.exit(1);
  }
  return n;
}

const SIZES = ['fixture', 'ljspeech'] as const;
type Size = (typeof SIZES)[number];
const sizes = (arg('sizes') ?? SIZES.join(',')).split(',').filter(Boolean) as Size[];
for (const s of sizes) {
  if (!SIZES.includes(s)) {
    console.error(`--sizes: unknown size ${s} (sizes: ${SIZES.join(', ')})`);
    process.exit(1);
  }
}
const cores = availableParallelism();
const threadList = [
  ...new Set(
    (arg('threads') ?? '1,all').split(',').map((t) => {
      const n = t === 'all' ? cores : Number(t);
      if (!Number.isInteger(n) || n < 1) {
        console.error(`--threads: expected a list of positive integers or "all", got ${t}`);
        process.exit(1);
      }
      return n;
    }),
  ),
];
const stepsArg = arg('steps');
const warmupArg = arg('warmup');
const inferRuns = positiveInt('infer-runs', arg('infer-runs'), 3);
const dataDir = arg('data');
const noData = flag('no-data');

const BATCH = 16;
const TOKENS = 100;
const FRAMES = 400;
/** Frames per token the duration predictor is set to for the inference measurement. */
const FRAMES_PER_TOKEN = 4;
const TARGET_RATIO = 0.8;
const rounds = positiveInt('rounds', arg('rounds'), 3);
const reference = flag('no-reference') ? { missing: '--no-reference' } : findCoquiReference();
const hogs = positiveInt('hog', arg('hog'), 0);

const phonemeCache = join(tmpdir(), 'ribbit-bench-glow-tts-phonemes');

function makeConfig(size: Size): GlowTTSConfig {
  if (size === 'fixture') {
    return GlowTTSConfig.create({
      numChars: 67,
      textCleaner: 'english_cleaners',
      hiddenChannelsEnc: 64,
      hiddenChannelsDec: 64,
      hiddenChannelsDp: 64,
      numFlowBlocksDec: 4,
      numBlockLayers: 2,
      encoderParams: { numLayers: 2, hiddenChannelsFfn: 128 },
    });
  }
  // Coqui's defaults (hidden 192, 12 flow blocks, 6 encoder layers) with its LJSpeech recipe's text settings.
  return GlowTTSConfig.create({
    usePhonemes: true,
    phonemeLanguage: 'en-us',
    textCleaner: 'phoneme_cleaners',
    phonemeCachePath: phonemeCache,
  });
}

/** Item lengths of the synthetic batch: longest first, down to 80% (as a length-bucketed batch). */
function lengths(max: number): number[] {
  return Array.from({ length: BATCH }, (_, i) => max - Math.round((0.2 * max * i) / (BATCH - 1)));
}

function syntheticBatch(numChars: number, numMels: number): Batch {
  torch.manualSeed(1);
  const tokenLens = lengths(TOKENS);
  const melLens = lengths(FRAMES);
  return {
    tokenIds: torch.keep(torch.randint(1, numChars, [BATCH, TOKENS])),
    tokenIdsLengths: torch.keep(torch.tensor(BigInt64Array.from(tokenLens, BigInt))),
    mel: torch.keep(torch.randn([BATCH, FRAMES, numMels])),
    melLengths: torch.keep(torch.tensor(BigInt64Array.from(melLens, BigInt))),
  };
}

/** Milliseconds of each phase of one step, named as the Coqui script's --profile phases. */
interface Phases {
  fwd_loss: number;
  backward: number;
  clip: number;
  opt_step: number;
  zero_grad: number;
}
const PHASES = ['fwd_loss', 'backward', 'clip', 'opt_step', 'zero_grad'] as const;

function trainStep(model: GlowTTS, batch: Batch, optimizer: TrainerOptimizer, criterion: unknown): Phases {
  const t = [performance.now()];
  torch.tidy(() => {
    const { lossDict } = model.trainStep(model.formatBatch(batch), criterion as never);
    t.push(performance.now());
    lossDict.loss.backward();
  });
  t.push(performance.now());
  const clip = Array.isArray(model.config.gradClip) ? model.config.gradClip[0] : model.config.gradClip;
  if (clip && clip > 0) torch.clipGradNorm(optimizer.parameters(), clip);
  t.push(performance.now());
  optimizer.step();
  t.push(performance.now());
  optimizer.zeroGrad();
  t.push(performance.now());
  return Object.fromEntries(PHASES.map((p, i) => [p, t[i + 1] - t[i]])) as unknown as Phases;
}

/** Milliseconds of maximumPath on the synthetic batch's shapes and masks (median of `n`). */
function timeMas(n: number): number {
  return torch.tidy(() => {
    const xMask = sequenceMask(torch.tensor(BigInt64Array.from(lengths(TOKENS), BigInt)), TOKENS);
    const yMask = sequenceMask(torch.tensor(BigInt64Array.from(lengths(FRAMES), BigInt)), FRAMES);
    const mask = xMask.unsqueeze(2).mul(yMask.unsqueeze(1)).float(); // [B, T_en, T_de]
    const logp = torch.randn([BATCH, TOKENS, FRAMES]).mul(10).sub(50);
    maximumPath(logp, mask);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      torch.tidy(() => maximumPath(logp, mask));
      times.push(performance.now() - t0);
    }
    return median(times);
  });
}

interface LoaderTimes {
  firstEpochMs: number;
  cachedMs: number;
  meanFrames: number;
  batches: number;
}

/** Per-batch time of TTSDataset over `dir` (LJSpeech format): first epoch (mels computed), then cached. */
async function timeLoader(model: GlowTTS, dir: string): Promise<LoaderTimes> {
  const { train } = loadTtsSamples([{ formatter: 'ljspeech', path: dir, metaFileTrain: 'metadata.csv' }], {
    evalSplit: false,
  });
  const dataset = new TTSDataset({
    samples: train,
    tokenizer: model.tokenizer,
    audio: model.ap,
    batchSize: BATCH,
    shuffle: false,
  });
  await dataset.prepare();
  // warm-up: the audio processor's first mel builds its window and filter bank
  torch.noGrad(() => torch.tidy(() => model.ap.melspectrogram(torch.zeros([model.ap.sampleRate]))));
  const epoch = async (e: number) => {
    let frames = 0;
    let items = 0;
    let batches = 0;
    const t0 = performance.now();
    for await (const b of dataset.batches(e)) {
      const lens = (b.melLengths as torch.Tensor).toArray();
      for (const l of lens) frames += l;
      items += lens.length;
      batches += 1;
      for (const v of Object.values(b)) if (torch.isTensor(v)) v.dispose();
    }
    return { ms: (performance.now() - t0) / batches, meanFrames: frames / items, batches };
  };
  const first = await epoch(0);
  const cached = await epoch(1);
  return {
    firstEpochMs: first.ms,
    cachedMs: cached.ms,
    meanFrames: first.meanFrames,
    batches: first.batches,
  };
}

/** The folder data loading is measured on, made with espeak-ng on first use; null when none can be had. */
async function loaderData(): Promise<{ dir: string | null; note?: string }> {
  if (noData) return { dir: null, note: '--no-data' };
  if (dataDir) return { dir: dataDir };
  const dir = join(tmpdir(), 'ribbit-bench-glow-tts-demo');
  try {
    if (!existsSync(join(dir, 'metadata.csv'))) {
      mkdirSync(dir, { recursive: true });
      process.stderr.write(` > making a 32-utterance demo dataset in ${dir} (espeak-ng, once)\n`);
      await makeDemoDataset({ out: dir, sentences: 32 });
    }
    return { dir };
  } catch (e) {
    return { dir: null, note: (e as Error).message };
  }
}

/** Sets the duration predictor to `FRAMES_PER_TOKEN` frames for every token (weights 0, bias log(1 + d)). */
function fixDurations(model: GlowTTS): void {
  const proj = model.encoder.durationPredictor.proj;
  torch.noGrad(() => {
    proj.weight.zero_();
    proj.bias?.fill_(Math.log(1 + FRAMES_PER_TOKEN - 0.1)); // ceil(3.9) = 4 frames
  });
}

interface InferenceTimes {
  frames: number;
  audioS: number;
  melS: number;
  griffinLimS: number;
}

function timeInference(model: GlowTTS): InferenceTimes {
  torch.manualSeed(2);
  const x = torch.keep(torch.randint(1, model.config.numChars as number, [1, TOKENS]));
  let frames = 0;
  const melTimes: number[] = [];
  const glTimes: number[] = [];
  const runs = Math.max(1, inferRuns);
  torch.tidy(() => model.inference(x)); // warm-up
  for (let i = 0; i < runs; i++) {
    torch.tidy(() => {
      const t0 = performance.now();
      const mel = model.inference(x).modelOutputs.select(0, 0); // [T, C]
      const t1 = performance.now();
      frames = mel.size(0);
      model.ap.invMelspectrogram(mel.transpose(0, 1)).toFloat32Array();
      melTimes.push(t1 - t0);
      glTimes.push(performance.now() - t1);
    });
  }
  x.dispose();
  const audioS = (frames * model.ap.hopLength) / model.ap.sampleRate;
  return { frames, audioS, melS: median(melTimes) / 1000, griffinLimS: median(glTimes) / 1000 };
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const rows: Record<string, unknown>[] = [];
/** V8 collections since the start: full (mark-compact) ones, their pause ms, and all pauses. */
const gcStats = { major: 0, majorMs: 0, allMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcStats.allMs += e.duration;
    if ((e as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      gcStats.major += 1;
      gcStats.majorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });
if (sizes.includes('ljspeech') && 'missing' in reference) {
  process.stderr.write(` > Coqui reference not measured: ${reference.missing}; ribbit's figures only\n`);
}
const data = await loaderData();
// the fixed competing load (--hog): busy-looping processes, killed when this process exits
// (unref'ed: they must not keep this process alive once the bench is done)
const hogProcs = Array.from({ length: hogs }, () => {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  hog.unref();
  return hog;
});
process.on('exit', () => {
  for (const h of hogProcs) h.kill('SIGKILL');
});
if (hogs) for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(130));
const startedAt = performance.now();
/** The 1-minute load average before this bench starts: above ~0.5, other processes share the cores. */
const loadBefore = round(loadavg()[0], 2);

for (const size of sizes) {
  const config = makeConfig(size);
  torch.manualSeed(0);
  const model = new GlowTTS(config, { log: () => {} });
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  const numChars = model.config.numChars as number;
  const steps = positiveInt('steps', stepsArg, size === 'fixture' ? 8 : 3);
  const warmup = positiveInt('warmup', warmupArg, size === 'fixture' ? 2 : 1);
  const batch = syntheticBatch(numChars, config.audio.numMels);
  const criterion = model.getCriterion();
  const [optimizer] = [model.getOptimizer()].flat(); // Glow-TTS has one optimizer
  const results = new Map<number, Record<string, unknown>>();
  model.train();
  for (const threads of threadList) {
    torch.setNumThreads(threads);
    for (let i = 0; i < warmup; i++) {
      trainStep(model, batch, optimizer, criterion);
      model.runDataDepInit = false; // ActNorm initialised from data on the first step only
    }
    model.runDataDepInit = false;
    const times: number[] = [];
    const cpus: number[] = [];
    const faults: number[] = [];
    const phases: Phases[] = [];
    const roundRows: Record<string, unknown>[] = [];
    const coquiTimes: number[] = [];
    const coquiCpus: number[] = [];
    const coquiRows: Record<string, unknown>[] = [];
    const compare = size === 'ljspeech' && 'dir' in reference;
    const gcBefore = { ...gcStats };
    for (let r = 0; r < (compare ? rounds : 1); r++) {
      const load = round(loadavg()[0], 2);
      const ours: number[] = [];
      for (let i = 0; i < steps; i++) {
        const c0 = process.cpuUsage();
        const f0 = process.resourceUsage().minorPageFault;
        const t0 = performance.now();
        phases.push(trainStep(model, batch, optimizer, criterion));
        ours.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpus.push((c.user + c.system) / 1000);
        faults.push(process.resourceUsage().minorPageFault - f0);
      }
      times.push(...ours);
      const row: Record<string, unknown> = {
        round: r + 1,
        loadAvg: load,
        ribbitS: round(median(ours) / 1000),
      };
      if (compare) {
        const args = [
          '--threads',
          threads,
          '--warmup',
          Math.max(1, warmup),
          '--steps',
          steps,
          '--infer-runs',
          1,
          '--profile',
        ];
        try {
          const c = await runReference(reference, 'coqui_glowtts_step.py', args.map(String));
          coquiTimes.push(...(c.steps_s as number[]).map((x) => x * 1000));
          coquiCpus.push(...(c.cpu_s as number[]).map((x) => x * 1000));
          coquiRows.push(c);
          row.coquiS = c.train_step_s_median;
          row.ratio = round(median(ours) / 1000 / (c.train_step_s_median as number));
        } catch (e) {
          row.coquiError = (e as Error).message;
        }
      }
      roundRows.push(row);
      process.stderr.write(` > ${size} ${threads} thr round ${r + 1}: ${JSON.stringify(row)}\n`);
      await new Promise((done) => setTimeout(done, 20)); // deliver the 'gc' performance entries (timers phase)
    }
    const gcMajor = (gcStats.major - gcBefore.major) / Math.max(1, times.length);
    const gcMajorMs = (gcStats.majorMs - gcBefore.majorMs) / Math.max(1, times.length);
    const gcAllMs = (gcStats.allMs - gcBefore.allMs) / Math.max(1, times.length);
    const stepMs = times.length ? median(times) : Number.NaN;
    const masMs = timeMas(Math.max(3, Math.min(steps, 5)));
    const loader = data.dir ? await timeLoader(model, data.dir) : null;
    const scale = loader ? FRAMES / loader.meanFrames : 0;
    const loaderPer400 = loader ? loader.firstEpochMs * scale : null;
    const cachedPer400 = loader ? loader.cachedMs * scale : null;
    const coquiMs = coquiTimes.length ? median(coquiTimes) : null;
    results.set(threads, {
      bench: 'glow_tts',
      size,
      params,
      threads,
      hogs,
      loadAvgBefore: loadBefore,
      batch: BATCH,
      tokens: TOKENS,
      frames: FRAMES,
      steps: times.length,
      stepS: round(stepMs / 1000),
      stepsS: times.map((t) => round(t / 1000)),
      cpuS: round(median(cpus) / 1000),
      minorFaultsPerStep: median(faults),
      phasesS: Object.fromEntries(PHASES.map((p) => [p, round(median(phases.map((x) => x[p])) / 1000, 4)])),
      gcPerStep: {
        major: round(gcMajor, 2),
        majorPauseMs: round(gcMajorMs, 1),
        allPauseMs: round(gcAllMs, 1),
      },
      masMs: round(masMs, 1),
      masShare: round(masMs / stepMs),
      loader: loader
        ? {
            batches: loader.batches,
            meanFrames: round(loader.meanFrames, 1),
            firstEpochMsPerBatch: round(loader.firstEpochMs, 1),
            cachedMsPerBatch: round(loader.cachedMs, 1),
            firstEpochMsPer400Frames: round(loaderPer400 as number, 1),
            cachedMsPer400Frames: round(cachedPer400 as number, 1),
          }
        : { error: data.note ?? 'no data' },
      loaderShare: loaderPer400 === null ? null : round(loaderPer400 / stepMs),
      loaderShareCached: cachedPer400 === null ? null : round(cachedPer400 / stepMs, 4),
      rounds: roundRows,
      reference:
        size !== 'ljspeech'
          ? null
          : coquiMs === null
            ? {
                what: 'Coqui 0.22 Glow-TTS',
                error: 'missing' in reference ? reference.missing : 'every run failed',
              }
            : {
                what: "Coqui 0.22 Glow-TTS at these shapes, measured in this run's alternating rounds",
                stepS: round(coquiMs / 1000),
                stepsS: coquiTimes.map((t) => round(t / 1000)),
                cpuS: round(median(coquiCpus) / 1000),
                minorFaultsPerStep: median(coquiRows.map((c) => c.minflt_per_step as number)),
                ratio: round(stepMs / coquiMs),
                cpuRatio: round(median(cpus) / median(coquiCpus)),
                roundRatios: roundRows.map((r) => r.ratio ?? null),
                phasesS: coquiRows.at(-1)?.phases_s ?? null,
                inferMelS: round(median(coquiRows.map((c) => c.infer_mel_s as number))),
                inferGriffinLimS: round(median(coquiRows.map((c) => c.infer_gl_s as number))),
                targetRatio: TARGET_RATIO,
                meetsTarget: stepMs <= coquiMs * TARGET_RATIO,
              },
    });
  }
  optimizer.zeroGrad();
  model.eval();
  fixDurations(model);
  model.storeInverse();
  for (const threads of threadList) {
    torch.setNumThreads(threads);
    const inf = timeInference(model);
    const row = results.get(threads) as Record<string, unknown>;
    row.inference = {
      tokens: TOKENS,
      frames: inf.frames,
      audioS: round(inf.audioS),
      melS: round(inf.melS),
      griffinLimS: round(inf.griffinLimS),
      rtfMel: round(inf.melS / inf.audioS, 4),
      rtfMelGriffinLim: round((inf.melS + inf.griffinLimS) / inf.audioS, 4),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  for (const t of Object.values(batch)) if (torch.isTensor(t)) t.dispose();
  if ('dispose' in optimizer && typeof optimizer.dispose === 'function') optimizer.dispose();
}

// ----- the table (stderr, so that stdout stays JSON lines)
const cell = (v: unknown) => (v === null || v === undefined || Number.isNaN(v) ? '-' : String(v));
const pct = (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '-');
const header = [
  'size',
  'params',
  'thr',
  'step s',
  'cpu s',
  'GC/step',
  'GC ms',
  'MAS ms',
  'MAS %',
  'load ms/b',
  'load %',
  'cached %',
  'RTF mel',
  'RTF +GL',
  'Coqui s',
  'ratio',
  'Coqui cpu',
  'cpu ratio',
];
const table = rows.map((r) => {
  const ref = r.reference as { stepS?: number; ratio?: number; cpuS?: number; cpuRatio?: number } | null;
  const gc = r.gcPerStep as { major: number; majorPauseMs: number };
  const loader = r.loader as { firstEpochMsPerBatch?: number };
  const inf = r.inference as { rtfMel: number; rtfMelGriffinLim: number };
  return [
    r.size,
    `${((r.params as number) / 1e6).toFixed(2)}M`,
    r.threads,
    r.stepS,
    r.cpuS,
    gc.major,
    gc.majorPauseMs,
    r.masMs,
    pct(r.masShare),
    cell(loader.firstEpochMsPerBatch),
    pct(r.loaderShare),
    pct(r.loaderShareCached),
    inf.rtfMel,
    inf.rtfMelGriffinLim,
    cell(ref?.stepS),
    cell(ref?.ratio),
    cell(ref?.cpuS),
    cell(ref?.cpuRatio),
  ].map(cell);
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
const out = [
  '',
  `Glow-TTS, batch ${BATCH} x ${TOKENS} tokens x ${FRAMES} frames, ${cores} cores, ${round((performance.now() - startedAt) / 1000, 1)} s, ` +
    `load average ${loadBefore} before the run${loadBefore > 0.5 ? ' (other processes share the CPU: times are inflated)' : ''}` +
    (hogs ? `, ${hogs} busy-looping process(es) beside it (--hog)` : ''),
  line(header),
  ...table.map(line),
  '',
  'step s: median train step (forward + MAS + loss + backward + clip + RAdam). MAS %: maximumPath / step.',
  `load: TTSDataset first-epoch ms per batch of ${BATCH} (demo data: wav read + mel); load %: that scaled to`,
  `${FRAMES}-frame items / step; cached %: the same in later epochs (mels cached in memory).`,
  `RTF: compute s / audio s for ${TOKENS} tokens -> ${TOKENS * FRAMES_PER_TOKEN} frames (mel only; with Griffin-Lim).`,
  'cpu s: median process CPU seconds per step (all threads). GC/step, GC ms: V8 full collections per timed step',
  'and their pause ms. Coqui s / cpu: Coqui 0.22 at the same shapes, measured in the same run (alternating',
  `rounds, median over all its timed steps); ratio = ribbit / Coqui (target <= ${TARGET_RATIO}).`,
];
if (!data.dir) out.push(`data loading not measured: ${data.note}`);
if (sizes.includes('ljspeech') && 'missing' in reference)
  out.push(`Coqui not measured: ${reference.missing}`);
process.stderr.write(`${out.join('\n')}\n`);
