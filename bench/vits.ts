// VITS speed, in ribbit and in Coqui's own Vits (python3-torch) on the same inputs in the same run:
// - one training step of both optimizers (Coqui's order: discriminator forward/backward/AdamW step on the
//   detached output, then the generator losses through the updated discriminator, backward and step), batch
//   `--batch` items of `--seconds` seconds with `--tokens` tokens each (spectrograms computed beforehand, as
//   Coqui's format_batch_on_device does before train_step);
// - inference real-time factor (seconds of compute per second of audio) for `--tokens` tokens;
// at the sizes of `--sizes` (demo: recipes/demo/vits.json; ljspeech: VitsArgs' defaults = Coqui's LJSpeech
// recipe, discriminator at Coqui's widths) on each of `--threads` (default 1,2).
// The Python side is Coqui TTS 0.22's Vits from /work/coqui-ref (RIBBIT_COQUI_REF; vendored sources + stubs),
// its discriminator built with the demo widths by mapping Coqui's hard-coded channel counts; it is skipped when
// RIBBIT_PYTHON (default /usr/bin/python3) cannot import it. `--rounds N` alternates N ribbit and Coqui runs per
// size and thread count (a fresh model each) and prints each round's ratios with the load average, then the
// medians of the per-round ratios, of wall seconds and of process CPU seconds (`cpu`: less disturbed by other
// processes on a shared machine).
//
//   npm run bench -- vits [--sizes demo,ljspeech] [--threads 1,2] [--batch 4] [--seconds 2] [--tokens 60] [--iters 3]
//                         [--rounds 1]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadConfig } from '../src/config/index.ts';
import * as torch from '../src/torch/index.ts';
import type { TrainerOptimizer } from '../src/trainer/api.ts';
import { VitsConfig } from '../src/tts/configs/vits_config.ts';
import { Vits } from '../src/tts/models/vits.ts';
import { argOr } from './args.ts';

const sizes = argOr('sizes', 'demo').split(',');
const threadList = argOr('threads', '1,2').split(',').map(Number);
const batch = Number(argOr('batch', '4'));
const seconds = Number(argOr('seconds', '2'));
const tokens = Number(argOr('tokens', '60'));
const iters = Number(argOr('iters', '3'));
const rounds = Number(argOr('rounds', '1'));
const PYTHON = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
const COQUI = process.env.RIBBIT_COQUI_REF ?? '/work/coqui-ref';
const DEMO = new URL('../recipes/demo/vits.json', import.meta.url).pathname;

function configOf(size: string): VitsConfig {
  if (size === 'demo') return loadConfig(DEMO, { configClass: VitsConfig });
  if (size === 'ljspeech') return VitsConfig.create({ usePhonemes: true, phonemeLanguage: 'en-us' });
  throw new Error(`unknown size ${size} (demo, ljspeech)`);
}

/** Seconds per training step (both optimizers) and inference RTF, median of `iters` after a warm-up. */
function ribbit(config: VitsConfig): Timing & { numChars: number } {
  const model = new Vits(config, { speakerManager: null });
  const sr = config.audio.sampleRate;
  const samples = Math.round(seconds * sr);
  torch.manualSeed(0);
  const raw = {
    tokenIds: torch.randint(1, model.args.numChars, [batch, tokens]),
    tokenIdsLengths: torch.full([batch], tokens, { dtype: 'int64' }),
    waveform: torch.randn([batch, 1, samples]).mul(0.1),
    waveformRelLengths: torch.ones([batch]),
  };
  const b = model.formatBatch(raw);
  const optimizers = model.getOptimizer() as TrainerOptimizer[];
  const criterion = model.getCriterion();
  model.train();
  const step = () =>
    torch.tidy(() => {
      const outputs: unknown[] = [];
      for (const [idx, opt] of optimizers.entries()) {
        const r = model.trainStep(b, criterion, idx, outputs);
        outputs.push(r.outputs);
        r.lossDict.loss.backward();
        opt.step();
        opt.zeroGrad();
        for (const p of model.parameters()) p.grad = null;
      }
    });
  const stepTiming = timed(step, iters);
  model.eval();
  const x = torch.randint(1, model.args.numChars, [1, tokens]);
  const rtfs: number[] = [];
  for (let i = 0; i <= iters; i++) {
    const t0 = performance.now();
    const wav = model.inference(x).modelOutputs;
    const s = (performance.now() - t0) / 1000;
    if (i > 0) rtfs.push(s / (wav.size(2) / sr));
    wav.dispose();
  }
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  return {
    params,
    numChars: model.args.numChars,
    step: stepTiming.s,
    stepCpu: stepTiming.cpuS,
    rtf: median(rtfs),
  };
}

