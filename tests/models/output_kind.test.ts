// outputKind: the Synthesizer vocodes a mel model's output and plays a waveform model's output as it is;
// BaseTTS models say 'mel'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeTokenizer, FakeModel, FakeVocoder } from '../../src/inference/fake.ts';
import { Synthesizer } from '../../src/inference/synthesizer.ts';
import type { SynthesisAux, SynthesisModel } from '../../src/inference/types.ts';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import { GlowTTS } from '../../src/tts/models/glow_tts.ts';

/** An end-to-end model: 100 samples per token, sample i of token k = (k % 7) / 10 + i / 1000, shape [1, 1, T]. */
class WaveModel implements SynthesisModel {
  readonly outputKind = 'waveform';
  eval(): void {}
  inference(tokenIds: Tensor, _aux: SynthesisAux): { modelOutputs: Tensor } {
    const ids = tokenIds.toArray(); // [1, T] flattened
    const out = new Float32Array(ids.length * 100);
    ids.forEach((k, t) => {
      for (let i = 0; i < 100; i++) out[t * 100 + i] = (k % 7) / 10 + i / 1000;
    });
    return { modelOutputs: torch.tensor(out, { shape: [1, 1, out.length] }) };
  }
}

const synth = (model: SynthesisModel, vocoder: FakeVocoder) =>
  new Synthesizer({ model, vocoder, tokenizer: createFakeTokenizer(), silenceBetweenSentencesMs: 0 });

test('a waveform model is played as it is; the vocoder is not called', async () => {
  const vocoder = new FakeVocoder({ sampleRate: 16000 });
  const s = synth(new WaveModel(), vocoder);
  const ids = await createFakeTokenizer().textToIds('hello');
  const r = await s.synthesize('hello');
  assert.equal(vocoder.calls, 0);
  assert.equal(r.sampleRate, 16000);
  assert.equal(r.samples.length, ids.length * 100);
  for (const [t, k] of ids.entries())
    assert.ok(Math.abs(r.samples[t * 100 + 3] - ((k % 7) / 10 + 0.003)) < 1e-6, `token ${t}`);
});

test('a mel model (no outputKind, or mel) goes through the vocoder', async () => {
  const vocoder = new FakeVocoder({ hopLength: 10 });
  const model = new FakeModel({ framesPerToken: 2 });
  const r = await synth(model, vocoder).synthesize('hello');
  assert.equal(vocoder.calls, 1);
  const ids = await createFakeTokenizer().textToIds('hello');
  assert.equal(r.samples.length, model.framesFor(ids.length) * 10);
});

test('BaseTTS models declare mel output', () => {
  const m = new GlowTTS(GlowTTSConfig.create({ numChars: 10, hiddenChannelsEnc: 8, hiddenChannelsDec: 8 }));
  assert.equal(m.outputKind, 'mel');
});
