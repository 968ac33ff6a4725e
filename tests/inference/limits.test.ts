// Bounds of one synthesis (issue 15): a sentence or a request that would produce more audio than the limits
// allow is refused before the decoder runs, a job past its time limit stops, an abort acts between a
// sentence's model and vocoder; letters of another script never reach the phonemizer. The real bundled voice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSynthesizer } from '../../src/inference/load.ts';
import { dropForeignLetters, scriptsOf } from '../../src/inference/scripts.ts';
import { SynthesisError, type Synthesizer } from '../../src/inference/synthesizer.ts';
import type { SynthesisAux } from '../../src/inference/types.ts';
import * as torch from '../../src/torch/index.ts';
import { OutputLimitError } from '../../src/tts/utils/output_limit.ts';

let voice: Promise<Synthesizer> | undefined;
/** The bundled voice, loaded once for the file. */
const bundled = () => {
  voice ??= loadSynthesizer({});
  return voice;
};

function isCode(code: string, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof SynthesisError, String(e));
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  };
}

test('Glow-TTS checks maxFrames on the predicted durations, before the decoder runs', async () => {
  const synth = await bundled();
  assert.ok(synth.model.frameRate && Math.abs(synth.model.frameRate - 22050 / 256) < 1e-9);
  const { ids } = await synth.tokenize('Hello there.', 'en-us');
  const x = torch.tensor(BigInt64Array.from(ids, BigInt), { shape: [1, ids.length] });
  const aux: SynthesisAux = { xLengths: torch.tensor(BigInt64Array.of(BigInt(ids.length))), noiseScale: 0 };
  const frames = torch.noGrad(() => synth.model.inference(x, aux).modelOutputs.size(1));
  assert.ok(frames > 20, `${frames} frames`);
  const t0 = performance.now();
  assert.throws(
    () => synth.model.inference(x, { ...aux, lengthScale: 1e9, maxFrames: 10_000 }),
    (e: unknown) => e instanceof OutputLimitError && e.frames > 1e9 && e.maxFrames === 10_000,
  );
  // overflowing durations (inf) are refused too, not cast to a garbage length
  assert.throws(
    () => synth.model.inference(x, { ...aux, lengthScale: 1e38, maxFrames: 10_000 }),
    (e: unknown) => e instanceof OutputLimitError && e.frames === Infinity,
  );
  assert.ok(performance.now() - t0 < 2000, 'refused without decoding');
  // within the bound it speaks as before
  // (the bound counts every aligned frame; the output is cut to a multiple of the flow's squeeze)
  const same = torch.noGrad(() =>
    synth.model.inference(x, { ...aux, maxFrames: frames + 8 }).modelOutputs.size(1),
  );
  assert.equal(same, frames);
  assert.throws(() => synth.model.inference(x, { ...aux, maxFrames: frames - 8 }), OutputLimitError);
});

test('speed 0.1 x length scale 20 over three sentences: refused (too_long) in well under a second of work', async () => {
  const synth = await bundled();
  const t0 = performance.now();
  await assert.rejects(
    synth.synthesize('Hello there. How are you today? I am fine, thank you.', {
      speed: 0.1,
      lengthScale: 20,
    }),
    isCode(
      'too_long',
      /^sentence 1 of 3 would be \d+\.\d s of audio, over the limit of 40\.0 s per sentence/,
    ),
  );
  assert.ok(performance.now() - t0 < 3000, `${performance.now() - t0} ms`);
});

test('speed and explicit length scale out of range are bad options', async () => {
  const synth = await bundled();
  for (const speed of [0.0001, 0.05, 11])
    await assert.rejects(
      synth.synthesize('Hi.', { speed }),
      isCode('bad_option', /speed: must be a number in \[0\.1, 10\]/),
    );
  for (const lengthScale of [1e9, 0, 21])
    await assert.rejects(synth.synthesize('Hi.', { lengthScale }), isCode('bad_option', /lengthScale/));
});

