// Glow-TTS layers: shapes, zero inputs, masking, flow invertibility, loss limits, and that training moves
// every parameter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { ActNorm, LayerNorm } from '../../src/tts/layers/generic/normalization.ts';
import { WN } from '../../src/tts/layers/generic/wavenet.ts';
import { Decoder, squeeze, unsqueeze } from '../../src/tts/layers/glow_tts/decoder.ts';
import { DurationPredictor } from '../../src/tts/layers/glow_tts/duration_predictor.ts';
import { Encoder } from '../../src/tts/layers/glow_tts/encoder.ts';
import { CouplingBlock, InvConvNear } from '../../src/tts/layers/glow_tts/glow.ts';
import { RelativePositionTransformer } from '../../src/tts/layers/glow_tts/transformer.ts';
import { GlowTTSLoss } from '../../src/tts/layers/losses.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';
import { generatePath, maximumPath, maximumPathArrays } from '../../src/tts/utils/helpers.ts';

torch.manualSeed(0);

const maxAbs = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());
const mask = (lengths: number[], t: number): Tensor =>
  torch.tidy(() =>
    torch.arange(0, t).unsqueeze(0).lt(torch.tensor(lengths).unsqueeze(1)).unsqueeze(1).float(),
  );
/** Random values at padded positions (mask 0) of x `[B, C, T]`. */
const garbage = (x: Tensor, m: Tensor): Tensor =>
  torch.tidy(() => x.mul(m).add(torch.randnLike(x).mul(50).mul(m.rsub(1))));

function smallConfig() {
  // 8 mel channels keep the tests small; a run config needs audio.numMels >= 10, so the architecture
  // fields are set after validation (the model itself reads only outChannels).
  const config = GlowTTSConfig.create({
    numChars: 20,
    audio: { numMels: 10 },
    outChannels: 10,
    hiddenChannelsEnc: 16,
    hiddenChannelsDec: 16,
    hiddenChannelsDp: 16,
    numFlowBlocksDec: 2,
    numBlockLayers: 2,
    encoderParams: {
      kernelSize: 3,
      dropoutP: 0.1,
      numLayers: 1,
      numHeads: 2,
      hiddenChannelsFfn: 32,
      relAttnWindowSize: 4,
    },
    dataDepInitSteps: 0,
  });
  return { ...config, outChannels: 8 };
}

test('LayerNorm: shape, zero input gives beta', () => {
  const ln = new LayerNorm(6);
  const y = ln.forward(torch.zeros([2, 6, 5]));
  assert.deepEqual(y.shape, [2, 6, 5]);
  assert.equal(maxAbs(y, ln.beta.expand(2, 6, 5)), 0);
});

