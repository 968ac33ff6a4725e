// The model registry (src/models/registry.ts): any model on BaseTrainerModel registers and is built from its
// config; the TTS loader's createTTSModel accepts only TTS models.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaseTrainerModel } from '../../src/models/base_model.ts';
import { createModel, registeredModelNames, registerModel } from '../../src/models/index.ts';
import { BaseTTS, createTTSModel, GlowTTS } from '../../src/tts/models/index.ts';
import { ToyGAN, toyGanConfig } from '../trainer/toy_gan.ts';

test('createModel builds every registered kind of model from its config (validated first)', () => {
  assert.ok(registeredModelNames().includes('glow_tts'));
  assert.ok(registeredModelNames().includes('toy_gan'));
  const gan = createModel({ ...toyGanConfig(), lrGen: 0.5 });
  assert.ok(gan instanceof ToyGAN && gan instanceof BaseTrainerModel);
  assert.equal((gan as ToyGAN).config.lrGen, 0.5);
  assert.equal(gan.outputKind, 'waveform');
  assert.throws(() => createModel({ ...toyGanConfig(), lrGen: -1 }), /lrGen/);
  const glow = createModel({ model: 'glow_tts', numChars: 12 });
  assert.ok(glow instanceof GlowTTS && glow instanceof BaseTTS);
  assert.throws(
    () => createModel({ model: 'nope' }),
    /no model is registered as "nope" \(registered: .*glow_tts/,
  );
});

test('createTTSModel refuses a model that is not a TTS model', () => {
  assert.ok(createTTSModel({ model: 'glow_tts', numChars: 12 }) instanceof GlowTTS);
  assert.throws(() => createTTSModel(toyGanConfig()), /"toy_gan" is not a text-to-speech model/);
});

test('registerModel needs a config class with a literal model field', () => {
  const cls = { name: 'NoModel', modelName: undefined } as unknown as Parameters<typeof registerModel>[0];
  assert.throws(
    () => registerModel(cls, () => createModel(toyGanConfig())),
    /NoModel has no literal "model" field/,
  );
});
