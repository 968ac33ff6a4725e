// Layer tests of the vocoder networks: output shapes, zero inputs, Coqui state-dict names, weight-norm folding,
// spectral norm's power iteration, and the PQMF filter bank against scipy's firwin.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { Conv1d } from '../../src/torch/nn/index.ts';
import { spectralNorm } from '../../src/torch/nn/spectral_norm.ts';
import { PQMF } from '../../src/vocoder/layers/pqmf.ts';
import { HifiganDiscriminator } from '../../src/vocoder/models/hifigan_discriminator.ts';
import { HifiganGenerator, type HifiganGeneratorArgs } from '../../src/vocoder/models/hifigan_generator.ts';
import { MelganMultiscaleDiscriminator } from '../../src/vocoder/models/melgan_discriminator.ts';
import {
  FullbandMelganGenerator,
  MelganGenerator,
  MultibandMelganGenerator,
} from '../../src/vocoder/models/melgan_generator.ts';

const finite = (t: Tensor) => torch.tidy(() => t.isfinite().all().item() === 1);
const maxAbs = (a: Tensor, b: Tensor) => torch.tidy(() => a.sub(b).abs().max().item());

function smallHifigan(resblockType: '1' | '2'): HifiganGenerator {
  const args: HifiganGeneratorArgs = {
    inChannels: 8,
    outChannels: 1,
    resblockType,
    resblockKernelSizes: [3, 7],
    resblockDilationSizes:
      resblockType === '1'
        ? [
            [1, 3, 5],
            [1, 3, 5],
          ]
        : [
            [1, 3],
            [1, 3],
          ],
    upsampleKernelSizes: [8, 4],
    upsampleInitialChannel: 16,
    upsampleFactors: [4, 2],
  };
  return new HifiganGenerator(args);
}

for (const type of ['1', '2'] as const) {
  test(`HiFiGAN generator (resblock type ${type}): shapes, zero input, key layouts, weight-norm folding`, () => {
    torch.manualSeed(1);
    const g = smallHifigan(type);
    g.eval();
    const x = torch.randn([2, 8, 5]);
    const y = torch.noGrad(() => g.forward(x));
    assert.deepEqual(y.shape, [2, 1, 5 * 8]);
    assert.ok(torch.tidy(() => y.abs().max().item()) < 1);
    const z = torch.noGrad(() => g.forward(torch.zeros([1, 8, 3])));
    assert.deepEqual(z.shape, [1, 1, 24]);
    assert.ok(finite(z));
    const inf = g.inference(x);
    assert.deepEqual(inf.shape, [2, 1, (5 + 2 * 5) * 8]);
    const keys = [...g.stateDict().keys()];
    const convs = type === '1' ? ['convs1.0', 'convs2.2'] : ['convs.0', 'convs.1'];
    for (const k of [
      'conv_pre.weight_g',
      'ups.1.weight_v',
      `resblocks.3.${convs[1]}.weight_g`,
      'conv_post.bias',
    ]) {
      assert.ok(keys.includes(k), k);
    }
    const para = [...g.stateDict({ weightNormKeys: 'parametrizations' }).keys()];
    assert.ok(para.includes(`resblocks.0.${convs[0]}.parametrizations.weight.original0`));
    // ConvTranspose1d weight norm is over dim 0 = input channels: g [C_in, 1, 1]
    assert.deepEqual(g.stateDict().get('ups.0.weight_g')?.shape, [16, 1, 1]);
    g.removeWeightNorm();
    assert.ok(![...g.stateDict().keys()].some((k) => k.endsWith('_g') || k.endsWith('_v')));
    assert.ok(maxAbs(g.inference(x), inf) < 1e-6);
  });
}

