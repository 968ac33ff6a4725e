// Pluggable model loading, loader modules, the Griffin-Lim vocoder adapter and normalisation parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioProcessor } from '../../src/audio/processor.ts';
import {
  createFakeSynthesizer,
  DEFAULT_LOADER_MODULE,
  FAKE_LOADER_MODULE,
  GriffinLimVocoder,
  getModelLoader,
  loadFromModule,
  loadSynthesizer,
  parseNormalization,
  resolveLoaderModule,
  Synthesizer,
  setModelLoader,
} from '../../src/inference/index.ts';
import * as torch from '../../src/torch/index.ts';

test('loadSynthesizer uses the TTS loader by default; setModelLoader plugs another in', async () => {
  const ttsLoader = getModelLoader();
  await assert.rejects(loadSynthesizer({ modelPath: 'm.pth' }), /model not found: m\.pth/);
  const seen: unknown[] = [];
  setModelLoader(async (o) => {
    seen.push(o);
    return createFakeSynthesizer({ speakers: ['a', 'b'] });
  });
  try {
    const s = await loadSynthesizer({ modelPath: 'm.pth', configPath: 'c.json' });
    assert.ok(s instanceof Synthesizer);
    assert.deepEqual(s.speakers, ['a', 'b']);
    assert.deepEqual(seen, [{ modelPath: 'm.pth', configPath: 'c.json' }]);
  } finally {
    setModelLoader(null);
  }
  assert.equal(getModelLoader(), ttsLoader);
});

test('loader modules: resolve --loader values and load through a module export', async () => {
  assert.equal(resolveLoaderModule(undefined), DEFAULT_LOADER_MODULE);
  assert.equal(resolveLoaderModule('fake'), FAKE_LOADER_MODULE);
  assert.equal(resolveLoaderModule('file:///x/y.ts'), 'file:///x/y.ts');
  assert.equal(resolveLoaderModule('lib/loader.ts', '/srv'), 'file:///srv/lib/loader.ts');
  assert.equal(resolveLoaderModule('/abs/l.mjs'), 'file:///abs/l.mjs');
  const s = await loadFromModule(FAKE_LOADER_MODULE, { fake: { speakers: ['x'] } });
  assert.deepEqual(s.info().speakers, ['x']);
  await assert.rejects(loadFromModule(DEFAULT_LOADER_MODULE, { modelPath: 'nope.pth' }), /model not found/);
  await assert.rejects(
    loadFromModule(new URL('../../src/inference/types.ts', import.meta.url).href, {}),
    /does not export a function loadSynthesizer/,
  );
});

test('GriffinLimVocoder passes the mel as [C, frames] to the processor and returns its samples', () => {
  const seen: number[][] = [];
  const vocoder = new GriffinLimVocoder({
    sampleRate: 16000,
    invMelspectrogram: (mel) => {
      seen.push(mel.shape);
      return torch.ones([mel.size(1) * 10]);
    },
  });
  assert.equal(vocoder.sampleRate, 16000);
  const out = torch.tidy(() => vocoder.vocode(torch.zeros([1, 7, 80])));
  assert.deepEqual(seen, [[80, 7]]);
  assert.ok(out instanceof Float32Array);
  assert.equal(out.length, 70);
  assert.throws(() => vocoder.vocode(torch.zeros([2, 3, 4, 5])), /expected a mel/);
});

test('GriffinLimVocoder with the real AudioProcessor turns a mel back into a waveform', () => {
  const ap = new AudioProcessor({ sampleRate: 22050, griffinLimIters: 4, doTrimSilence: false });
  const sr = 22050;
  const n = 8192;
  const wav = torch.tensor(
    Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr)),
  );
  const vocoder = new GriffinLimVocoder(ap);
  const out = torch.noGrad(() =>
    torch.tidy(() => {
      const mel = ap.melspectrogram(wav); // [C, frames]
      return vocoder.vocode(mel.transpose(0, 1).unsqueeze(0));
    }),
  );
  assert.equal(vocoder.sampleRate, 22050);
  assert.ok(Math.abs(out.length - n) <= ap.hopLength, `${out.length} vs ${n}`);
  assert.ok(out.every(Number.isFinite));
  const peak = out.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(peak > 0.05, `peak ${peak}`);
  // The tone survives: zero crossings of the middle part give about 440 Hz.
  const mid = out.subarray(1024, out.length - 1024);
  let crossings = 0;
  for (let i = 1; i < mid.length; i++) if (mid[i - 1]! < 0 !== mid[i]! < 0) crossings++;
  const hz = crossings / 2 / (mid.length / sr);
  assert.ok(Math.abs(hz - 440) < 44, `${hz} Hz`);
});

test('parseNormalization', () => {
  assert.deepEqual(parseNormalization('none'), { kind: 'none' });
  assert.deepEqual(parseNormalization('peak'), { kind: 'peak' });
  assert.deepEqual(parseNormalization('peak:0.9'), { kind: 'peak', peak: 0.9 });
  assert.deepEqual(parseNormalization('RMS:-20'), { kind: 'rms', db: -20 });
  assert.deepEqual(parseNormalization('rms'), { kind: 'rms' });
  for (const bad of ['loud', 'peak:2', 'rms:5', 'rms:x', 'none:1', 'peak:1:2'])
    assert.throws(() => parseNormalization(bad), RangeError, bad);
});
