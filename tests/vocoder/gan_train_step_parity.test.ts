// One GAN training step per optimizer against Coqui (hifigan/train_step.* of the shared parity set): the
// discriminator step (optimizer 0) then the generator step (optimizer 1) on the recorded batch, as Coqui's
// Trainer runs them (backward, clip_grad_norm_ to grad_clip[idx], AdamW step, all grads cleared). Tolerances
// (README hifigan/): loss items 1e-5 relative, grad norms 1e-4 relative, gradient / parameter statistics
// sum_sq and max_abs 1e-5 relative (gradients 1e-4, as grad norms) and sum rtol * sqrt(numel * sum_sq) absolute, representative parameters
// after each step 1e-6 absolute.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import type { TrainerOptimizer } from '../../src/trainer/api.ts';
import { HifiganConfig } from '../../src/vocoder/configs/index.ts';
import { hifiganWidthsFromStateDict } from '../../src/vocoder/models/hifigan_discriminator.ts';
import { GAN } from '../../src/vocoder/models/index.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const dir = join(parityDir, 'hifigan');
const skip = !existsSync(join(dir, 'train_step.safetensors')) && 'HiFiGAN parity fixtures not found';

interface Stats {
  numel: number;
  sum: number;
  sum_sq: number;
  max_abs: number;
}

function statsOf(t: Tensor): Stats {
  return torch.tidy(() => {
    const d = t.double();
    return {
      numel: t.numel,
      sum: d.sum().item(),
      sum_sq: d.square().sum().item(),
      max_abs: d.abs().max().item(),
    };
  });
}

/** `rtol` 1e-5 for parameters, 1e-4 for gradients (the README's grad-norm tolerance: a gradient sums more float32 rounding). */
function assertStats(name: string, got: Stats, want: Stats, rtol = 1e-5): void {
  assert.equal(got.numel, want.numel, `${name}: numel`);
  const rel = (a: number, b: number) => Math.abs(a - b) <= rtol * Math.abs(b) + 1e-12;
  assert.ok(rel(got.sum_sq, want.sum_sq), `${name}: sum_sq ${got.sum_sq} vs ${want.sum_sq}`);
  assert.ok(rel(got.max_abs, want.max_abs), `${name}: max_abs ${got.max_abs} vs ${want.max_abs}`);
  const tol = rtol * Math.sqrt(want.numel * want.sum_sq);
  assert.ok(Math.abs(got.sum - want.sum) <= tol, `${name}: sum ${got.sum} vs ${want.sum} (tol ${tol})`);
}

test("GAN train step per optimizer (discriminator 0, generator 1) matches Coqui's", { skip }, () => {
  const weights = loadTensors(join(dir, 'weights.safetensors')).tensors;
  const ref = loadTensors(join(dir, 'train_step.safetensors')).tensors;
  const want = JSON.parse(readFileSync(join(dir, 'train_step.json'), 'utf8'));
  const base = loadConfig(join(dir, 'config.json'), { configClass: HifiganConfig });
  // the fixture's discriminator is narrower than Coqui's hard-coded widths: read them off the checkpoint
  const widths = hifiganWidthsFromStateDict(weights);
  const config = {
    ...base,
    discriminatorModelParams: {
      period_channels: widths.periodChannels,
      scale_channels: widths.scaleChannels,
    },
  };
  const model = new GAN(config, { log: () => {} });
  model.loadStateDict(weights, { strict: true });
  model.train();
  model.trainDisc = true; // on_train_step_start at step 0 with steps_to_start_discriminator 0
  const criterion = model.getCriterion();
  const optimizers = model.getOptimizer() as TrainerOptimizer[];
  assert.equal(optimizers.length, want.optimizers.length);
  want.optimizers.forEach(
    (o: { num_tensors: number; first: string; last: string; lr: number }, i: number) => {
      const params = [...optimizers[i].parameters()];
      assert.equal(params.length, o.num_tensors, `optimizer ${i}: parameter count`);
      assert.deepEqual(optimizers[i].getLr(), [o.lr]);
    },
  );
  const batch = model.formatBatch({ input: ref.get('batch.input'), waveform: ref.get('batch.waveform') });
  const clip = config.gradClip as number[];
  torch.tidy(() => {
    for (const idx of [0, 1]) {
      const result = model.trainStep(batch, criterion, idx);
      assert.ok(result, `step ${idx} skipped`);
      const wantItems = want.train_step_loss_dicts[String(idx)] as Record<string, number>;
      assert.deepEqual(Object.keys(result.lossDict).sort(), Object.keys(wantItems).sort());
      for (const [k, v] of Object.entries(wantItems)) {
        const g = result.lossDict[k].item();
        assert.ok(Math.abs(g - v) <= 1e-5 * Math.abs(v), `step ${idx} ${k}: ${g} vs ${v}`);
      }
      result.lossDict.loss.backward();
      // gradients before clipping (parametrization names: original0 = g, original1 = v)
      const own = model.namedParameters();
      for (const [name, s] of Object.entries(
        want.grad_stats_before_clipping[String(idx)] as Record<string, Stats>,
      )) {
        const legacy = name
          .replace(/parametrizations\.weight\.original0$/, 'weight_g')
          .replace(/parametrizations\.weight\.original1$/, 'weight_v');
        const p = own.get(legacy);
        assert.ok(p, `no parameter ${legacy}`);
        assert.ok(p.grad, `${legacy} has no gradient`);
        assertStats(`grad ${idx} ${name}`, statsOf(p.grad), s, 1e-4);
      }
      const norm = torch.clipGradNorm(optimizers[idx].parameters(), clip[idx]);
      const wantNorm = want.clipping[String(idx)].grad_norm_before_clip;
      assert.ok(Math.abs(norm - wantNorm) <= 1e-4 * wantNorm, `grad norm ${idx}: ${norm} vs ${wantNorm}`);
      optimizers[idx].step();
      optimizers[idx].zeroGrad();
      for (const p of model.parameters()) p.grad = null;
      // every changed state-dict entry (parameters and the spectral-norm buffers) and the representative values
      const sd = model.stateDict({ weightNormKeys: 'parametrizations' });
      const changed = want.param_stats_after_step[String(idx)].changed as Record<string, Stats>;
      assert.equal(Object.keys(changed).length, want.param_stats_after_step[String(idx)].num_changed);
      for (const [name, s] of Object.entries(changed)) {
        const t = sd.get(name);
        assert.ok(t, `no state-dict entry ${name}`);
        assertStats(`after step ${idx} ${name}`, statsOf(t), s);
      }
      for (const [k, t] of ref) {
        const prefix = `after_step_${idx}.`;
        if (!k.startsWith(prefix)) continue;
        const mine = sd.get(k.slice(prefix.length)) as Tensor;
        const d = torch.tidy(() => mine.sub(t).abs().max().item());
        assert.ok(d <= 1e-6, `${k}: max abs diff ${d}`);
      }
    }
  });
});
