// VITS layers: shapes, zero inputs, masking, flow invertibility, the spline transform, the spectrogram
// functions, random segments, the noise source and the config checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { PosteriorEncoder, ResidualCouplingBlocks, TextEncoder } from '../../src/tts/layers/vits/networks.ts';
import {
  melBasisCacheSize,
  specToMel,
  vitsMelBasis,
  wavToMel,
  wavToSpec,
} from '../../src/tts/layers/vits/spectrogram.ts';
import {
  ConvFlow,
  DilatedDepthSeparableConv,
  ElementwiseAffine,
  StochasticDurationPredictor,
} from '../../src/tts/layers/vits/stochastic_duration_predictor.ts';
import { rationalQuadraticSpline } from '../../src/tts/layers/vits/transforms.ts';
import { ReplayNoise } from '../../src/tts/utils/noise.ts';
import { randSegments, segment } from '../../src/tts/utils/segments.ts';

torch.manualSeed(0);

const maxAbs = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());
const mask = (lengths: number[], t: number): Tensor =>
  torch.tidy(() =>
    torch.arange(0, t).unsqueeze(0).lt(torch.tensor(lengths).unsqueeze(1)).unsqueeze(1).float(),
  );
/** Large random values at the padded positions (mask 0) of x `[B, C, T]`. */
const garbage = (x: Tensor, m: Tensor): Tensor =>
  torch.tidy(() => x.mul(m).add(torch.randnLike(x).mul(50).mul(m.rsub(1))));
/** Draws that are all zeros (posterior z = m_q, SDP noise 0). */
const zeroNoise = (...shapes: number[][]) => new ReplayNoise(shapes.map((s) => torch.zeros(s)));

/** Random spline parameters `[..., K]` (derivatives `[..., K - 1]`) for inputs of `shape`. */
function splineParams(shape: number[], k: number, scale: number) {
  return {
    unnormalizedWidths: torch.randn([...shape, k]).mul(scale),
    unnormalizedHeights: torch.randn([...shape, k]).mul(scale),
    unnormalizedDerivatives: torch.randn([...shape, k - 1]).mul(scale),
  };
}

test('spline: equal bins with unit knot derivatives are the identity; outside the bound too', () => {
  const x = torch.linspace(-7, 7, 29).reshape(1, 29);
  // softplus(c) + 1e-3 = 1 at every inner knot, as at the two boundary knots
  const c = Math.log(Math.exp(1 - 1e-3) - 1);
  const zero = { ...splineParams([1, 29], 10, 0) };
  zero.unnormalizedDerivatives = torch.full([1, 29, 9], c);
  const { outputs, logabsdet } = rationalQuadraticSpline(x, zero, { tailBound: 5 });
  assert.ok(maxAbs(outputs, x) < 1e-5);
  assert.ok(logabsdet.abs().max().item() < 1e-5);
  const p = splineParams([1, 29], 10, 2);
  const moved = rationalQuadraticSpline(x, p, { tailBound: 5 });
  const outside = x.abs().gt(5);
  assert.equal(maxAbs(moved.outputs.mul(outside), x.mul(outside)), 0);
  assert.equal(moved.logabsdet.mul(outside).abs().max().item(), 0);
  assert.ok(maxAbs(moved.outputs.mul(outside.logicalNot()), x.mul(outside.logicalNot())) > 0.01);
});

