import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  basicCleaners,
  ESpeakPhonemizer,
  englishCleaners,
  Graphemes,
  IPAPhonemes,
  notFoundMessage,
  Punctuation,
  phonemeCleaners,
  TTSTokenizer,
} from '../../src/text/index.ts';
import { espeakAvailable } from './espeakAvailable.ts';
import { oovReport, sentences, vocabGraphemes, vocabIpa } from './fixtures.ts';

test('fixture sentences are numbered 0..n-1 (any size the generator wrote)', () => {
  assert.ok(sentences.length > 0);
  assert.deepEqual(
    sentences.map((s) => s.index),
    sentences.map((_, i) => i),
  );
});

test('vocabularies equal Coqui defaults', () => {
  for (const [chars, fx] of [
    [new Graphemes(), vocabGraphemes],
    [new IPAPhonemes(), vocabIpa],
  ] as const) {
    assert.deepEqual([...chars.vocab], fx.id_to_char);
    assert.deepEqual(
      chars.vocab.map((c) => Array.from(c).map((x) => x.codePointAt(0))),
      fx.id_to_char_codepoints,
    );
    assert.equal(chars.numChars, fx.num_chars);
    assert.deepEqual(
      [chars.padId, chars.eosId, chars.bosId, chars.blankId],
      [fx.pad_id, fx.eos_id, fx.bos_id, fx.blank_id],
    );
    assert.equal(chars.characters, fx.characters);
    assert.equal(chars.punctuations, fx.punctuations);
    assert.equal(chars.isUnique, fx.is_unique);
    assert.equal(chars.isSorted, fx.is_sorted);
    assert.equal(chars.className, fx.class);
  }
});

for (const [field, fn] of [
  ['english_cleaners', englishCleaners],
  ['phoneme_cleaners', phonemeCleaners],
  ['basic_cleaners', basicCleaners],
] as const) {
  test(`${field}: all sentences`, async (t) => {
    for (const s of sentences) {
      await t.test(`#${s.index} ${s.text}`, () => assert.equal(fn(s.text), s[field]));
    }
  });
}

test('phonemizer input is the phoneme_cleaners output', () => {
  for (const s of sentences) assert.equal(s.phonemizer.input, s.phoneme_cleaners);
});

test('punctuation segments and map: all sentences', async (t) => {
  const punc = new Punctuation();
  for (const s of sentences) {
    await t.test(`#${s.index}`, () => {
      const [segments, map] = punc.stripToRestore(s.phonemizer.input);
      assert.deepEqual(segments, s.phonemizer.punctuation_segments);
      assert.deepEqual(map, s.phonemizer.punctuation_map);
    });
  }
});

test('punctuation restore of the recorded raw phonemes gives the output: all sentences', async (t) => {
  for (const s of sentences) {
    await t.test(`#${s.index}`, () => {
      const restored = Punctuation.restore(s.phonemizer.espeak_raw_per_segment, s.phonemizer.punctuation_map);
      assert.equal(restored[0], s.phonemizer.output);
    });
  }
});

test('espeak raw phonemes per segment: all sentences', async (t) => {
  if (!espeakAvailable) return t.skip('espeak-ng not installed');
  const ph = new ESpeakPhonemizer('en-us');
  for (const s of sentences) {
    await t.test(`#${s.index}`, async () => {
      const raw = await Promise.all(
        s.phonemizer.punctuation_segments.map((seg) => ph.phonemizeSegment(seg, '')),
      );
      assert.deepEqual(raw, s.phonemizer.espeak_raw_per_segment);
    });
  }
});

test('phonemizer output: all sentences', async (t) => {
  if (!espeakAvailable) return t.skip('espeak-ng not installed');
  const ph = new ESpeakPhonemizer('en-us');
  const outputs = await ph.phonemizeMany(
    sentences.map((s) => s.phonemizer.input),
    '',
  );
  for (const [i, s] of sentences.entries()) {
    await t.test(`#${s.index}`, async () => {
      assert.equal(outputs[i], s.phonemizer.output);
      const d = await ph.phonemizeDetailed(s.phonemizer.input, '');
      assert.deepEqual(d.segments, s.phonemizer.punctuation_segments);
      assert.deepEqual(d.raw, s.phonemizer.espeak_raw_per_segment);
      assert.equal(d.output, s.phonemizer.output);
    });
  }
});

const setups = {
  graphemes_noblank: () =>
    new TTSTokenizer({ characters: new Graphemes(), textCleaner: 'english_cleaners', onNotFound: () => {} }),
  ipa_add_blank: () =>
    new TTSTokenizer({
      characters: new IPAPhonemes(),
      textCleaner: 'phoneme_cleaners',
      usePhonemes: true,
      phonemizer: new ESpeakPhonemizer('en-us'),
      addBlank: true,
      onNotFound: () => {},
    }),
  ipa_eos_bos: () =>
    new TTSTokenizer({
      characters: new IPAPhonemes(),
      textCleaner: 'phoneme_cleaners',
      usePhonemes: true,
      phonemizer: new ESpeakPhonemizer('en-us'),
      useEosBos: true,
      onNotFound: () => {},
    }),
} as const;

for (const [setup, make] of Object.entries(setups) as [keyof typeof setups, () => TTSTokenizer][]) {
  test(`tokenizer ${setup}: ids, decoded, not_found_characters for all sentences`, async (t) => {
    if (setup !== 'graphemes_noblank' && !espeakAvailable) return t.skip('espeak-ng not installed');
    for (const s of sentences) {
      await t.test(`#${s.index}`, async () => {
        const tok = make();
        const ids = await tok.textToIds(s.text);
        assert.deepEqual(ids, s[setup].ids);
        assert.equal(tok.decode(ids), s[setup].decoded);
        assert.deepEqual([...tok.notFoundCharacters.keys()], s[setup].not_found_characters);
      });
    }
  });
}

test('OOV report: reported once per character with Coqui messages, counted, print_logs', async () => {
  const logged: string[] = [];
  const tok = new TTSTokenizer({
    characters: new Graphemes(),
    textCleaner: 'english_cleaners',
    onNotFound: (c, text) => logged.push(notFoundMessage(c, text)),
  });
  assert.equal(tok.clean(oovReport.text), oovReport.cleaned);
  const ids = await tok.textToIds(oovReport.text);
  assert.deepEqual(ids, oovReport.ids);
  assert.equal(tok.decode(ids), oovReport.decoded);
  assert.equal(logged.map((l) => `${l}\n`).join(''), oovReport.stdout_first_call);
  logged.length = 0;
  const ids2 = await tok.textToIds(oovReport.text);
  assert.deepEqual(ids2, oovReport.ids_second_call);
  assert.equal(logged.map((l) => `${l}\n`).join(''), oovReport.stdout_second_call_same_tokenizer);
  assert.deepEqual([...tok.notFoundCharacters.keys()], oovReport.not_found_characters);
  for (const c of oovReport.not_found_characters) assert.equal(tok.notFoundCharacters.get(c), 2);
  assert.equal(tok.describe(), oovReport.print_logs_output);
});