test('MelGAN generator: shape, zero input, Coqui key names (Sequential indices), weight-norm folding', () => {
  torch.manualSeed(2);
  const g = new MelganGenerator({
    inChannels: 8,
    baseChannels: 32,
    upsampleFactors: [4, 2],
    numResBlocks: 2,
  });
  g.eval();
  const x = torch.randn([2, 8, 6]);
  const y = torch.noGrad(() => g.forward(x));
  assert.deepEqual(y.shape, [2, 1, 6 * 8]);
  assert.ok(finite(torch.noGrad(() => g.forward(torch.zeros([1, 8, 4])))));
  assert.deepEqual(g.inference(x).shape, [2, 1, (6 + 4) * 8]);
  const keys = [...g.stateDict().keys()];
  // 0 pad, 1 conv, [2 lrelu, 3 upconv, 4 stack] x 2, 8 lrelu, 9 pad, 10 conv, 11 tanh
  for (const k of [
    'layers.1.weight_g',
    'layers.3.weight_v',
    'layers.4.blocks.1.2.weight_g',
    'layers.4.blocks.1.4.weight_v',
    'layers.7.shortcuts.0.weight_g',
    'layers.10.bias',
  ]) {
    assert.ok(keys.includes(k), k);
  }
  const before = g.inference(x);
  g.removeWeightNorm();
  assert.ok(keys.length > g.stateDict().size);
  assert.ok(maxAbs(g.inference(x), before) < 1e-6);
});

test('multi-band MelGAN: 4 sub-bands at a quarter rate, PQMF synthesis at inference, PQMF buffers in the state dict', () => {
  torch.manualSeed(3);
  const g = new MultibandMelganGenerator({
    inChannels: 8,
    baseChannels: 32,
    upsampleFactors: [4, 2],
    numResBlocks: 1,
  });
  g.eval();
  const x = torch.randn([1, 8, 6]);
  const sub = torch.noGrad(() => g.forward(x));
  assert.deepEqual(sub.shape, [1, 4, 6 * 8]);
  assert.deepEqual(g.inference(x).shape, [1, 1, (6 + 4) * 8 * 4]);
  assert.deepEqual(g.pqmfSynthesis(sub).shape, [1, 1, 6 * 32]);
  const sd = g.stateDict();
  assert.deepEqual(sd.get('pqmf_layer.H')?.shape, [4, 1, 63]);
  assert.deepEqual(sd.get('pqmf_layer.G')?.shape, [1, 4, 63]);
  assert.deepEqual(sd.get('pqmf_layer.updown_filter')?.shape, [4, 4, 4]);
  assert.ok(finite(torch.noGrad(() => g.forward(torch.zeros([1, 8, 4])))));
});

test('full-band MelGAN: waveform output, 4 residual blocks per stack by default', () => {
  const g = new FullbandMelganGenerator({ inChannels: 8, baseChannels: 16, upsampleFactors: [2, 2] });
  const y = torch.noGrad(() => g.forward(torch.zeros([1, 8, 16])));
  assert.deepEqual(y.shape, [1, 1, 64]);
  assert.ok(finite(y));
  assert.ok(g.stateDict().has('layers.4.blocks.3.2.weight_g'));
});

test("PQMF: filters equal scipy firwin + cosine modulation; analysis and synthesis equal Coqui's", () => {
  const ref = JSON.parse(readFileSync('tests/fixtures/vocoder/pqmf_filters.json', 'utf8')) as {
    H: number[][];
    G: number[][];
    analysis: number[][];
    synthesis: number[];
  };
  const p = new PQMF();
  assert.ok(maxAbs(p.H.squeeze(1), torch.tensor(ref.H.flat(), { shape: [4, 63] }).float()) < 1e-7);
  assert.ok(maxAbs(p.G.squeeze(0), torch.tensor(ref.G.flat(), { shape: [4, 63] }).float()) < 1e-7);
  // analysis and synthesis of a test signal equal Coqui's PQMF run by python3-torch (fixture generator notes)
  const n = ref.synthesis.length;
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++)
    s[i] = 0.5 * Math.sin(0.05 * i) + 0.3 * Math.sin(0.9 * i) + 0.2 * Math.sin(2.1 * i);
  const x = torch.tensor(s, { shape: [1, 1, n] });
  const bands = p.analysis(x);
  assert.deepEqual(bands.shape, [1, 4, n / 4]);
  assert.ok(
    maxAbs(bands.squeeze(0), torch.tensor(ref.analysis.flat(), { shape: [4, n / 4] }).float()) < 1e-5,
  );
  const y = p.synthesis(bands);
  assert.deepEqual(y.shape, [1, 1, n]);
  assert.ok(maxAbs(y.reshape([n]), torch.tensor(ref.synthesis).float()) < 1e-5);
});