test('spline: inverse(forward(x)) = x, log|det| of the inverse = -log|det|, log|det| = log dy/dx', () => {
  const x = torch.rand([3, 40], { dtype: 'float64' }).mul(9.8).sub(4.9);
  const p32 = splineParams([3, 40], 10, 1.5);
  const p = {
    unnormalizedWidths: p32.unnormalizedWidths.double(),
    unnormalizedHeights: p32.unnormalizedHeights.double(),
    unnormalizedDerivatives: p32.unnormalizedDerivatives.double(),
  };
  const fwd = rationalQuadraticSpline(x, p, { tailBound: 5 });
  const inv = rationalQuadraticSpline(fwd.outputs, p, { tailBound: 5, inverse: true });
  assert.ok(maxAbs(inv.outputs, x) < 1e-9, `round trip ${maxAbs(inv.outputs, x)}`);
  assert.ok(maxAbs(inv.logabsdet, fwd.logabsdet.neg()) < 1e-9);
  // central difference of the map
  const h = 1e-6;
  const up = rationalQuadraticSpline(x.add(h), p, { tailBound: 5 }).outputs;
  const down = rationalQuadraticSpline(x.sub(h), p, { tailBound: 5 }).outputs;
  const numeric = up
    .sub(down)
    .div(2 * h)
    .log();
  assert.ok(maxAbs(numeric, fwd.logabsdet) < 1e-4, `logdet vs numeric ${maxAbs(numeric, fwd.logabsdet)}`);
  // monotonic increasing
  const xs = torch.linspace(-5, 5, 200, { dtype: 'float64' }).reshape(1, 200).expand(3, 200).contiguous();
  const ys = rationalQuadraticSpline(xs, {
    unnormalizedWidths: p.unnormalizedWidths.slice(1, 0, 1).expand(3, 200, 10),
    unnormalizedHeights: p.unnormalizedHeights.slice(1, 0, 1).expand(3, 200, 10),
    unnormalizedDerivatives: p.unnormalizedDerivatives.slice(1, 0, 1).expand(3, 200, 9),
  }).outputs;
  assert.ok(
    ys
      .slice(1, 1)
      .sub(ys.slice(1, 0, 199))
      .min()
      .item() > 0,
  );
});

test('spline: gradients are finite inside and outside the bound', () => {
  const x = torch.tensor([-9, -5, -1, 0, 2.5, 5, 8]).reshape(1, 7).requiresGrad_(true);
  const p = splineParams([1, 7], 10, 1);
  p.unnormalizedWidths.requiresGrad_(true);
  const { outputs, logabsdet } = rationalQuadraticSpline(x, p, { tailBound: 5 });
  outputs.sum().add(logabsdet.sum()).backward();
  assert.ok((x.grad as Tensor).isfinite().all().item());
  assert.ok((p.unnormalizedWidths.grad as Tensor).isfinite().all().item());
});

test('DDSConv: shape, padded positions zero, residual identity when the convs are zero', () => {
  const dds = new DilatedDepthSeparableConv(6, 3, 3, 0);
  const m = mask([9, 5], 9);
  const x = torch.randn([2, 6, 9]);
  const y = dds.forward(x, m);
  assert.deepEqual(y.shape, [2, 6, 9]);
  assert.equal(y.mul(m.rsub(1)).abs().max().item(), 0);
  torch.noGrad(() => {
    for (const p of dds.convs1x1.parameters()) p.zero_();
    for (const n of dds.norms2.parameters()) n.zero_();
  });
  assert.ok(maxAbs(dds.forward(x, m), x.mul(m)) < 1e-6);
});

test('ElementwiseAffine and ConvFlow: invertible, masked, logdet', () => {
  const m = mask([11, 6], 11);
  const x = torch.randn([2, 2, 11]).mul(m);
  const g = torch.randn([2, 16, 11]);
  const ea = new ElementwiseAffine(2);
  const cf = new ConvFlow({ inChannels: 2, hiddenChannels: 16, kernelSize: 3, numLayers: 3 });
  // ElementwiseAffine starts as the identity; ConvFlow's zero projection still bends the spline (inner knot
  // derivatives softplus(0) + 1e-3), as in Coqui
  const init = ea.forward(x, m, g, false);
  assert.equal(maxAbs(init.z, x), 0);
  assert.equal((init.logdet as Tensor).abs().max().item(), 0);
  torch.noGrad(() => {
    ea.logScale.normal_(0, 0.5);
    ea.translation.normal_(0, 0.5);
    cf.proj.weight.normal_(0, 0.3);
    (cf.proj.bias as Tensor).normal_(0, 0.3);
  });
  for (const f of [ea, cf]) {
    const { z, logdet } = f.forward(x, m, g, false);
    assert.deepEqual(z.shape, [2, 2, 11]);
    assert.deepEqual((logdet as Tensor).shape, [2]);
    assert.ok(maxAbs(z, x) > 1e-2, `${f.constructor.name} moves x`);
    assert.equal(z.mul(m.rsub(1)).abs().max().item(), 0);
    const back = f.forward(z, m, g, true);
    assert.equal(back.logdet, null);
    assert.ok(maxAbs(back.z, x) < 1e-4, `${f.constructor.name} round trip ${maxAbs(back.z, x)}`);
  }
  // ElementwiseAffine: logdet = sum(log_scale) * valid frames
  const want = ea.logScale.sum().mul(m.sum([1, 2]));
  assert.ok(maxAbs(ea.forward(x, m, null, false).logdet as Tensor, want) < 1e-5);
});

