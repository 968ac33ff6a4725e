// Parity with Coqui TTS 0.22 Glow-TTS on the reference fixtures (see tests/fixtures/parity/README.md of the
// shared set, sections glow_tts/ and losses/).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { loadTensors } from '../../src/torch/io.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { InvConvNear } from '../../src/tts/layers/glow_tts/glow.ts';
import { BCELossMasked, GlowTTSLoss, L1LossMasked, MSELossMasked } from '../../src/tts/layers/losses.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';
import { generatePath, maximumPath } from '../../src/tts/utils/helpers.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';
const dir = join(parityDir, 'glow_tts');
const lossDir = join(parityDir, 'losses');
const skip = !existsSync(join(dir, 'weights.safetensors')) && 'Glow-TTS parity fixtures not found';

const RTOL = 1e-4;

/** max |a - b| and that relative to max |b|; asserts shapes equal. */
function diff(a: Tensor, b: Tensor): { abs: number; rel: number } {
  assert.deepEqual(a.shape, b.shape);
  return torch.tidy(() => {
    const d = a.float().sub(b.float()).abs().max().item();
    const scale = b.float().abs().max().item();
    return { abs: d, rel: scale === 0 ? d : d / scale };
  });
}

function assertClose(name: string, a: Tensor, b: Tensor, rtol = RTOL): void {
  const { abs, rel } = diff(a, b);
  assert.ok(rel <= rtol, `${name}: max abs ${abs}, rel ${rel} > ${rtol}`);
}

function assertExact(name: string, a: Tensor, b: Tensor): void {
  const { abs } = diff(a, b);
  assert.equal(abs, 0, `${name}: differs (max abs ${abs})`);
}

/** Whether `name` is the logdet of an InvConvNear flow. */
function invConvLogdet(model: GlowTTS, name: string): boolean {
  const m = /^decoder\.flows\.(\d+)\.forward_logdet$/.exec(name);
  return m !== null && model.decoder.flows.get(Number(m[1])) instanceof InvConvNear;
}

function loadModel(): { model: GlowTTS; inputs: Map<string, Tensor> } {
  const config = loadConfig(join(dir, 'config.json'), { configClass: GlowTTSConfig });
  const model = new GlowTTS(config);
  const weights = loadTensors(join(dir, 'weights.safetensors')).tensors;
  model.loadStateDict(weights, { strict: true });
  model.eval();
  return { model, inputs: loadTensors(join(dir, 'inputs.safetensors')).tensors };
}

test('state-dict keys and shapes equal the reference', { skip }, () => {
  const config = loadConfig(join(dir, 'config.json'), { configClass: GlowTTSConfig });
  const model = new GlowTTS(config);
  const ref = loadTensors(join(dir, 'weights.safetensors')).tensors;
  const own = model.stateDict({ weightNormKeys: 'parametrizations' });
  assert.deepEqual([...own.keys()].sort(), [...ref.keys()].sort());
  for (const [k, t] of own) assert.deepEqual(t.shape, ref.get(k)?.shape, k);
});

test('MAS (maximumPath) and generatePath equal Coqui exactly', { skip }, () => {
  const t = loadTensors(join(dir, 'mas.safetensors')).tensors;
  const g = (k: string) => t.get(k) as Tensor;
  assertExact('maximum_path', maximumPath(g('value'), g('mask')), g('path'));
  assertExact('generate_path', generatePath(g('gp_duration'), g('gp_mask')), g('gp_path'));
});

