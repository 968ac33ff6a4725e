// Shared TTS utilities of aligning models (src/tts/utils/alignment.ts, helpers.ts) and the dashboard logs helper
// (src/tts/utils/logging.ts); device placement where libtorch has CUDA.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';
import {
  attentionMask,
  expandPrior,
  gaussianLogLikelihood,
  monotonicAlignment,
  paddingMask,
} from '../../src/tts/utils/alignment.ts';
import { generatePath, maximumPath, sequenceMask } from '../../src/tts/utils/helpers.ts';
import { createTTSLogs, logTTSOutputs } from '../../src/tts/utils/logging.ts';

const cuda = torch.cudaIsAvailable();

function gradOf(t: Tensor): Tensor {
  assert.ok(t.grad, 'a gradient');
  return t.grad;
}

function maxAbs(a: Tensor, b: Tensor): number {
  return torch.tidy(() => a.double().sub(b.double()).abs().max().item());
}

test('sequenceMask / paddingMask / attentionMask: shapes, values, dtype', () => {
  const lengths = torch.tensor([3, 1, 4], { dtype: 'int64' });
  assert.deepEqual(sequenceMask(lengths).toList(), [
    [true, true, true, false],
    [true, false, false, false],
    [true, true, true, true],
  ]);
  assert.deepEqual(sequenceMask(lengths, 5).shape, [3, 5]);
  assert.deepEqual(sequenceMask(torch.tensor([1.5, 2]), 3).toList(), [
    [true, true, false],
    [true, true, false],
  ]);
  const x = paddingMask(lengths, 5);
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(x.shape, [3, 1, 5]);
  assert.deepEqual(x.sum([1, 2]).toList(), [3, 1, 4]);
  assert.equal(paddingMask(lengths, undefined, 'float64').dtype, 'float64');
  const y = paddingMask(torch.tensor([2, 6, 0], { dtype: 'int64' }), 6);
  const a = attentionMask(x, y);
  assert.deepEqual(a.shape, [3, 1, 5, 6]);
  assert.deepEqual(a.sum([1, 2, 3]).toList(), [3 * 2, 1 * 6, 0]);
});

test('gaussianLogLikelihood equals the sum over channels of log N(z; mean, exp(logScale))', () => {
  torch.manualSeed(7);
  const [b, c, tx, ty] = [2, 3, 4, 5];
  const z = torch.randn([b, c, ty]);
  const mean = torch.randn([b, c, tx]);
  const logScale = torch.randn([b, c, tx]).mul(0.3);
  const got = gaussianLogLikelihood(z, mean, logScale);
  assert.deepEqual(got.shape, [b, tx, ty]);
  // direct: -0.5 log(2 pi) - logs - 0.5 ((z - m) / exp(logs))^2, broadcast [B, C, T_en, T_de], summed over C
  const zz = z.unsqueeze(2);
  const m = mean.unsqueeze(3);
  const ls = logScale.unsqueeze(3);
  const direct = zz
    .sub(m)
    .div(ls.exp())
    .square()
    .mul(-0.5)
    .sub(ls)
    .add(-0.5 * Math.log(2 * Math.PI))
    .sum([1]);
  // float32 with values of order 10: 1e-4 absolute covers the different summation order.
  assert.ok(maxAbs(got, direct) < 1e-4, `max abs ${maxAbs(got, direct)}`);
});

test('monotonicAlignment: a monotonic path inside the mask, no gradient, scores returned', () => {
  torch.manualSeed(3);
  const z = torch.randn([2, 4, 9], { requiresGrad: true });
  const mean = torch.randn([2, 4, 3], { requiresGrad: true });
  const logScale = torch.zeros([2, 4, 3]);
  const xMask = paddingMask(torch.tensor([3, 2], { dtype: 'int64' }), 3);
  const yMask = paddingMask(torch.tensor([9, 6], { dtype: 'int64' }), 9);
  const attnMask = attentionMask(xMask, yMask);
  const { path, logp } = monotonicAlignment(z, mean, logScale, attnMask);
  assert.deepEqual(path.shape, [2, 1, 3, 9]);
  assert.equal(path.requiresGrad, false);
  assert.equal(maxAbs(logp, gaussianLogLikelihood(z, mean, logScale)), 0);
  // each valid frame has exactly one token; tokens appear in order; padding is empty
  assert.deepEqual(path.sum([1, 2]).toList(), [Array(9).fill(1), [...Array(6).fill(1), 0, 0, 0]]);
  const p = path.squeeze(1).argmax(1).toList() as number[][];
  for (const row of p) for (let j = 1; j < row.length; j++) assert.ok(row[j] >= row[j - 1] || row[j] === 0);
  assert.deepEqual(path.squeeze(1).sum(2).gt(0).toList(), [
    [true, true, true],
    [true, true, false],
  ]);
  assert.equal(maxAbs(path.squeeze(1), maximumPath(logp, attnMask.squeeze(1))), 0);
});

