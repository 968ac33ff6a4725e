// The GAN vocoder model: every parameter moves under its own optimizer only (two equal models, steps on one),
// multi-band MelGAN's PQMF path and sub-band loss, the discriminator warm-up skip, inference shapes and
// folding, registration, and `ribbit train --config-path` on a vocoder config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeWav } from '../../src/audio/wav.ts';
import { createModel } from '../../src/models/index.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import type { TrainerOptimizer } from '../../src/trainer/api.ts';
import { HifiganConfig, MultibandMelganConfig } from '../../src/vocoder/configs/index.ts';
import type { BaseGANVocoderConfig } from '../../src/vocoder/configs/shared_configs.ts';
import { GAN } from '../../src/vocoder/models/index.ts';

const audio = {
  sampleRate: 8000,
  fftSize: 256,
  winLength: 256,
  hopLength: 64,
  numMels: 16,
  doTrimSilence: false,
};
const l1Spec = {
  use_mel: true,
  sample_rate: 8000,
  n_fft: 256,
  hop_length: 64,
  win_length: 256,
  n_mels: 16,
  mel_fmin: 0,
  mel_fmax: null,
};

function smallHifigan(): BaseGANVocoderConfig {
  return HifiganConfig.create({
    audio,
    seqLen: 512,
    l1SpecLossParams: l1Spec,
    generatorModelParams: {
      upsample_factors: [8, 8],
      upsample_kernel_sizes: [16, 16],
      upsample_initial_channel: 16,
      resblock_kernel_sizes: [3, 5],
      resblock_dilation_sizes: [
        [1, 3, 5],
        [1, 3, 5],
      ],
      resblock_type: '1',
    },
    discriminatorModelParams: {
      period_channels: [2, 4, 4, 4, 4],
      scale_channels: [16, 16, 16, 16, 16, 16, 16],
    },
  });
}

function smallMultiband(): BaseGANVocoderConfig {
  return MultibandMelganConfig.create({
    audio,
    seqLen: 512,
    stepsToStartDiscriminator: 0,
    generatorModelParams: { upsample_factors: [4, 4], num_res_blocks: 1 },
    discriminatorModelParams: { base_channels: 4, max_channels: 16, downsample_factors: [4, 4] },
    stftLossParams: { n_ffts: [128, 256], hop_lengths: [16, 32], win_lengths: [64, 128] },
    subbandStftLossParams: { n_ffts: [64, 32], hop_lengths: [8, 4], win_lengths: [32, 16] },
    subbandStftLossWeight: 0.5,
  });
}

function batchOf(seed: number): { input: Tensor; waveform: Tensor } {
  torch.manualSeed(seed);
  return { input: torch.randn([2, 16, 8]), waveform: torch.randn([2, 1, 512]).mul(0.3).tanh() };
}

/** Runs optimizer `idx`'s step (after the discriminator step 0 of the same batch, as the Trainer does). */
function step(model: GAN, opts: TrainerOptimizer[], idx: number, batch: { input: Tensor; waveform: Tensor }) {
  const criterion = model.getCriterion();
  return torch.tidy(() => {
    let items: Record<string, number> = {};
    for (const i of [0, 1]) {
      const r = model.trainStep(model.formatBatch(batch), criterion, i);
      if (i !== idx || !r) continue;
      items = Object.fromEntries(Object.entries(r.lossDict).map(([k, v]) => [k, v.item()]));
      r.lossDict.loss.backward();
      torch.clipGradNorm(opts[i].parameters(), 5);
      opts[i].step();
      opts[i].zeroGrad();
      for (const p of model.parameters()) p.grad = null;
    }
    return items;
  });
}

for (const [name, make] of [
  ['HiFiGAN', smallHifigan],
  ['multi-band MelGAN', smallMultiband],
] as const) {
  test(`${name} GAN: each optimizer changes every parameter of its own network and none of the other`, () => {
    torch.manualSeed(11);
    const config = make();
    const model = new GAN(config, { log: () => {} });
    const copy = new GAN(config, { log: () => {} });
    copy.loadStateDict(model.stateDict(), { strict: true });
    model.train();
    model.trainDisc = true;
    const opts = model.getOptimizer() as TrainerOptimizer[];
    assert.equal(opts.length, 2);
    const ref = copy.namedParameters();
    const changed = (prefix: string) =>
      [...model.namedParameters()]
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, p]) =>
          torch.tidy(
            () =>
              p
                .sub(ref.get(k) as Tensor)
                .abs()
                .max()
                .item() > 0,
          ),
        );
    // optimizer 0: the discriminator only
    for (let s = 0; s < 3; s++) {
      const items = step(model, opts, 0, batchOf(s));
      assert.ok(Number.isFinite(items.loss) && items.loss > 0, `D loss ${items.loss}`);
    }
    assert.ok(changed('model_d.').every(Boolean), 'every discriminator parameter moves under optimizer 0');
    assert.ok(!changed('model_g.').some(Boolean), 'no generator parameter moves under optimizer 0');
    // optimizer 1: the generator only
    const before = new Map([...model.namedParameters()].map(([k, p]) => [k, p.clone()]));
    for (let s = 0; s < 3; s++) {
      const items = step(model, opts, 1, batchOf(10 + s));
      assert.ok(Number.isFinite(items.loss) && items.loss > 0, `G loss ${items.loss}`);
      if (name === 'multi-band MelGAN')
        assert.ok('G_subband_stft_loss_mg' in items && 'G_stft_loss_sc' in items);
    }
    for (const [k, p] of model.namedParameters()) {
      const moved = torch.tidy(
        () =>
          p
            .sub(before.get(k) as Tensor)
            .abs()
            .max()
            .item() > 0,
      );
      assert.equal(
        moved,
        k.startsWith('model_g.'),
        `${k} ${moved ? 'moved' : 'did not move'} under optimizer 1`,
      );
    }
  });
}