test('flow layers are invertible and logdet(reverse) = -logdet(forward)', () => {
  const m = mask([7, 4], 7);
  const x = torch.randn([2, 8, 7]).mul(m);
  const act = new ActNorm(8);
  torch.noGrad(() => {
    act.logs.normal_(0, 0.3);
    act.bias.normal_(0, 0.3);
  });
  const inv = new InvConvNear(8, 4);
  const coupling = new CouplingBlock(8, 16, 5, 1, 2);
  torch.noGrad(() => {
    coupling.end.weight.normal_(0, 0.1);
    coupling.end.bias?.normal_(0, 0.1);
  });
  const layers = [
    { name: 'ActNorm', f: (t: Tensor, r: boolean) => act.forward(t, m, r) },
    { name: 'InvConvNear', f: (t: Tensor, r: boolean) => inv.forward(t, m, r) },
    { name: 'CouplingBlock', f: (t: Tensor, r: boolean) => coupling.forward(t, m, r) },
  ];
  torch.noGrad(() => {
    for (const { name, f } of layers) {
      const fwd = f(x, false);
      assert.deepEqual(fwd.z.shape, [2, 8, 7], name);
      assert.deepEqual(fwd.logdet?.shape, [2], name);
      assert.ok(maxAbs(fwd.z, x) > 1e-3, `${name} is not the identity`);
      const back = f(fwd.z, true);
      assert.equal(back.logdet, null);
      assert.ok(maxAbs(back.z, x) < 1e-5, `${name}: reverse(forward(x)) != x (${maxAbs(back.z, x)})`);
      // logdet of the reverse map at z is -logdet of the forward map at x (all three are volume-exact)
      const jac = fwd.logdet as Tensor;
      assert.ok(Number.isFinite(jac.sum().item()), name);
    }
    // whole decoder (squeeze + flows + unsqueeze)
    const dec = new Decoder(4, 16, 5, 1, 2, 2);
    for (const f of dec.flows) if (f instanceof CouplingBlock) f.end.weight.normal_(0, 0.1);
    const mm = mask([8, 6], 8);
    const y = torch.randn([2, 4, 8]).mul(mm);
    const { z, logdet } = dec.forward(y, mm);
    const { z: yBack } = dec.forward(z, mm, null, true);
    assert.ok(maxAbs(yBack, y) < 1e-5, `decoder reverse(forward(y)) != y (${maxAbs(yBack, y)})`);
    // reverse direction's log-determinant: -logdet, checked through ActNorm's closed form
    const actOnly = new ActNorm(8);
    actOnly.logs.normal_(0, 0.3);
    const f1 = actOnly.forward(x, m);
    const xLen = m.sum([1, 2]);
    assert.ok(maxAbs((f1.logdet as Tensor).neg(), actOnly.logs.neg().sum().mul(xLen)) < 1e-5);
    assert.deepEqual(logdet?.shape, [2]);
  });
});

test('squeeze/unsqueeze round trip and channel layout', () => {
  const x = torch
    .arange(0, 2 * 3 * 6)
    .reshape(2, 3, 6)
    .float();
  const { x: s, xMask } = squeeze(x, null, 2);
  assert.deepEqual(s.shape, [2, 6, 3]);
  assert.deepEqual(xMask.shape, [2, 1, 3]);
  // channel s * C + c of step t = channel c of frame 2t + s
  assert.equal(
    s
      .select(0, 0)
      .select(0, 3 + 1)
      .select(0, 2)
      .item(),
    x.select(0, 0).select(0, 1).select(0, 5).item(),
  );
  assert.equal(maxAbs(unsqueeze(s, null, 2).x, x), 0);
});

test('masks are respected: padded inputs change nothing', () => {
  torch.noGrad(() => {
    const m = mask([9, 5], 9);
    const tr = new RelativePositionTransformer(16, 16, 16, 32, 2, 2, { kernelSize: 3, relAttnWindowSize: 4 });
    tr.eval();
    const x = torch.randn([2, 16, 9]);
    assert.deepEqual(tr.forward(x, m).shape, [2, 16, 9]);
    assert.ok(maxAbs(tr.forward(x, m), tr.forward(garbage(x, m), m)) < 1e-5, 'transformer');
    const dp = new DurationPredictor(16, 16, 3, 0.1);
    dp.eval();
    assert.deepEqual(dp.forward(x, m).shape, [2, 1, 9]);
    assert.equal(maxAbs(dp.forward(x, m), dp.forward(garbage(x, m), m)), 0, 'duration predictor');
    const wn = new WN(16, 16, 5, 1, 2);
    assert.ok(maxAbs(wn.forward(x.mul(m), m), wn.forward(garbage(x, m).mul(m), m)) < 1e-6, 'WN');
    const enc = new Encoder(20, 8, 16, 16, 'rel_pos_transformer', smallConfig().encoderParams, {
      meanOnly: true,
    });
    enc.eval();
    const ids = torch.randint(1, 20, [2, 9]);
    const lens = torch.tensor([9, 5], { dtype: 'int64' });
    const ids2 = ids.clone();
    ids2.select(0, 1).slice(0, 5).fill_(7);
    const a = enc.forward(ids, lens);
    const b = enc.forward(ids2, lens);
    assert.deepEqual(a.xM.shape, [2, 8, 9]);
    assert.deepEqual(a.logw.shape, [2, 1, 9]);
    assert.ok(maxAbs(a.xM, b.xM) < 1e-5 && maxAbs(a.logw, b.logw) < 1e-5, 'encoder');
    assert.equal(a.xM.select(0, 1).slice(1, 5).abs().max().item(), 0, 'padded tokens are zero');
  });
});