const PY = `
import sys, time, json
sys.path[:0] = [sys.argv[1], sys.argv[1] + '/vendor']
import stubs, torch
from torch import nn
from TTS.tts.configs.vits_config import VitsConfig, VitsArgs
from TTS.tts.models.vits import Vits, wav_to_spec, spec_to_mel
from TTS.tts.layers.vits.discriminator import VitsDiscriminator
args = json.loads(sys.argv[2])
threads, B, seconds, T_x, iters = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
torch.set_num_threads(threads)
torch.manual_seed(0)
scale, period = args.pop('scale_discriminator_channels'), args.pop('period_discriminator_channels')
config = VitsConfig(model_args=VitsArgs(**args, init_discriminator=False))
model = Vits(config)
# the discriminator at the given widths: Coqui's hard-coded channel counts mapped (groups clamped)
maps = {nn.Conv1d: dict(zip([16, 64, 256, 1024], scale[:4])), nn.Conv2d: dict(zip([32, 128, 512, 1024], period[:4]))}
inits = {cls: cls.__init__ for cls in maps}
def patched(cls):
    def init(self, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, *a, **kw):
        m = maps[cls]; cin, cout = m.get(cin, cin), m.get(cout, cout)
        inits[cls](self, cin, cout, k, stride, padding, dilation, min(groups, cin, cout), *a, **kw)
    return init
for cls in maps: cls.__init__ = patched(cls)
model.disc = VitsDiscriminator(periods=config.model_args.periods_multi_period_discriminator)
for cls in maps: cls.__init__ = inits[cls]
a = config.audio
sr = a.sample_rate
n = int(round(seconds * sr))
tokens = torch.randint(1, config.model_args.num_chars, (B, T_x))
waveform = torch.randn(B, 1, n) * 0.1
spec = wav_to_spec(waveform, a.fft_size, a.hop_length, a.win_length, center=False)
mel = spec_to_mel(spec, a.fft_size, a.num_mels, sr, a.mel_fmin, a.mel_fmax)
spec_lens = torch.full((B,), spec.size(2), dtype=torch.long)
batch = dict(tokens=tokens, token_lens=torch.full((B,), T_x, dtype=torch.long), spec=spec, spec_lens=spec_lens, mel=mel,
             waveform=waveform, d_vectors=None, speaker_ids=None, language_ids=None)
optimizers = model.get_optimizer()
criterion = model.get_criterion()
model.train()
def step():
    for idx, opt in enumerate(optimizers):
        _, loss_dict = model.train_step(batch, criterion, idx)
        loss_dict['loss'].backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    model.zero_grad(set_to_none=True)
times, cpu = [], []
for i in range(iters + 1):
    c0 = time.process_time(); t0 = time.perf_counter(); step(); t = time.perf_counter() - t0; c = time.process_time() - c0
    if i: times.append(t); cpu.append(c)
model.eval()
x = torch.randint(1, config.model_args.num_chars, (1, T_x))
rtfs = []
with torch.no_grad():
    for i in range(iters + 1):
        t0 = time.perf_counter(); wav = model.inference(x)['model_outputs']; t = time.perf_counter() - t0
        if i: rtfs.append(t / (wav.size(2) / sr))
med = lambda xs: sorted(xs)[len(xs) // 2]
print(json.dumps({'params': sum(p.numel() for p in model.parameters()), 'step': med(times), 'stepCpu': med(cpu), 'rtf': med(rtfs)}))
`;

