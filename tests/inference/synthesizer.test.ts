// Synthesizer behaviour with the deterministic FakeModel + FakeVocoder + grapheme tokenizer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createFakeSynthesizer,
  createFakeTokenizer,
  FakeModel,
  FakeVocoder,
  peakOf,
  rmsOf,
  SynthesisError,
  Synthesizer,
  splitLongSentence,
} from '../../src/inference/index.ts';

const SR = 22050;
const HOP = 256;

function make(opts: { speakers?: string[]; silenceMs?: number; delayMs?: number; noiseScale?: number } = {}) {
  const model = new FakeModel({ speakers: opts.speakers, delayMs: opts.delayMs });
  const vocoder = new FakeVocoder({ sampleRate: SR, hopLength: HOP });
  const tokenizer = createFakeTokenizer();
  const synth = new Synthesizer({
    model,
    vocoder,
    tokenizer,
    language: 'en',
    silenceBetweenSentencesMs: opts.silenceMs,
    noiseScale: opts.noiseScale,
  });
  return { model, vocoder, tokenizer, synth };
}

/** Samples the fake stack makes for one piece of `chars` characters at lengthScale `ls`. */
function speechLength(model: FakeModel, chars: number, ls = 1): number {
  return model.framesFor(chars, ls) * HOP;
}

test('model is put in eval mode; info reports rate, language and speakers', () => {
  const { model, synth } = make({ speakers: ['alice', 'bob'] });
  assert.equal(model.evalCalled, true);
  assert.deepEqual(synth.info(), {
    sampleRate: SR,
    language: 'en',
    languages: ['en'],
    speakers: ['alice', 'bob'],
  });
});

test('text is split into sentences; each reaches the model separately; silence between them is exact', async () => {
  const { model, synth } = make();
  const text = 'Hello there. How are you today? Dr. Smith is fine!';
  const r = await synth.synthesize(text);
  assert.equal(r.sentences, 3);
  assert.equal(model.calls.length, 3);
  const sentences = ['hello there.', 'how are you today?', 'dr. smith is fine!']; // basic_cleaners lowercase
  const tok = createFakeTokenizer();
  for (let i = 0; i < 3; i++) assert.deepEqual(model.calls[i]!.tokenIds, tok.textToIdsSync(sentences[i]!));
  const silence = Math.round(0.2 * SR); // default 200 ms
  const lengths = sentences.map((s) => speechLength(model, s.length));
  assert.equal(r.samples.length, lengths[0]! + lengths[1]! + lengths[2]! + 2 * silence);
  assert.equal(r.sampleRate, SR);
  assert.equal(r.seconds, r.samples.length / SR);
  // The silence regions are exact zeros, the speech around them is not.
  const gap1 = r.samples.subarray(lengths[0]!, lengths[0]! + silence);
  assert.ok(gap1.every((v) => v === 0));
  assert.notEqual(r.samples[lengths[0]! + silence + 1], 0);
  assert.notEqual(r.samples[lengths[0]! - 2], 0);
});

test('silence between sentences is configurable (constructor and per call), exact to the sample', async () => {
  for (const ms of [0, 123, 500]) {
    const { model, synth } = make({ silenceMs: ms });
    const r = await synth.synthesize('One. Two.');
    assert.equal(r.samples.length, 2 * speechLength(model, 4) + Math.round((ms / 1000) * SR), `ms=${ms}`);
  }
  const { model, synth } = make();
  const r = await synth.synthesize('One. Two. Six.', { silenceBetweenSentencesMs: 50 });
  assert.equal(r.samples.length, 3 * speechLength(model, 4) + 2 * Math.round(0.05 * SR));
  await assert.rejects(
    synth.synthesize('One.', { silenceBetweenSentencesMs: -1 }),
    /silenceBetweenSentencesMs/,
  );
});

