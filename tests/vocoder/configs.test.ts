// Vocoder configs: Coqui defaults, registration and Coqui config.json import (the HiFiGAN parity fixture's).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromCoquiJson, getConfigClass, readJsonFile, toCoquiJson } from '../../src/config/index.ts';
import {
  FullbandMelganConfig,
  HifiganConfig,
  MelganConfig,
  MultibandMelganConfig,
} from '../../src/vocoder/configs/index.ts';

const parityDir = process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity';

test('the four GAN vocoder configs are registered under their Coqui model names with Coqui defaults', () => {
  const cases = [
    [HifiganConfig, 'hifigan', 'hifigan_generator', 'hifigan_discriminator'],
    [MelganConfig, 'melgan', 'melgan_generator', 'melgan_multiscale_discriminator'],
    [
      MultibandMelganConfig,
      'multiband_melgan',
      'multiband_melgan_generator',
      'melgan_multiscale_discriminator',
    ],
    [FullbandMelganConfig, 'fullband_melgan', 'melgan_generator', 'melgan_multiscale_discriminator'],
  ] as const;
  for (const [cls, model, gen, disc] of cases) {
    assert.equal(getConfigClass(model), cls);
    const c = cls.create();
    assert.equal(c.model, model);
    assert.equal(c.generatorModel, gen);
    assert.equal(c.discriminatorModel, disc);
    assert.equal(c.targetLoss, 'loss_0');
    assert.deepEqual(c.gradClip, [5, 5]);
  }
  const h = HifiganConfig.create();
  assert.equal(h.featMatchLossWeight, 108);
  assert.equal(h.useStftLoss, false);
  assert.equal(
    (h.generatorModelParams as { upsample_initial_channel: number }).upsample_initial_channel,
    512,
  );
  const mb = MultibandMelganConfig.create();
  assert.equal(mb.usePqmf, true);
  assert.equal(mb.stepsToStartDiscriminator, 200000);
  assert.deepEqual((mb.subbandStftLossParams as { n_ffts: number[] }).n_ffts, [384, 683, 171]);
  assert.equal(MelganConfig.create().seqLen, 8192);
});

test("Coqui's HifiganConfig config.json imports without ignored fields and exports back", () => {
  const obj = readJsonFile(join(parityDir, 'hifigan', 'config.json')) as Record<string, unknown>;
  const { config, ignored } = fromCoquiJson(obj, { configClass: HifiganConfig });
  assert.deepEqual(ignored, []);
  assert.equal(config.model, 'hifigan');
  assert.equal(config.mseGLossWeight, obj.mse_G_loss_weight);
  assert.equal(config.diffSamplesForGAndD, obj.diff_samples_for_G_and_D);
  assert.equal(config.seqLen, obj.seq_len);
  assert.equal(config.audio.doTrimSilence, false);
  assert.deepEqual(config.generatorModelParams, obj.generator_model_params);
  const back = toCoquiJson(config) as Record<string, unknown>;
  for (const k of [
    'mse_G_loss_weight',
    'hinge_G_loss_weight',
    'l1_spec_loss_params',
    'lr_scheduler_gen_params',
  ]) {
    assert.deepEqual(back[k], obj[k], k);
  }
});