test('StochasticDurationPredictor: nll per item, reverse log-durations, masking', () => {
  const sdp = new StochasticDurationPredictor({
    inChannels: 8,
    hiddenChannels: 16,
    kernelSize: 3,
    dropoutP: 0,
  });
  const m = mask([7, 4], 7);
  const x = torch.randn([2, 8, 7]);
  const d = torch.randint(1, 6, [2, 1, 7]).float().mul(m);
  const nll = sdp.forward(x, m, d, { noise: zeroNoise([2, 2, 7]) });
  assert.deepEqual(nll.shape, [2]);
  assert.ok(nll.isfinite().all().item());
  // padded positions of x and of the durations do not matter
  const again = sdp.forward(garbage(x, m), m, garbage(d, m), { noise: zeroNoise([2, 2, 7]) });
  assert.ok(maxAbs(again, nll) < 1e-4, `padding changes the nll by ${maxAbs(again, nll)}`);
  // reverse: [B, 1, T], zero at padded positions, deterministic with noise scale 0
  const logw = sdp.reverse(x, m, 0);
  assert.deepEqual(logw.shape, [2, 1, 7]);
  assert.equal(logw.mul(m.rsub(1)).abs().max().item(), 0);
  assert.equal(maxAbs(sdp.reverse(x, m, 0), logw), 0);
  assert.ok(maxAbs(sdp.reverse(x, m, 1), logw) > 0);
  // once the zero-initialised projections moved, the nll is differentiable in every parameter
  torch.noGrad(() => {
    for (const [name, p] of sdp.namedParameters())
      if (/proj\.|translation|log_scale/.test(name)) p.normal_(0, 0.1);
  });
  sdp.forward(x, m, d).sum().backward();
  const without = [...sdp.namedParameters()]
    .filter(([, p]) => p.grad === null || p.grad.abs().sum().item() === 0)
    .map(([n]) => n);
  assert.deepEqual(without, []);
});

test('TextEncoder: shapes, masking, language embedding channels', () => {
  const enc = new TextEncoder({
    numChars: 12,
    outChannels: 6,
    hiddenChannels: 8,
    hiddenChannelsFfn: 16,
    numHeads: 2,
    numLayers: 2,
    kernelSize: 3,
    dropoutP: 0.1,
  });
  enc.eval();
  const tokens = torch
    .tensor([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 0, 0],
    ])
    .long();
  const lengths = torch.tensor([5, 3]).long();
  const out = enc.forward(tokens, lengths);
  assert.deepEqual(out.x.shape, [2, 8, 5]);
  assert.deepEqual(out.mP.shape, [2, 6, 5]);
  assert.deepEqual(out.logsP.shape, [2, 6, 5]);
  assert.deepEqual(out.xMask.shape, [2, 1, 5]);
  for (const t of [out.x, out.mP, out.logsP]) assert.equal(t.mul(out.xMask.rsub(1)).abs().max().item(), 0);
  // padded token ids do not change the valid positions
  const other = enc.forward(
    torch
      .tensor([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 11],
      ])
      .long(),
    lengths,
  );
  assert.ok(maxAbs(other.mP, out.mP) < 1e-5);
  const withLang = new TextEncoder({
    numChars: 12,
    outChannels: 6,
    hiddenChannels: 8,
    hiddenChannelsFfn: 16,
    numHeads: 2,
    numLayers: 1,
    kernelSize: 3,
    dropoutP: 0,
    languageEmbDim: 4,
  });
  const lo = withLang.forward(tokens, lengths, torch.randn([2, 4, 1]));
  assert.deepEqual(lo.x.shape, [2, 12, 5]);
  assert.deepEqual(lo.mP.shape, [2, 6, 5]);
});