test('speed maps to lengthScale = lengthScale / speed; noise scale reaches the model', async () => {
  const { model, synth } = make({ noiseScale: 0.667 });
  await synth.synthesize('Hello.');
  assert.equal(model.calls.at(-1)!.lengthScale, 1);
  assert.equal(model.calls.at(-1)!.noiseScale, 0.667);
  const fast = await synth.synthesize('Hello.', { speed: 2, noiseScale: 0.3 });
  assert.equal(model.calls.at(-1)!.lengthScale, 0.5);
  assert.equal(model.calls.at(-1)!.noiseScale, 0.3);
  const slow = await synth.synthesize('Hello.', { speed: 0.5 });
  assert.equal(model.calls.at(-1)!.lengthScale, 2);
  assert.equal(slow.samples.length, 4 * fast.samples.length); // frames/token 1x -> 0.5x vs 2x
  await synth.synthesize('Hello.', { lengthScale: 1.5, speed: 1.5 });
  assert.equal(model.calls.at(-1)!.lengthScale, 1);
  await synth.synthesize('Hello.', { noiseScale: 0 });
  assert.equal(model.calls.at(-1)!.noiseScale, 0);
  const { model: m2, synth: s2 } = make();
  await s2.synthesize('Hello.');
  assert.equal(m2.calls.at(-1)!.noiseScale, undefined, 'no default noise: the model keeps its own');
  for (const speed of [0, -1, Number.NaN, 11]) {
    await assert.rejects(synth.synthesize('Hello.', { speed }), (e: unknown) => {
      assert.ok(e instanceof SynthesisError);
      assert.equal(e.code, 'bad_option');
      assert.equal(e.parameter, 'speed');
      return true;
    });
  }
  await assert.rejects(synth.synthesize('Hello.', { noiseScale: -0.1 }), /noiseScale/);
});

test('speaker selection by name, index or decimal string; default speaker 0; clear errors', async () => {
  const speakers = ['alice', 'bob', 'carol'];
  const { model, synth } = make({ speakers });
  await synth.synthesize('Hi.');
  assert.equal(model.calls.at(-1)!.speakerId, 0);
  await synth.synthesize('Hi.', { speaker: 'carol' });
  assert.equal(model.calls.at(-1)!.speakerId, 2);
  await synth.synthesize('Hi.', { speaker: 1 });
  assert.equal(model.calls.at(-1)!.speakerId, 1);
  await synth.synthesize('Hi.', { speaker: '2' });
  assert.equal(model.calls.at(-1)!.speakerId, 2);
  // The speaker changes the audio.
  const a = await synth.synthesize('Hi.', { speaker: 'alice' });
  const b = await synth.synthesize('Hi.', { speaker: 'bob' });
  assert.notDeepEqual(a.samples, b.samples);
  for (const bad of ['dave', 3, -1, '7', 1.5]) {
    await assert.rejects(synth.synthesize('Hi.', { speaker: bad }), (e: unknown) => {
      assert.ok(e instanceof SynthesisError, String(e));
      assert.equal(e.code, 'unknown_speaker');
      assert.match(e.message, /3 speakers/);
      assert.match(e.message, /0: alice, 1: bob, 2: carol/);
      return true;
    });
  }
  // A default speaker given to the constructor.
  const s2 = new Synthesizer({
    model,
    tokenizer: createFakeTokenizer(),
    vocoder: new FakeVocoder(),
    speaker: 'bob',
  });
  await s2.synthesize('Hi.');
  assert.equal(model.calls.at(-1)!.speakerId, 1);
  assert.throws(
    () =>
      new Synthesizer({ model, tokenizer: createFakeTokenizer(), vocoder: new FakeVocoder(), speaker: 'x' }),
    /unknown speaker "x"/,
  );
  // A single-speaker model refuses a speaker, accepts none.
  const single = make();
  await single.synth.synthesize('Hi.', { speaker: '' });
  assert.equal(single.model.calls.at(-1)!.speakerId, null);
  await assert.rejects(single.synth.synthesize('Hi.', { speaker: 'alice' }), /single speaker/);
});

test('peak and RMS normalisation (whole signal in synthesize)', async () => {
  const { synth } = make();
  const plain = await synth.synthesize('Hello there. Bye.');
  assert.ok(Math.abs(peakOf(plain.samples) - 0.5) < 0.05); // fake amplitude 0.2 + 0.3 v
  const peak = await synth.synthesize('Hello there. Bye.', { normalization: { kind: 'peak' } });
  assert.ok(Math.abs(peakOf(peak.samples) - 0.95) < 1e-6);
  const peak5 = await synth.synthesize('Hello there. Bye.', { normalization: { kind: 'peak', peak: 0.5 } });
  assert.ok(Math.abs(peakOf(peak5.samples) - 0.5) < 1e-6);
  const rms = await synth.synthesize('Hello there. Bye.', { normalization: { kind: 'rms', db: -20 } });
  assert.ok(Math.abs(20 * Math.log10(rmsOf(rms.samples)) + 20) < 0.01);
  const rmsDefault = await synth.synthesize('Hello there. Bye.', { normalization: { kind: 'rms' } });
  assert.ok(Math.abs(20 * Math.log10(rmsOf(rmsDefault.samples)) + 27) < 0.01);
  // The shape of the signal is kept (a pure gain).
  const g = peak.samples[1000]! / plain.samples[1000]!;
  assert.ok(Math.abs(peak.samples[5000]! - g * plain.samples[5000]!) < 1e-5);
  // A default normalisation given to the constructor.
  const s2 = createFakeSynthesizer({}, { normalization: { kind: 'peak', peak: 0.8 } });
  assert.ok(Math.abs(peakOf((await s2.synthesize('Hello.')).samples) - 0.8) < 1e-6);
});