test('expandPrior copies each token statistic to its frames; duration target log(1 + frames)', () => {
  const durations = torch.tensor([[2, 1, 3]]);
  const xMask = torch.ones([1, 1, 3]);
  const attn = generatePath(durations, torch.ones([1, 3, 6])).unsqueeze(1); // [1, 1, 3, 6]
  const oMean = torch.tensor([[[1, 2, 3]]]); // [B=1, C=1, T_en=3]
  const oLogScale = torch.tensor([[[-1, 0, 1]]]);
  const { yMean, yLogScale, oAttnDur } = expandPrior(attn, oMean, oLogScale, xMask);
  assert.deepEqual(yMean.toList(), [[[1, 1, 2, 3, 3, 3]]]);
  assert.deepEqual(yLogScale.toList(), [[[-1, -1, 0, 1, 1, 1]]]);
  assert.ok(maxAbs(oAttnDur, torch.tensor([[[Math.log(3), Math.log(2), Math.log(4)]]])) < 1e-6);
});

test('expandPrior equals the alignment product attn^T @ stats (values and gradients), padding frames 0', () => {
  torch.manualSeed(5);
  const xLens = torch.tensor([5, 3], { dtype: 'int64' });
  const yLens = torch.tensor([9, 6], { dtype: 'int64' });
  const xMask = paddingMask(xLens, 5);
  const attnMask = attentionMask(xMask, paddingMask(yLens, 9)); // [2, 1, 5, 9]
  const attn = maximumPath(torch.randn([2, 5, 9]), attnMask.squeeze(1)).unsqueeze(1);
  const mean = torch.randn([2, 4, 5]).requiresGrad_(true);
  const logScale = torch.randn([2, 4, 5]).requiresGrad_(true);
  const upstream = torch.randn([2, 4, 9]);
  const run = (product: boolean) =>
    torch.tidy(() => {
      mean.grad = null;
      logScale.grad = null;
      const a = attn.squeeze(1).transpose(1, 2); // [B, T_de, T_en]
      const out = product
        ? {
            yMean: a.matmul(mean.transpose(1, 2)).transpose(1, 2),
            yLogScale: a.matmul(logScale.transpose(1, 2)).transpose(1, 2),
          }
        : expandPrior(attn, mean, logScale, xMask);
      out.yMean.mul(upstream).add(out.yLogScale.mul(upstream.square())).sum().backward();
      return [out.yMean, out.yLogScale, gradOf(mean), gradOf(logScale)].map((t) => torch.keep(t));
    });
  const got = run(false);
  const want = run(true);
  for (const [i, t] of got.entries()) {
    assert.ok(maxAbs(t, want[i] as Tensor) < 1e-6, `tensor ${i}: ${maxAbs(t, want[i] as Tensor)}`);
  }
  assert.equal(
    torch.tidy(() => (got[0] as Tensor).slice(2, 6, 9).select(0, 1).abs().sum().item()),
    0,
  );
});

function tinyGlow(): GlowTTS {
  const config = GlowTTSConfig.create({
    numChars: 20,
    audio: { numMels: 10, griffinLimIters: 10 },
    outChannels: 10,
    hiddenChannelsEnc: 16,
    hiddenChannelsDec: 16,
    hiddenChannelsDp: 16,
    numFlowBlocksDec: 2,
    numBlockLayers: 2,
    encoderParams: { numLayers: 1, numHeads: 2, hiddenChannelsFfn: 32 },
    dataDepInitSteps: 0,
  });
  return new GlowTTS(config);
}