test('GAN: discriminator warm-up skips optimizer 0; the generator trains on spectral losses alone', () => {
  const model = new GAN(smallMultiband(), { log: () => {} });
  model.train();
  model.onTrainStepStart({ step: 0 } as never);
  assert.equal(model.trainDisc, true);
  const config = { ...smallMultiband(), stepsToStartDiscriminator: 5 };
  const warm = new GAN(config, { log: () => {} });
  warm.onTrainStepStart({ step: 4 } as never);
  assert.equal(warm.trainDisc, false);
  const criterion = warm.getCriterion();
  torch.tidy(() => {
    const b = warm.formatBatch(batchOf(1));
    assert.equal(warm.trainStep(b, criterion, 0), null);
    const g = warm.trainStep(b, criterion, 1);
    assert.ok(g);
    assert.ok(!('G_mse_fake_loss' in g.lossDict));
    assert.equal(g.lossDict.G_adv_loss.item(), 0);
    assert.ok(g.lossDict.loss.item() > 0);
  });
});

test('GAN inference: waveform [B, 1, (T + 2 pad) hop]; prepareForInference drops model_d and folds weight norm', () => {
  torch.manualSeed(3);
  const model = new GAN(smallHifigan(), { log: () => {} });
  model.eval();
  assert.equal(model.outputKind, 'waveform');
  const mel = torch.randn([1, 16, 6]);
  const out = model.inference(mel).modelOutputs;
  assert.deepEqual(out.shape, [1, 1, (6 + 10) * 64]);
  model.prepareForInference();
  assert.ok(![...model.stateDict().keys()].some((k) => k.startsWith('model_d.') || k.endsWith('_g')));
  assert.ok(torch.tidy(() => model.inference(mel).modelOutputs.sub(out).abs().max().item()) < 1e-6);
  const mb = new GAN(smallMultiband(), { log: () => {} });
  assert.deepEqual(mb.inference(mel).modelOutputs.shape, [1, 1, (6 + 4) * 64]);
});

test('createModel builds a GAN for every vocoder config', () => {
  for (const model of ['hifigan', 'melgan', 'multiband_melgan', 'fullband_melgan']) {
    const melgan = {
      generatorModel: 'melgan_generator',
      generatorModelParams: { upsample_factors: [8, 8], num_res_blocks: 1 },
    };
    const cfg: Record<string, unknown> =
      model === 'hifigan'
        ? smallHifigan()
        : { ...smallMultiband(), model, ...(model === 'multiband_melgan' ? {} : melgan) };
    const m = createModel(cfg);
    assert.ok(m instanceof GAN, model);
  }
});

test('ribbit train --config-path trains a HiFiGAN config on a folder of wavs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voc-train-'));
  const data = join(dir, 'wavs');
  mkdirSync(data);
  for (let i = 0; i < 5; i++) {
    const s = new Float32Array(3000);
    for (let t = 0; t < s.length; t++) s[t] = 0.3 * Math.sin(((200 + 40 * i) * 2 * Math.PI * t) / 8000);
    writeWav(join(data, `${i}.wav`), s, 8000);
  }
  const config = {
    ...smallHifigan(),
    dataPath: data,
    evalSplitSize: 1,
    batchSize: 2,
    evalBatchSize: 1,
    epochs: 1,
    outputPath: join(dir, 'out'),
    dashboardLogger: 'none',
    printStep: 1,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const bin = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
  const r = spawnSync(
    process.execPath,
    [bin, 'train', '--config-path', join(dir, 'config.json'), '--max-steps', '2'],
    {
      encoding: 'utf8',
      cwd: dir,
    },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /loss_0/);
  assert.match(r.stdout, /loss_1/);
  const runs = readdirSync(join(dir, 'out'));
  assert.equal(runs.length, 1);
  assert.ok(existsSync(join(dir, 'out', runs[0], 'config.json')));
});

test('GAN testRun vocodes the first eval file and returns its audio and mels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voc-test-run-'));
  const s = new Float32Array(2000);
  for (let t = 0; t < s.length; t++) s[t] = 0.3 * Math.sin((300 * 2 * Math.PI * t) / 8000);
  writeWav(join(dir, 'a.wav'), s, 8000);
  writeWav(join(dir, 'b.wav'), s, 8000);
  const model = new GAN({ ...smallHifigan(), dataPath: dir, evalSplitSize: 1 }, { log: () => {} });
  model.eval();
  const assets = model.testRun(0);
  const frames = 1 + Math.floor(2000 / 64);
  assert.equal(assets.sampleRate, 8000);
  assert.equal(assets.audios?.['test/audio'].length, (frames + 10) * 64);
  assert.equal(assets.figures?.['test/ground_truth_mel'].height, 16);
  assert.equal(assets.figures?.['test/ground_truth_mel'].width, frames);
});