test('stream yields the first chunk before the last sentence is processed; chunks add up to synthesize()', async () => {
  const { model, synth } = make();
  const events: string[] = [];
  let n = 0;
  model.onInference = () => events.push(`infer ${n++}`);
  const text = 'First one. Second one. Third one. Fourth one.';
  const chunks = [];
  const it = synth.stream(text);
  let r = await it.next();
  while (!r.done) {
    events.push(`chunk ${r.value.sentenceIndex}`);
    chunks.push(r.value);
    r = await it.next();
  }
  assert.deepEqual(events.slice(0, 2), ['infer 0', 'chunk 0']);
  assert.ok(events.indexOf('chunk 0') < events.indexOf('infer 3'));
  assert.equal(chunks.length, 4);
  assert.deepEqual(
    chunks.map((c) => [c.sentenceIndex, c.text, c.sentenceCount]),
    [
      [0, 'First one.', 4],
      [1, 'Second one.', 4],
      [2, 'Third one.', 4],
      [3, 'Fourth one.', 4],
    ],
  );
  const summary = r.value;
  assert.equal(summary.sentences, 4);
  assert.ok(summary.rtf > 0 && Number.isFinite(summary.rtf));
  const joined = new Float32Array(chunks.reduce((a, c) => a + c.samples.length, 0));
  let o = 0;
  for (const c of chunks) {
    joined.set(c.samples, o);
    o += c.samples.length;
  }
  const whole = await synth.synthesize(text);
  assert.deepEqual(joined, whole.samples);
  assert.equal(summary.seconds, whole.seconds);
  // Later chunks start with the silence between sentences.
  assert.ok(chunks[1]!.samples.subarray(0, Math.round(0.2 * SR)).every((v) => v === 0));
});

test('stream normalises each chunk alone', async () => {
  const { synth } = make();
  for await (const c of synth.stream('Hello there. Be.', { normalization: { kind: 'peak', peak: 0.7 } }))
    assert.ok(Math.abs(peakOf(c.samples) - 0.7) < 1e-6);
});

test('real-time factor is reported and consistent with the processing time', async () => {
  const { synth } = make({ delayMs: 20 });
  const r = await synth.synthesize('One. Two. Three.');
  assert.ok(r.processingSeconds >= 0.06, `processing ${r.processingSeconds}`);
  assert.ok(Math.abs(r.rtf - r.processingSeconds / r.seconds) < 1e-12);
  assert.ok(r.rtf > 0 && Number.isFinite(r.rtf));
});

test('unknown characters are reported per call, and dropped; text made only of them is an error', async () => {
  const { model, synth } = make();
  const r = await synth.synthesize('Caf\u00e9 \u2603 time. Ok \u2603.');
  assert.deepEqual(
    [...r.unknownCharacters],
    [
      ['\u00e9', 1],
      ['\u2603', 2],
    ],
  );
  assert.deepEqual(model.calls[0]!.tokenIds, createFakeTokenizer().encode('caf  time.'));
  const clean = await synth.synthesize('All fine.');
  assert.equal(clean.unknownCharacters.size, 0, 'not cumulative across calls');
  const chunks = [];
  for await (const c of synth.stream('Fine. Snow \u2603.')) chunks.push(c);
  assert.deepEqual([...chunks[1]!.unknownCharacters], [['\u2603', 1]]);
  // A sentence made only of unknown symbols is skipped, the others are spoken.
  const calls = model.calls.length;
  const mixed = await synth.synthesize('\u2603\u2603. Hello.');
  assert.equal(mixed.sentences, 1);
  assert.equal(model.calls.length, calls + 1);
  for (const text of ['\u2603\u2603 \u2603', '\u4f60\u597d\u3002', '... !!']) {
    await assert.rejects(synth.synthesize(text), (e: unknown) => {
      assert.ok(e instanceof SynthesisError, String(e));
      assert.equal(e.code, 'no_speakable_text');
      assert.match(e.message, /no symbol this model can speak/);
      return true;
    });
  }
  await assert.rejects(synth.synthesize('\u2603'), /unknown to the model: "\u2603"/);
});