test('forward outputs, MAS and per-flow intermediates match Coqui', { skip }, () => {
  const { model, inputs } = loadModel();
  const ref = loadTensors(join(dir, 'forward.safetensors')).tensors;
  const inter = loadTensors(join(dir, 'intermediates.safetensors')).tensors;
  const captured = new Map<string, Tensor>();
  const grab = (name: string, t: Tensor) => captured.set(name, torch.keep(t.clone()));
  const out = torch.noGrad(() =>
    model.forward(
      inputs.get('x') as Tensor,
      inputs.get('x_lengths') as Tensor,
      inputs.get('y') as Tensor,
      inputs.get('y_lengths') as Tensor,
      {},
      {
        onEncoder: (e) => {
          grab('encoder.o_mean', e.xM);
          grab('encoder.o_log_scale', e.xLogs);
          grab('encoder.o_dur_log', e.logw);
          grab('encoder.x_mask', e.xMask);
        },
        onMas: (logp, mask, path) => {
          grab('mas.logp', logp);
          grab('mas.attn_mask', mask);
          grab('mas.path', path);
        },
        onFlow: (i, f) => {
          grab(`decoder.flows.${i}.forward_out`, f.z);
          if (f.logdet) grab(`decoder.flows.${i}.forward_logdet`, f.logdet);
        },
      },
    ),
  );
  const r = (k: string) => ref.get(k) as Tensor;
  assertClose('z', out.z, r('z'));
  assertClose('logdet', out.logdet, r('logdet'));
  assertClose('y_mean', out.yMean, r('y_mean'));
  assertExact('y_log_scale', out.yLogScale, r('y_log_scale'));
  assertExact('alignments', out.alignments, r('alignments'));
  assertClose('durations_log', out.durationsLog, r('durations_log'));
  assertExact('total_durations_log', out.totalDurationsLog, r('total_durations_log'));
  for (const [name, t] of inter) {
    const mine = captured.get(name);
    assert.ok(mine, `intermediate ${name} not captured`);
    if (name === 'mas.path' || name === 'mas.attn_mask' || name === 'encoder.x_mask')
      assertExact(name, mine, t);
    else if (invConvLogdet(model, name)) {
      // log|det W| of a near-orthogonal 4x4 W is ~1e-7 (float32 rounding noise of the reference's LU), times
      // 40 channel groups x 67 frames: compare against the scale of the total logdet instead.
      const { abs } = diff(mine, t);
      assert.ok(abs <= RTOL * out.logdet.abs().max().item(), `${name}: max abs ${abs}`);
    } else assertClose(name, mine, t);
  }
});

test('GlowTTSLoss on the forward outputs matches loss.json (raw, unfloored y_lengths)', { skip }, () => {
  const { model, inputs } = loadModel();
  const ref = JSON.parse(readFileSync(join(dir, 'loss.json'), 'utf8')) as Record<string, number>;
  const batch = {
    textInput: inputs.get('x') as Tensor,
    textLengths: inputs.get('x_lengths') as Tensor,
    melInput: inputs.get('y') as Tensor,
    melLengths: inputs.get('y_lengths') as Tensor,
  };
  const { lossDict } = model.evalStep(batch, model.getCriterion());
  for (const [k, key] of [
    ['loss', 'loss'],
    ['logMle', 'log_mle'],
    ['lossDur', 'loss_dur'],
  ]) {
    const v = (lossDict[k] as Tensor).item();
    assert.ok(Math.abs(v - ref[key]) <= RTOL * Math.abs(ref[key]), `${key}: ${v} vs ${ref[key]}`);
  }
});