import { median, timed } from './timing.ts';

/** Coqui's VitsArgs (snake_case) of a config's modelArgs, as Python keyword arguments. */
function coquiArgs(config: VitsConfig): Record<string, unknown> {
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const a = config.modelArgs;
  const keys = [
    'numChars',
    'hiddenChannels',
    'hiddenChannelsFfnTextEncoder',
    'numLayersTextEncoder',
    'numLayersPosteriorEncoder',
    'numLayersFlow',
    'specSegmentSize',
    'upsampleInitialChannelDecoder',
    'resblockKernelSizesDecoder',
    'resblockDilationSizesDecoder',
    'upsampleRatesDecoder',
    'upsampleKernelSizesDecoder',
    'periodsMultiPeriodDiscriminator',
    'scaleDiscriminatorChannels',
    'periodDiscriminatorChannels',
  ] as const;
  return Object.fromEntries(keys.map((k) => [snake(k), a[k]]));
}

/** Seconds per training step (wall, process CPU) and inference real-time factor. */
type Timing = { params: number; step: number; stepCpu: number; rtf: number };

function python(config: VitsConfig, threads: number): Timing | string {
  if (!existsSync(`${COQUI}/stubs.py`)) return `no Coqui reference at ${COQUI}`;
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      PY,
      COQUI,
      JSON.stringify(coquiArgs(config)),
      ...[threads, batch, seconds, tokens, iters].map(String),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) return `python failed: ${r.stderr.trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]);
}

console.log(
  `VITS: batch ${batch} x ${seconds} s, ${tokens} tokens; median of ${iters} after a warm-up (seconds; RTF = compute / audio)`,
);
const fmt = (xs: number[]) => (xs.length > 0 ? median(xs).toFixed(2) : '-');
for (const size of sizes) {
  const config = configOf(size);
  for (const threads of threadList) {
    torch.setNumThreads(threads);
    const ratios = {
      step: [] as number[],
      stepCpu: [] as number[],
      rtf: [] as number[],
      load: [] as number[],
    };
    for (let round = 1; round <= rounds; round++) {
      const mine = ribbit(config);
      // the same vocabulary size (ribbit takes it from the tokenizer)
      const ref = python({ ...config, modelArgs: { ...config.modelArgs, numChars: mine.numChars } }, threads);
      const load = Number(loadavg()[0].toFixed(2));
      ratios.load.push(load);
      const line = `${size.padEnd(8)} ${threads} thread(s) round ${round} load ${load}  params ${mine.params.toLocaleString('en-US')}  train step ${mine.step.toFixed(3)} s (cpu ${mine.stepCpu.toFixed(3)})  inference RTF ${mine.rtf.toFixed(3)}`;
      if (typeof ref === 'string') {
        console.log(`${line}  | Coqui: ${ref}`);
        continue;
      }
      for (const k of ['step', 'stepCpu', 'rtf'] as const) ratios[k].push(mine[k] / ref[k]);
      console.log(
        `${line}  | Coqui params ${ref.params.toLocaleString('en-US')} step ${ref.step.toFixed(3)} s (cpu ${ref.stepCpu.toFixed(3)}) (ratio ${(mine.step / ref.step).toFixed(2)}, cpu ${(mine.stepCpu / ref.stepCpu).toFixed(2)})  RTF ${ref.rtf.toFixed(3)} (ratio ${(mine.rtf / ref.rtf).toFixed(2)})`,
      );
    }
    if (rounds > 1)
      console.log(
        `${size.padEnd(8)} ${threads} thread(s) medians over ${rounds} rounds of ribbit / Coqui: step ${fmt(ratios.step)} (cpu ${fmt(ratios.stepCpu)})  RTF ${fmt(ratios.rtf)}  loads [${ratios.load.join(', ')}]`,
      );
  }
}
