// End-to-end parity with Coqui TTS 0.22 VITS (shared parity README, section vits/): the discriminator's scores
// and features (discriminator.safetensors) and one training step per optimizer as Coqui's Trainer runs it
// (train_step.json / train_step.safetensors: 0 the discriminator, 1 the generator, AdamW, clip 1000).
//
// Tolerances (README "Tolerances"; sanity.json's float64 deviation is ~1e-6 for discriminator outputs, <= 3e-5
// for loss items around 100, <= 1e-7 for parameters after the step): discriminator tensors 1e-5 relative to
// the tensor's max; loss items 1e-5 relative; grad norms 1e-4 relative; parameters after each step 1e-6
// absolute; statistics of every changed state-dict entry: sum_sq and max_abs 1e-5 relative, sum against
// 1e-5 * sqrt(numel * sum_sq) (as for hifigan/).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import type { TrainerOptimizer } from '../../src/trainer/api.ts';
import { VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { withDiscriminatorWidthsOf } from '../../src/tts/layers/vits/discriminator.ts';
import { Vits, type VitsBatch, type VitsForwardOutput } from '../../src/tts/models/vits.ts';
import { ReplayNoise } from '../../src/tts/utils/noise.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const dir = join(parityDir, 'vits');
const skip = !existsSync(join(dir, 'train_step.json')) && 'VITS parity fixtures not found';

/**
 * Adam moves each weight by about +-lr whatever the gradient's size, so an element whose gradient is rounding
 * noise (|g| ~ 1e-8: the SDP's post-flow layer norms have a few) may step either way, here and in Coqui, and
 * from run to run with the threads' summation order: the statistics allow FLIPS such elements per entry
 * (each shifts the sum by 2 lr and the sum of squares by up to 4 lr max|w|). A wrong update moves far more.
 */
const FLIPS = 2;
const LR = 2e-4;

function load(name: string): Map<string, Tensor> {
  return loadTensors(join(dir, name)).tensors;
}

function get(m: Map<string, Tensor>, k: string): Tensor {
  const t = m.get(k);
  assert.ok(t, `fixture tensor ${k} missing`);
  return t;
}

function loadModel(): Vits {
  const weights = load('weights.safetensors');
  const config = loadConfig(join(dir, 'config.json'), { configClass: VitsConfig, onIgnored: () => {} });
  const model = new Vits(withDiscriminatorWidthsOf(config, weights));
  model.loadStateDict(weights, { strict: true });
  model.eval(); // the fixtures ran in eval mode (dropout off)
  return model;
}

function batchOf(inputs: Map<string, Tensor>): VitsBatch {
  return {
    tokens: get(inputs, 'tokens'),
    tokenLens: get(inputs, 'token_lens'),
    spec: get(inputs, 'spec'),
    specLens: get(inputs, 'spec_lens'),
    mel: get(inputs, 'mel'),
    waveform: get(inputs, 'waveform'),
  };
}

function forwardNoise(): ReplayNoise {
  const fwd = load('forward.safetensors');
  const draws: Tensor[] = [];
  for (let j = 0; fwd.has(`noise.${j}`); j++) draws.push(get(fwd, `noise.${j}`));
  return new ReplayNoise(draws);
}

function assertRelMax(name: string, a: Tensor, b: Tensor, rtol: number): void {
  assert.deepEqual(a.shape, b.shape, name);
  const [abs, scale] = torch.tidy(() => [
    a.double().sub(b.double()).abs().max().item(),
    b.double().abs().max().item(),
  ]);
  assert.ok(abs <= rtol * scale, `${name}: max abs ${abs} > ${rtol} * ${scale}`);
}

/** camelCase loss key -> Coqui's (lossDiscReal0 -> loss_disc_real_0). */
function coquiKey(k: string): string {
  return k
    .replace(/([A-Z])/g, '_$1')
    .replace(/(\D)(\d+)$/, '$1_$2')
    .toLowerCase();
}

test("the VITS discriminator matches Coqui's scores and features (fixture widths)", { skip }, () => {
  const model = loadModel();
  const fwd = load('forward.safetensors');
  const ref = load('discriminator.safetensors');
  const d = torch.noGrad(() =>
    (model.disc as NonNullable<Vits['disc']>).forward(get(fwd, 'model_outputs'), get(fwd, 'waveform_seg')),
  );
  const sides = [
    ['d_fake', d.fakeScores, d.fakeFeats],
    ['d_real', d.realScores, d.realFeats],
  ] as const;
  for (const [side, scores, feats] of sides) {
    let nets = 0;
    for (let i = 0; ref.has(`${side}.${i}.score`); i++, nets++) {
      assertRelMax(`${side}.${i}.score`, scores[i], get(ref, `${side}.${i}.score`), 1e-5);
      let layers = 0;
      for (let j = 0; ref.has(`${side}.${i}.feat.${j}`); j++, layers++) {
        assertRelMax(`${side}.${i}.feat.${j}`, feats[i][j], get(ref, `${side}.${i}.feat.${j}`), 1e-5);
      }
      assert.equal(feats[i].length, layers);
    }
    assert.equal(scores.length, nets);
  }
});

test("one training step per optimizer matches Coqui's Trainer (losses, grad norms, parameters)", {
  skip,
}, () => {
  const model = loadModel();
  const ref = JSON.parse(readFileSync(join(dir, 'train_step.json'), 'utf8'));
  const after = load('train_step.safetensors');
  const batch = batchOf(load('inputs.safetensors'));
  model.noise = forwardNoise();
  const criterion = model.getCriterion();
  const optimizers = model.getOptimizer() as TrainerOptimizer[];
  assert.equal(model.config.lrGen, LR);
  assert.equal(model.config.lrDisc, LR);
  assert.equal(optimizers.length, 2);
  const clips = model.config.gradClip as number[];
  const counts = ref.optimizers.map((o: { num_tensors: number }) => o.num_tensors);
  assert.deepEqual(
    optimizers.map((o) => [...o.parameters()].length),
    counts,
  );
  const outputs: (VitsForwardOutput | null)[] = [];
  let previous = model.stateDict({ weightNormKeys: 'parametrizations' });
  previous = new Map([...previous].map(([k, v]) => [k, torch.keep(v.clone())]));
  torch.tidy(() => {
    for (const [idx, optimizer] of optimizers.entries()) {
      const { outputs: out, lossDict } = model.trainStep(batch, criterion, idx, outputs);
      outputs.push(out);
      // loss items as Coqui's train_step returns them
      const want = ref.train_step_loss_dicts[String(idx)] as Record<string, number>;
      const mine = Object.fromEntries(
        Object.entries(lossDict).map(([k, v]) => [coquiKey(k), typeof v === 'number' ? v : v.item()]),
      );
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(want).sort());
      for (const [k, v] of Object.entries(want)) {
        assert.ok(Math.abs(mine[k] - v) <= 1e-5 * Math.abs(v), `step ${idx} ${k}: ${mine[k]} vs ${v}`);
      }
      (lossDict.loss as Tensor).backward();
      const norm = torch.clipGradNorm(optimizer.parameters(), clips[idx]);
      const refNorm = ref.clipping[String(idx)].grad_norm_before_clip as number;
      assert.ok(Math.abs(norm - refNorm) <= 1e-4 * refNorm, `grad norm ${idx}: ${norm} vs ${refNorm}`);
      optimizer.step();
      optimizer.zeroGrad();
      for (const p of model.parameters()) p.grad = null;
      // the representative tensors after this step
      const state = model.stateDict({ weightNormKeys: 'parametrizations' });
      const prefix = `after_step_${idx}.`;
      for (const [k, t] of after) {
        if (!k.startsWith(prefix)) continue;
        const name = k.slice(prefix.length);
        const diff = (state.get(name) as Tensor).sub(t).abs().max().item();
        assert.ok(diff <= 1e-6, `${k}: max abs ${diff}`);
      }
      // exactly the entries Coqui's step changed changed, with the same statistics
      const stats = ref.param_stats_after_step[String(idx)];
      const changed = [...state.keys()].filter(
        (k) =>
          (state.get(k) as Tensor)
            .sub(previous.get(k) as Tensor)
            .abs()
            .max()
            .item() !== 0,
      );
      assert.deepEqual(changed.sort(), Object.keys(stats.changed).sort(), `entries changed by step ${idx}`);
      const grads = ref.grad_stats_before_clipping[String(idx)] as Record<string, { max_abs: number }>;
      for (const [k, s] of Object.entries(stats.changed) as [string, Record<string, number>][]) {
        // The attention key biases have an exactly-zero true gradient (softmax is shift-invariant per query):
        // Coqui's is rounding noise (|g| <= 1e-7), which Adam's g / (sqrt(v) + eps) turns into +-lr steps of
        // either sign, so only their change (weight decay, above) can be compared.
        if ((grads[k]?.max_abs ?? 1) < 1e-6) continue;
        const t = (state.get(k) as Tensor).double();
        const sumSq = t.square().sum().item();
        const maxAbs = t.abs().max().item();
        const sum = t.sum().item();
        assert.ok(Math.abs(sumSq - s.sum_sq) <= 1e-5 * s.sum_sq + FLIPS * 4 * LR * s.max_abs, `${k} sum_sq`);
        assert.ok(Math.abs(maxAbs - s.max_abs) <= 1e-5 * s.max_abs + 2 * LR, `${k} max_abs`);
        const tol = 1e-5 * Math.sqrt(s.numel * s.sum_sq) + FLIPS * 2 * LR;
        assert.ok(Math.abs(sum - s.sum) <= tol, `${k} sum: ${sum} vs ${s.sum}`);
      }
      for (const v of previous.values()) v.dispose();
      previous = new Map([...state].map(([k, v]) => [k, torch.keep(v.clone())]));
    }
  });
  for (const v of previous.values()) v.dispose();
});