test('all-zero inputs give finite outputs of the right shapes', () => {
  const model = new GlowTTS(smallConfig());
  model.eval();
  const x = torch.zeros([2, 6], { dtype: 'int64' });
  const xl = torch.tensor([6, 3], { dtype: 'int64' });
  const y = torch.zeros([2, 10, 8]);
  const yl = torch.tensor([10, 7], { dtype: 'int64' });
  const out = torch.noGrad(() => model.forward(x, xl, y, yl));
  assert.deepEqual(out.z.shape, [2, 10, 8]);
  assert.deepEqual(out.alignments.shape, [2, 10, 6]);
  assert.deepEqual(out.durationsLog.shape, [2, 6, 1]);
  for (const t of Object.values(out)) assert.ok(Number.isFinite((t as Tensor).sum().item()));
  // every valid frame is aligned to exactly one token (item 1: 7 floored to 6 frames)
  assert.deepEqual(out.alignments.sum(2).toList(), [Array(10).fill(1), [...Array(6).fill(1), 0, 0, 0, 0]]);
  const inf = model.inference(x, { xLengths: xl });
  assert.equal(inf.modelOutputs.size(2), 8);
  assert.ok(Number.isFinite(inf.modelOutputs.sum().item()));
});

test('MAS: monotonic, one token per frame, every token used; generatePath from durations', () => {
  const v = torch.randn([3, 5, 12]);
  const m = torch.ones([3, 5, 12]);
  const p = maximumPath(v, m);
  const cols = p.sum(1).toList() as number[][];
  for (const c of cols) assert.ok(c.every((s) => s === 1));
  const rows = p.sum(2).toList() as number[][];
  for (const r of rows) assert.ok(r.every((s) => s >= 1));
  // the path regenerated from its durations is itself
  assert.equal(maxAbs(generatePath(p.sum(2), m), p), 0);
});