test('createTTSLogs + logTTSOutputs: prediction, ground truth, alignment figures and audio; mode kept', () => {
  torch.manualSeed(1);
  const model = tinyGlow();
  model.train();
  const batch = {
    tokenIds: torch.tensor(
      [
        [1, 2, 3, 4, 5],
        [6, 7, 8, 0, 0],
      ],
      { dtype: 'int64' },
    ),
    tokenIdsLengths: torch.tensor([5, 3], { dtype: 'int64' }),
    mel: torch.randn([2, 12, 10]),
    melLengths: torch.tensor([10, 12], { dtype: 'int64' }),
  };
  const outputs = torch.noGrad(() => {
    const b = model.formatBatch(batch);
    return model.forward(b.textInput, b.textLengths, b.melInput, b.melLengths);
  });
  const figures = new Map<string, { height: number; width: number; data: Float32Array }>();
  const audios = new Map<string, { samples: Float32Array; sampleRate: number }>();
  const logger = {
    scalar() {},
    figure(tag: string, fig: { data: Float32Array; height: number; width: number }) {
      figures.set(tag, fig);
    },
    audio(tag: string, samples: Float32Array, sampleRate: number) {
      audios.set(tag, { samples, sampleRate });
    },
  };
  model.trainLog(model.formatBatch(batch), outputs, logger, 7);
  assert.equal(model.training, true, 'trainLog restores training mode');
  assert.deepEqual([...figures.keys()].sort(), ['train/alignment', 'train/ground_truth', 'train/prediction']);
  assert.deepEqual([...audios.keys()], ['train/audio']);
  const gt = figures.get('train/ground_truth')!;
  assert.deepEqual([gt.height, gt.width], [10, 10], 'ground truth [C, melLength of item 0]');
  assert.equal(figures.get('train/prediction')!.height, 10);
  const al = figures.get('train/alignment')!;
  assert.deepEqual([al.height, al.width], [5, 12], 'alignment [T_en, T_de]');
  for (const f of figures.values()) {
    assert.equal(f.data.length, f.height * f.width);
    assert.ok(f.data.every(Number.isFinite));
  }
  const audio = audios.get('train/audio')!;
  assert.equal(audio.sampleRate, model.ap.sampleRate);
  assert.equal(audio.samples.length, model.ap.hopLength * (figures.get('train/prediction')!.width - 1));
  // Without alignments: no alignment figure; direct use of the helper.
  const logs = createTTSLogs(model, model.formatBatch(batch));
  assert.deepEqual(Object.keys(logs.figures).sort(), ['ground_truth', 'prediction']);
  figures.clear();
  logTTSOutputs(logger, 'eval', 1, logs);
  assert.deepEqual([...figures.keys()].sort(), ['eval/ground_truth', 'eval/prediction']);
});

test('device: masks, paths and Glow-TTS inference stay on the input device', {
  skip: !cuda && 'no CUDA',
}, async () => {
  const dev = 'cuda';
  const lengths = torch.tensor([3, 5], { dtype: 'int64', device: dev });
  assert.equal(sequenceMask(lengths).device, 'cuda:0');
  assert.equal(paddingMask(lengths, 6).device, 'cuda:0');
  const d = torch.tensor([[1, 2, 2]], { device: dev });
  assert.equal(generatePath(d, torch.ones([1, 3, 5], { device: dev })).device, 'cuda:0');
  const model = tinyGlow().to(dev);
  model.eval();
  const x = torch.tensor([[1, 2, 3, 4]], { dtype: 'int64', device: dev });
  const out = model.inference(x, { speakerId: null });
  assert.equal(out.modelOutputs.device, 'cuda:0');
  assert.equal(out.yLengths.device, 'cuda:0');
  const y = torch.randn([1, 8, 10]).to(dev);
  const fwd = torch.noGrad(() =>
    model.forward(
      x,
      torch.tensor([4], { dtype: 'int64', device: dev }),
      y,
      torch.tensor([8], { device: dev, dtype: 'int64' }),
    ),
  );
  assert.equal(fwd.alignments.device, 'cuda:0');
  // Dashboard logs and test sentences of a CUDA model: Griffin-Lim runs on the CPU.
  const logs = createTTSLogs(model, {
    textInput: x,
    textLengths: torch.tensor([4], { dtype: 'int64', device: dev }),
    melInput: y,
    melLengths: torch.tensor([8], { dtype: 'int64', device: dev }),
  });
  assert.ok(logs.audio.length > 0 && logs.figures.prediction.height === 10);
  const test = await model.testRun(0);
  assert.ok(Object.keys(test.audios ?? {}).length > 0);
});