test('empty text is a clear error (synthesize and stream)', async () => {
  const { synth } = make();
  for (const text of ['', '   ', '\n\t']) {
    await assert.rejects(synth.synthesize(text), (e: unknown) => {
      assert.ok(e instanceof SynthesisError);
      assert.equal(e.code, 'empty_text');
      assert.equal(e.parameter, 'text');
      assert.match(e.message, /text is empty/);
      return true;
    });
    await assert.rejects(synth.stream(text).next(), /text is empty/);
  }
});

test('text of any length is split, never truncated', async () => {
  const model = new FakeModel({ framesPerToken: 1 });
  const synth = new Synthesizer({
    model,
    vocoder: new FakeVocoder({ hopLength: 16 }),
    tokenizer: createFakeTokenizer(),
    silenceBetweenSentencesMs: 0,
  });
  const words = Array.from({ length: 1500 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][i % 4]!);
  const text = `${words.join(' ')}, ${words.join(' ')}`; // ~17 k characters, one "sentence"
  const r = await synth.synthesize(text);
  assert.ok(r.sentences > 40, String(r.sentences));
  for (const c of model.calls) assert.ok(c.tokenIds.length <= synth.maxSentenceLength);
  // Every word reached the model: decode the token ids back and compare the words.
  const tok = createFakeTokenizer();
  const decoded = model.calls.map((c) => tok.decode(c.tokenIds)).join(' ');
  assert.deepEqual(decoded.replace(/,/g, '').split(/\s+/), [...words, ...words]);
  const speechSamples = model.calls.reduce((a, c) => a + c.tokenIds.length * 16, 0);
  assert.equal(r.samples.length, speechSamples);
});

test('splitLongSentence prefers clause punctuation, then spaces, and never splits a surrogate pair', () => {
  assert.deepEqual(splitLongSentence('short', 20), ['short']);
  const s = 'one two three four, five six seven eight nine ten eleven';
  const parts = splitLongSentence(s, 24);
  assert.deepEqual(parts[0], 'one two three four,');
  for (const p of parts) assert.ok(p.length <= 24);
  assert.equal(parts.join(' '), s);
  const emoji = '\u{1F600}'.repeat(30);
  const cut = splitLongSentence(emoji, 17);
  for (const p of cut) assert.ok(!/[\ud800-\udbff]$/.test(p));
  assert.equal(cut.join(''), emoji);
});

test('abort signal stops the work between sentences', async () => {
  const { model, synth } = make();
  const controller = new AbortController();
  const it = synth.stream('One. Two. Three. Four.', { signal: controller.signal });
  await it.next();
  controller.abort();
  await assert.rejects(it.next(), { name: 'AbortError' });
  assert.equal(model.calls.length, 1);
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(synth.synthesize('One.', { signal: pre.signal }), { name: 'AbortError' });
});

test('language: the default is used for splitting; unsupported languages are refused', async () => {
  const { synth } = make();
  await assert.rejects(synth.synthesize('Hallo.', { language: 'de' }), (e: unknown) => {
    assert.ok(e instanceof SynthesisError);
    assert.equal(e.parameter, 'language');
    return true;
  });
  const multi = createFakeSynthesizer({}, { languages: ['de'] });
  assert.deepEqual(multi.info().languages, ['en', 'de']);
  const r = await multi.synthesize('Das ist z.B. gut. Ja.', { language: 'de' });
  assert.equal(r.sentences, 2);
});

test('output sample rate other than the vocoder rate resamples', async () => {
  const s = createFakeSynthesizer(
    { sampleRate: 22050 },
    { sampleRate: 16000, silenceBetweenSentencesMs: 100 },
  );
  const r = await s.synthesize('Hello. Bye.');
  assert.equal(r.sampleRate, 16000);
  const speech = (6 + 4) * 4 * HOP; // 'hello.' and 'bye.' at 4 frames per token
  assert.ok(Math.abs(r.samples.length - (speech * 16000) / 22050 - 1600) <= 2, String(r.samples.length));
});

test('concurrent calls on one Synthesizer report their own unknown characters', async () => {
  const { synth } = make();
  const [a, b] = await Promise.all([
    synth.synthesize('A \u2603. B.'),
    synth.synthesize('C \u00e9. D \u00e9.'),
  ]);
  assert.deepEqual([...a.unknownCharacters], [['\u2603', 1]]);
  assert.deepEqual([...b.unknownCharacters], [['\u00e9', 2]]);
});