test('HiFiGAN discriminator (narrow widths): 8 sub-discriminators, shapes, zero input, Coqui key names', () => {
  torch.manualSeed(5);
  const d = new HifiganDiscriminator({
    periodChannels: [2, 4, 4, 4, 4],
    scaleChannels: [16, 16, 16, 16, 16, 16, 16],
  });
  d.eval();
  const y = torch.randn([2, 1, 300]).mul(0.1);
  const out = torch.noGrad(() => d.forward(y));
  assert.equal(out.scores.length, 8);
  assert.deepEqual(
    out.feats.map((f) => f.length),
    [6, 6, 6, 6, 6, 8, 8, 8],
  );
  out.scores.forEach((s, i) => {
    assert.equal(s.shape[0], 2);
    assert.equal(s.shape[1], out.feats[i][out.feats[i].length - 1].numel / 2);
  });
  // period 7: 300 is reflect-padded to 301 = 43 x 7
  assert.equal(out.feats[3][0].shape[3], 7);
  const zero = torch.noGrad(() => d.forward(torch.zeros([1, 1, 64])));
  assert.ok(zero.scores.every(finite));
  const keys = [...d.stateDict().keys()];
  for (const k of [
    'mpd.discriminators.4.convs.0.weight_g',
    'mpd.discriminators.0.conv_post.weight_v',
    'msd.discriminators.0.convs.1.weight_orig',
    'msd.discriminators.0.convs.1.weight_u',
    'msd.discriminators.0.conv_post.weight_v',
    'msd.discriminators.2.convs.6.weight_g',
  ]) {
    assert.ok(keys.includes(k), k);
  }
  // Coqui's default widths when none are given
  const full = new HifiganDiscriminator();
  assert.deepEqual(full.getTensor('mpd.discriminators.0.convs.3.weight_v')?.shape, [1024, 512, 5, 1]);
  assert.deepEqual(full.getTensor('msd.discriminators.1.convs.2.weight_v')?.shape, [256, 8, 41]);
});

test('spectral norm: σ(W / σ) = 1 after power iterations; u, v move only in training mode', () => {
  torch.manualSeed(6);
  const c = spectralNorm(new Conv1d(3, 5, 4));
  const u0 = c.getBuffer('weight_u')?.clone() as Tensor;
  c.eval();
  torch.noGrad(() => c.forward(torch.randn([1, 3, 8])));
  assert.equal(maxAbs(c.getBuffer('weight_u') as Tensor, u0), 0);
  c.train();
  for (let i = 0; i < 50; i++) torch.noGrad(() => c.forward(torch.randn([1, 3, 8])));
  assert.ok(maxAbs(c.getBuffer('weight_u') as Tensor, u0) > 0);
  // the normalised weight's largest singular value is 1 (power iteration converged)
  const w = torch.noGrad(() => c.weight.reshape([5, -1]));
  const gram = w.matmul(w.transpose(0, 1)); // eigenvalues = σ²
  let v = torch.ones([5, 1]);
  for (let i = 0; i < 200; i++) v = gram.matmul(v).div(gram.matmul(v).norm());
  const sigma2 = v.transpose(0, 1).matmul(gram).matmul(v).item();
  assert.ok(Math.abs(Math.sqrt(sigma2) - 1) < 1e-4, `σ = ${Math.sqrt(sigma2)}`);
});

test('MelGAN multi-scale discriminator: per-scale scores and 6 feature maps each, Coqui key names', () => {
  torch.manualSeed(7);
  const d = new MelganMultiscaleDiscriminator({
    baseChannels: 4,
    maxChannels: 16,
    downsampleFactors: [4, 4, 4],
  });
  const out = torch.noGrad(() => d.forward(torch.randn([2, 1, 512]).mul(0.1)));
  assert.equal(out.scores.length, 3);
  assert.deepEqual(
    out.feats.map((f) => f.length),
    [6, 6, 6],
  );
  assert.deepEqual(
    out.scores.map((s) => s.shape),
    [
      [2, 1, 8],
      [2, 1, 5],
      [2, 1, 3],
    ],
  );
  assert.ok(torch.noGrad(() => d.forward(torch.zeros([1, 1, 256]))).scores.every(finite));
  const keys = [...d.stateDict().keys()];
  for (const k of [
    'discriminators.0.layers.0.1.weight_g',
    'discriminators.1.layers.3.0.weight_v',
    'discriminators.2.layers.4.0.weight_g',
    'discriminators.2.layers.5.weight_v',
  ]) {
    assert.ok(keys.includes(k), k);
  }
});