test('inference (noise 0) matches Coqui: outputs, alignments, durations, lengths, per-flow reverse', {
  skip,
}, () => {
  const { model, inputs } = loadModel();
  const ref = loadTensors(join(dir, 'inference.safetensors')).tensors;
  const captured = new Map<string, Tensor>();
  const out = model.inference(
    inputs.get('x') as Tensor,
    { xLengths: inputs.get('x_lengths') as Tensor },
    { onFlow: (i, f) => captured.set(`decoder.flows.${i}.reverse_out`, torch.keep(f.z.clone())) },
  );
  const r = (k: string) => ref.get(k) as Tensor;
  assertClose('model_outputs', out.modelOutputs, r('model_outputs'));
  assertClose('y_mean', out.yMean, r('y_mean'));
  assertExact('y_log_scale', out.yLogScale, r('y_log_scale'));
  assertExact('alignments', out.alignments, r('alignments'));
  assertClose('durations_log', out.durationsLog, r('durations_log'));
  assertExact('total_durations_log', out.totalDurationsLog, r('total_durations_log'));
  assertExact('durations', out.alignments.sum(1), r('durations'));
  assert.deepEqual(out.yLengths.toArray(), r('y_lengths').toArray());
  for (let i = 0; i < model.decoder.flows.length; i++) {
    const name = `decoder.flows.${i}.reverse_out`;
    assertClose(name, captured.get(name) as Tensor, r(name));
  }
  // storeInverse() gives the same result through the cached W^-1
  model.storeInverse();
  const again = model.inference(inputs.get('x') as Tensor, { xLengths: inputs.get('x_lengths') as Tensor });
  assertClose('model_outputs (stored inverse)', again.modelOutputs, r('model_outputs'));
});

test('masked L1/MSE/BCE and GlowTTSLoss match losses/outputs.json', { skip }, () => {
  const t = loadTensors(join(lossDir, 'inputs.safetensors')).tensors;
  const ref = JSON.parse(readFileSync(join(lossDir, 'outputs.json'), 'utf8'));
  const g = (k: string) => t.get(k) as Tensor;
  const check = (name: string, v: Tensor) => {
    const want = ref.masked_losses[name] as number;
    assert.ok(Math.abs(v.item() - want) <= RTOL * Math.abs(want), `${name}: ${v.item()} vs ${want}`);
  };
  check(
    'L1LossMasked(seq_len_norm=False)',
    new L1LossMasked(false).forward(g('x'), g('target'), g('lengths')),
  );
  check('L1LossMasked(seq_len_norm=True)', new L1LossMasked(true).forward(g('x'), g('target'), g('lengths')));
  check(
    'MSELossMasked(seq_len_norm=False)',
    new MSELossMasked(false).forward(g('x'), g('target'), g('lengths')),
  );
  check(
    'MSELossMasked(seq_len_norm=True)',
    new MSELossMasked(true).forward(g('x'), g('target'), g('lengths')),
  );
  const logits = g('stop_logits');
  const targets = g('stop_targets');
  // The BCE calls and their pos_weight come from the fixture's own key names.
  const bce = /^BCELossMasked\(pos_weight=([0-9.]+)\)\(stop_logits, stop_targets, (lengths|None)\)$/;
  const bceKeys = Object.keys(ref.masked_losses).filter((k) => bce.test(k));
  assert.ok(bceKeys.length > 0, 'no BCELossMasked entries in outputs.json');
  for (const key of bceKeys) {
    const [, posWeight, lengths] = bce.exec(key)!;
    check(
      key,
      new BCELossMasked(Number(posWeight)).forward(logits, targets, lengths === 'None' ? null : g('lengths')),
    );
  }
  for (const [key, pad] of [
    ['zero_padding', 'zero_pad'],
    ['garbage_padding_in_durations', 'garbage_pad'],
  ]) {
    const out = new GlowTTSLoss().forward(
      g('glow.z'),
      g('glow.y_mean'),
      g('glow.y_log_scale'),
      g('glow.logdet'),
      g('glow.y_lengths'),
      g(`glow.durations_log_${pad}`),
      g(`glow.total_durations_log_${pad}`),
      g('glow.x_lengths'),
    );
    const want = ref.GlowTTSLoss[key];
    for (const [k, rk] of [
      ['loss', 'loss'],
      ['logMle', 'log_mle'],
      ['lossDur', 'loss_dur'],
    ]) {
      const v = (out[k] as Tensor).item();
      assert.ok(Math.abs(v - want[rk]) <= RTOL * Math.abs(want[rk]), `${key}.${rk}: ${v} vs ${want[rk]}`);
    }
  }
});