test('PosteriorEncoder: shapes, z = m_q with zero noise, zero spectrogram, masking', () => {
  const pe = new PosteriorEncoder(10, 6, { hiddenChannels: 8, kernelSize: 5, dilationRate: 1, numLayers: 3 });
  const lengths = torch.tensor([9, 5]).long();
  const m = mask([9, 5], 9);
  const y = torch.rand([2, 10, 9]).mul(m);
  const out = pe.forward(y, lengths, null, zeroNoise([2, 6, 9]));
  assert.deepEqual(out.z.shape, [2, 6, 9]);
  assert.deepEqual(out.yMask.shape, [2, 1, 9]);
  assert.equal(maxAbs(out.z, out.mQ.mul(out.yMask)), 0);
  for (const t of [out.z, out.mQ, out.logsQ]) assert.equal(t.mul(m.rsub(1)).abs().max().item(), 0);
  // a zero spectrogram gives the biases' image; padded frames stay zero
  const zero = pe.forward(torch.zeros([2, 10, 9]), lengths, null, zeroNoise([2, 6, 9]));
  assert.ok(zero.z.isfinite().all().item());
  assert.equal(zero.z.mul(m.rsub(1)).abs().max().item(), 0);
  // the sample moves with the noise: z = m_q + eps * exp(logs_q)
  const eps = torch.randn([2, 6, 9]);
  const sampled = pe.forward(y, lengths, null, new ReplayNoise([eps]));
  assert.ok(maxAbs(sampled.z, out.mQ.add(eps.mul(out.logsQ.exp())).mul(m)) < 1e-5);
});

test('ResidualCouplingBlocks: identity at init (4 flips cancel), invertible, masked, conditioned', () => {
  const flow = new ResidualCouplingBlocks(8, {
    hiddenChannels: 12,
    kernelSize: 5,
    dilationRate: 1,
    numLayers: 2,
    condChannels: 3,
  });
  assert.equal(flow.flows.length, 4);
  const m = mask([10, 7], 10);
  const x = torch.randn([2, 8, 10]).mul(m);
  const g = torch.randn([2, 3, 1]);
  assert.ok(maxAbs(flow.forward(x, m, g), x) < 1e-6);
  torch.noGrad(() => {
    for (const f of flow.flows) {
      f.post.weight.normal_(0, 0.2);
      (f.post.bias as Tensor).normal_(0, 0.2);
    }
  });
  const z = flow.forward(x, m, g);
  assert.ok(maxAbs(z, x) > 1e-2);
  assert.equal(z.mul(m.rsub(1)).abs().max().item(), 0);
  assert.ok(maxAbs(flow.forward(z, m, g, true), x) < 1e-5);
  assert.ok(maxAbs(flow.forward(x, m, g.neg()), z) > 1e-3, 'the speaker condition matters');
});

test('spectrogram functions: frame count, zero input, mel basis cached per parameters', () => {
  const p = { nFft: 256, hopLength: 64, winLength: 256 };
  const n = 1000;
  const spec = wavToSpec(torch.zeros([2, 1, n]), p);
  const frames = Math.floor((n + 2 * ((256 - 64) / 2) - 256) / 64) + 1;
  assert.deepEqual(spec.shape, [2, 129, frames]);
  // sqrt(0 + 1e-6)
  assert.ok(maxAbs(spec, torch.fullLike(spec, 1e-3)) < 1e-9);
  const mel = { numMels: 20, sampleRate: 16000, fmin: 0, fmax: null };
  const m1 = specToMel(spec, { ...mel, nFft: 256 });
  assert.deepEqual(m1.shape, [2, 20, frames]);
  // constant spectrum: ln(clamp(rowsum(basis) * 1e-3, 1e-5)) per band
  const basis = vitsMelBasis({ ...mel, nFft: 256 }, spec);
  const want = basis.sum(1).mul(1e-3).clampMin(1e-5).log().reshape(1, 20, 1).expand(2, 20, frames);
  assert.ok(maxAbs(m1, want) < 1e-5);
  // a different nFft with the same fmax gets its own basis (Coqui's cache would reuse the first one)
  const before = melBasisCacheSize();
  const wide = wavToMel(torch.randn([1, 1, 2000]).mul(0.1), {
    nFft: 512,
    hopLength: 128,
    winLength: 512,
    ...mel,
  });
  assert.deepEqual(wide.shape[1], 20);
  assert.equal(melBasisCacheSize(), before + 1);
  // a sine's energy lands in the mel band of its frequency
  const sr = 16000;
  const t = torch.arange(0, 4000).float().div(sr);
  const sine = t
    .mul(2 * Math.PI * 1000)
    .sin()
    .mul(0.5)
    .reshape(1, 1, 4000);
  const sm = wavToMel(sine, { ...p, ...mel });
  const peak = sm.mean(2).argmax(1).item();
  const bands = sm.mean(2).squeeze(0).toArray();
  assert.ok(bands[peak] > bands[0] + 5, 'a clear peak');
});