test('MAS timing for [16, 100, 400]', () => {
  const b = 16;
  const tx = 100;
  const ty = 400;
  const value = new Float32Array(b * tx * ty).map(() => Math.random() * 10 - 5);
  const m = new Float32Array(b * tx * ty).fill(1);
  maximumPathArrays(value, m, b, tx, ty);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) maximumPathArrays(value, m, b, tx, ty);
  const ms = (performance.now() - t0) / 5;
  console.log(`maximumPath [16, 100, 400]: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000);
});

test('GlowTTSLoss limits: perfect prior fit and exact durations give 0.5 log(2 pi) + 0.5 and 0', () => {
  const z = torch.randn([2, 6, 4]);
  const loss = new GlowTTSLoss().forward(
    z,
    z.add(torch.randnLike(z).mul(0)),
    torch.zeros([2, 6, 4]),
    torch.zeros([2]),
    torch.tensor([6, 6], { dtype: 'int64' }),
    torch.ones([2, 3, 1]),
    torch.ones([2, 3, 1]),
    torch.tensor([3, 3], { dtype: 'int64' }),
  );
  assert.ok(Math.abs(loss.logMle.item() - 0.5 * Math.log(2 * Math.PI)) < 1e-6);
  assert.equal(loss.lossDur.item(), 0);
  // positive logdet lowers the NLL by logdet / (frames * C)
  const l2 = new GlowTTSLoss().forward(
    z,
    z,
    torch.zeros([2, 6, 4]),
    torch.full([2], 4.8),
    torch.tensor([6, 6], { dtype: 'int64' }),
    torch.ones([2, 3, 1]),
    torch.ones([2, 3, 1]),
    torch.tensor([3, 3], { dtype: 'int64' }),
  );
  assert.ok(Math.abs(l2.logMle.item() - (0.5 * Math.log(2 * Math.PI) - 9.6 / 48)) < 1e-6);
  assert.throws(() =>
    new GlowTTSLoss().forward(
      z,
      z,
      torch.full([2, 6, 4], Number.NaN),
      torch.zeros([2]),
      torch.tensor([6, 6], { dtype: 'int64' }),
      torch.ones([2, 3, 1]),
      torch.ones([2, 3, 1]),
      torch.tensor([3, 3], { dtype: 'int64' }),
    ),
  );
});

test('ActNorm data-dependent init via onTrainStepStart normalises the first batch', () => {
  const config = { ...smallConfig(), dataDepInitSteps: 1 };
  const model = new GlowTTS(config);
  model.train();
  model.onTrainStepStart({ step: 0 });
  assert.equal(model.runDataDepInit, true);
  const batch = {
    textInput: torch.randint(1, 20, [2, 5]),
    textLengths: torch.tensor([5, 4], { dtype: 'int64' }),
    melInput: torch.randn([2, 12, 8]).mul(3).add(2),
    melLengths: torch.tensor([12, 10], { dtype: 'int64' }),
  };
  const act = model.decoder.flows.get(0) as ActNorm;
  const before = act.logs.clone();
  model.trainStep(batch, model.getCriterion());
  assert.ok(maxAbs(act.logs, before) > 0.1, 'ActNorm logs set from data');
  assert.equal(act.initialized, true);
  model.onTrainStepStart({ step: 1 });
  assert.equal(model.runDataDepInit, false);
});

test('two identical models: 5 optimizer steps on one change every parameter', () => {
  const config = smallConfig();
  const a = new GlowTTS(config);
  const b = new GlowTTS(config);
  b.loadStateDict(a.stateDict());
  // exactly-zero init layers (coupling `end`, prenet `proj`) open the gradient path after the first step
  a.train();
  const criterion = a.getCriterion();
  const params = a.parameters();
  // Adam without bias correction, written inline (RAdam from src/torch/optim once it lands): steps of ~lr
  // for every parameter with a non-zero gradient, however small that gradient is.
  const lr = 1e-3;
  const moments = params.map((p) => ({
    m: torch.keep(torch.zerosLike(p)),
    v: torch.keep(torch.zerosLike(p)),
  }));
  for (let step = 0; step < 5; step++) {
    const batch = {
      textInput: torch.randint(1, 20, [2, 6]),
      textLengths: torch.tensor([6, 5], { dtype: 'int64' }),
      melInput: torch.randn([2, 14, 8]),
      melLengths: torch.tensor([14, 11], { dtype: 'int64' }),
    };
    torch.tidy(() => {
      const { lossDict } = a.trainStep(batch, criterion);
      lossDict.loss.backward();
    });
    torch.noGrad(() =>
      torch.tidy(() => {
        params.forEach((p, i) => {
          const g = p.grad;
          if (g === null) return;
          const { m, v } = moments[i];
          m.mul_(0.9).add_(g, 0.1);
          v.mul_(0.998).addcmul_(g, g, 0.002);
          p.addcdiv_(m, v.sqrt().add(1e-12), -lr);
          g.zero_();
        });
      }),
    );
  }
  const sdA = a.stateDict();
  const sdB = b.stateDict();
  const unchanged: string[] = [];
  for (const [name, p] of a.namedParameters()) {
    if (maxAbs(p, sdB.get(name) as Tensor) === 0) unchanged.push(name);
  }
  // A bias on the attention keys adds q.b to a whole score row: softmax is invariant to it, so its gradient
  // is exactly zero in any softmax attention (Coqui's too); only weight decay moves it.
  for (const name of unchanged.splice(0)) {
    if (!/attn_layers\.\d+\.conv_k\.bias$/.test(name)) unchanged.push(name);
  }
  assert.deepEqual(unchanged, [], `parameters that did not train: ${unchanged.join(', ')}`);
  assert.equal(sdA.size, sdB.size);
});