test('per-request limit: the sentence that would cross it is refused; a request under it speaks', async () => {
  const base = await bundled();
  const synth = new (base.constructor as typeof import('../../src/inference/synthesizer.ts').Synthesizer)({
    model: base.model,
    tokenizer: base.tokenizer,
    vocoder: base.vocoder,
    language: base.language,
    limits: { maxRequestSeconds: 1.5, maxSentenceSeconds: 1.2 },
  });
  assert.deepEqual(synth.limits, {
    maxRequestSeconds: 1.5,
    maxSentenceSeconds: 1.2,
    maxJobSeconds: 300,
  });
  const ok = await synth.synthesize('Hi there.');
  assert.ok(ok.seconds > 0 && ok.seconds <= 1.2);
  await assert.rejects(
    synth.synthesize('Hi there. Hi there. Hi there. Hi there.'),
    isCode('too_long', /^sentence [2-4] of 4 would be .* left in this request \(1\.5 s in all\)/),
  );
  await assert.rejects(synth.synthesize('Hi there.', { speed: 0.25 }), isCode('too_long', /per sentence/));
});

test('a job past maxJobSeconds stops with time_limit; an abort acts between model and vocoder', async () => {
  const base = await bundled();
  const Synth = base.constructor as typeof import('../../src/inference/synthesizer.ts').Synthesizer;
  const parts = {
    model: base.model,
    tokenizer: base.tokenizer,
    vocoder: base.vocoder,
    language: base.language,
  };
  const quick = new Synth({ ...parts, limits: { maxJobSeconds: 0.001 } });
  await assert.rejects(
    quick.synthesize('Hello there. How are you?'),
    isCode('time_limit', /longer than the limit of 0\.001 s/),
  );
  // abort once the model has run for the first sentence: the vocoder never runs for it
  const synth = new Synth(parts);
  let vocoded = 0;
  const vocode = synth.vocoder.vocode.bind(synth.vocoder);
  (synth.vocoder as { vocode: typeof vocode }).vocode = (mel) => {
    vocoded++;
    return vocode(mel);
  };
  const controller = new AbortController();
  const inference = synth.model.inference.bind(synth.model);
  (synth.model as { inference: typeof inference }).inference = (x, aux) => {
    const out = inference(x, aux);
    controller.abort(new DOMException('the client left', 'AbortError'));
    return out;
  };
  await assert.rejects(synth.synthesize('Hello there.', { signal: controller.signal }), {
    name: 'AbortError',
  });
  assert.equal(vocoded, 0);
});

test('letters of another script are dropped before the phonemizer and reported', async () => {
  assert.deepEqual(scriptsOf('en-us'), ['Latin']);
  assert.deepEqual(scriptsOf('cmn-latn-pinyin'), ['Latin']);
  assert.equal(scriptsOf('xx'), undefined);
  const d = dropForeignLetters('Hello 世界, naïve café π 42!', 'en-us');
  assert.equal(d.text, 'Hello , naïve café 42!');
  assert.deepEqual(
    [...d.dropped],
    [
      ['世', 1],
      ['界', 1],
      ['π', 1],
    ],
  );
  assert.equal(dropForeignLetters('世界', 'xx').text, '世界');
  const synth = await bundled();
  const r = await synth.synthesize('Hello 世界.');
  assert.equal(r.unknownCharacters.get('世'), 1);
  assert.equal(r.unknownCharacters.get('界'), 1);
  const plain = await synth.synthesize('Hello.', { noiseScale: 0 });
  const mixed = await synth.synthesize('Hello 世界.', { noiseScale: 0 });
  // espeak-ng would have said "Chinese letter ..." twice: the audio is the English word's alone
  assert.ok(Math.abs(mixed.seconds - plain.seconds) < 0.1, `${mixed.seconds} vs ${plain.seconds}`);
});