test('segment and randSegments: windows, short items, start bounds', () => {
  const x = torch
    .arange(0, 2 * 3 * 10)
    .float()
    .reshape(2, 3, 10);
  const s = segment(x, [2, 7], 3);
  assert.equal(maxAbs(s.slice(0, 0, 1), x.slice(0, 0, 1).slice(2, 2, 5)), 0);
  assert.equal(maxAbs(s.slice(0, 1, 2), x.slice(0, 1, 2).slice(2, 7, 10)), 0);
  assert.throws(() => segment(x, [0, 8], 3), /exceeds/);
  const padded = segment(x, [0, 8], 3, true);
  assert.equal(padded.slice(0, 1, 2).slice(2, 2, 3).abs().max().item(), 0);
  // u -> 1: the last full window of each item; an item shorter than the window starts at 0
  const lengths = torch.tensor([10, 2]).long();
  const { segments, starts } = randSegments(x, lengths, 4, new ReplayNoise([torch.tensor([0.9999, 0.9999])]));
  assert.deepEqual(starts.toArray(), [6, 0]);
  assert.deepEqual(segments.shape, [2, 3, 4]);
  const first = randSegments(x, lengths, 4, new ReplayNoise([torch.tensor([0, 0.5])]));
  assert.deepEqual(first.starts.toArray(), [0, 0]);
  // global generator: starts stay in range
  for (let i = 0; i < 20; i++) {
    const r = randSegments(x, torch.tensor([10, 7]).long(), 4).starts.toArray();
    assert.ok(r[0] >= 0 && r[0] <= 6 && r[1] >= 0 && r[1] <= 3, `${r}`);
  }
});

test('ReplayNoise: replays in order, checks shapes, reports exhaustion', () => {
  const a = torch.randn([2, 3]);
  const noise = new ReplayNoise([a]);
  assert.throws(() => noise.randn([3, 2], 'prior', a), /asks for \[3, 2\], recorded \[2, 3\]/);
  assert.equal(maxAbs(noise.randn([2, 3], 'prior', a), a), 0);
  assert.equal(noise.remaining, 0);
  assert.throws(() => noise.rand([2], 'segments', a), /only 1 were recorded/);
});

test('VitsConfig: defaults, model_args mirrored to the top level, consistency checks', () => {
  const c = VitsConfig.create({ modelArgs: { numSpeakers: 3, useSpeakerEmbedding: true } });
  assert.equal(c.model, 'vits');
  assert.equal(c.modelArgs.hiddenChannels, 192);
  assert.equal(c.modelArgs.outChannels, 513);
  assert.equal(c.melLossAlpha, 45);
  assert.deepEqual(c.gradClip, [1000, 1000]);
  assert.equal(c.audio.doTrimSilence, false);
  assert.equal(c.numSpeakers, 3);
  assert.equal(c.useSpeakerEmbedding, true);
  assert.throws(() => VitsConfig.create({ audio: { fftSize: 512, winLength: 512 } }), /outChannels/);
  assert.throws(() => VitsConfig.create({ audio: { hopLength: 200 } }), /upsampleRatesDecoder/);
  assert.throws(() => VitsConfig.create({ modelArgs: { useSpeakerEmbedding: true, useDVectorFile: true } }));
});
