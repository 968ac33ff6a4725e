import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BaseCharacters,
  charactersFromConfig,
  Graphemes,
  IPAPhonemes,
  type Phonemizer,
  Punctuation,
  TTSTokenizer,
} from '../../src/text/index.ts';

test('characters toConfig / fromConfig round trip (JSON)', () => {
  for (const chars of [
    new Graphemes(),
    new IPAPhonemes(),
    new Graphemes({ characters: 'cba', blank: null }),
  ]) {
    const cfg = JSON.parse(JSON.stringify(chars.toConfig()));
    const back = BaseCharacters.fromConfig(cfg);
    assert.deepEqual([...back.vocab], [...chars.vocab]);
    assert.equal(back.className, chars.className);
    assert.deepEqual(back.toConfig(), chars.toConfig());
  }
  const custom = new Graphemes({ characters: 'cba', blank: null });
  assert.deepEqual([...custom.vocab].slice(0, 6), ['<PAD>', '<EOS>', '<BOS>', 'a', 'b', 'c']);
  assert.equal(custom.blankId, custom.numChars);
});

test('characters from a Coqui snake_case config', () => {
  const chars = charactersFromConfig({
    characters_class: 'TTS.tts.utils.text.characters.IPAPhonemes',
    phonemes: 'ba',
    punctuations: '!.',
    pad: '_',
    eos: '~',
    bos: '^',
    blank: null,
    is_unique: true,
    is_sorted: true,
  });
  assert.ok(chars instanceof IPAPhonemes);
  assert.deepEqual([...chars.vocab], ['_', '~', '^', 'a', 'b', '!', '.']);
  assert.throws(() => charactersFromConfig({ charactersClass: 'Nope' as never }), /unknown characters class/);
});

test('duplicates: rejected when isUnique, last id wins otherwise (as a Python dict)', () => {
  assert.throws(() => new Graphemes({ characters: 'ab ', isUnique: true }), /duplicate characters/);
  const g = new Graphemes({ characters: 'ab ', isSorted: false });
  assert.equal(g.charToId(' '), g.numChars - 1);
  const u = new Graphemes({ characters: 'abba', isUnique: true, isSorted: false, punctuations: '' });
  assert.deepEqual([...u.vocab].slice(4), ['a', 'b']);
});

test('tokenizer: blanks, BOS/EOS, decode', () => {
  const tok = new TTSTokenizer({ characters: new Graphemes(), addBlank: true, useEosBos: true });
  const ids = tok.textToIdsSync('ab');
  assert.deepEqual(ids, [2, 3, 30, 3, 31, 3, 1]);
  assert.equal(tok.decode(ids), '<BOS><BLNK>a<BLNK>b<BLNK><EOS>');
  assert.deepEqual(tok.intersperseBlankChar([5, 6], false), [0, 5, 0, 6, 0]);
  assert.throws(() => tok.decode([999]), /outside the vocabulary/);
});

test('tokenizer: out-of-vocabulary symbols are reported once, counted, never silently dropped', () => {
  const seen: [string, string][] = [];
  const tok = new TTSTokenizer({ characters: new Graphemes(), onNotFound: (c, t) => seen.push([c, t]) });
  assert.deepEqual(tok.textToIdsSync('a€b€'), [30, 31]);
  assert.deepEqual(tok.textToIdsSync('€ü'), []);
  assert.deepEqual(seen, [
    ['€', 'a€b€'],
    ['ü', '€ü'],
  ]);
  assert.deepEqual(
    [...tok.notFoundCharacters],
    [
      ['€', 3],
      ['ü', 1],
    ],
  );
});

class FakePhonemizer implements Phonemizer {
  readonly name = 'fake';
  readonly language = 'xx';
  calls = 0;
  async phonemize(text: string, separator = '|'): Promise<string> {
    this.calls++;
    return text.toLowerCase().split('').join(separator);
  }
  phonemizeMany(texts: readonly string[], separator = '|'): Promise<string[]> {
    return Promise.all(texts.map((t) => this.phonemize(t, separator)));
  }
  async version(): Promise<string> {
    return '1';
  }
}

test('tokenizer with a phonemizer, per-language phonemizers, fromConfig', async () => {
  const fake = new FakePhonemizer();
  const tok = new TTSTokenizer({ characters: new IPAPhonemes(), usePhonemes: true, phonemizer: fake });
  assert.deepEqual(await tok.textToIds('AB'), [4, 5]);
  assert.deepEqual(await tok.textToIdsMany(['A', 'B']), [[4], [5]]);
  assert.throws(() => tok.textToIdsSync('a'), /cannot phonemize/);
  const multi = new TTSTokenizer({
    characters: new IPAPhonemes(),
    usePhonemes: true,
    phonemizer: { xx: fake },
  });
  assert.deepEqual(await multi.textToIds('a', 'xx'), [4]);
  await assert.rejects(multi.textToIds('a', 'yy'), /no phonemizer for language "yy"/);

  const cfg = {
    textCleaner: 'phoneme_cleaners',
    usePhonemes: true,
    phonemizer: 'espeak',
    phonemeLanguage: 'en-us',
    addBlank: true,
    useEosBosToken: false,
    characters: new IPAPhonemes().toConfig(),
  };
  const fromCfg = TTSTokenizer.fromConfig(JSON.parse(JSON.stringify(cfg)), { phonemizer: fake });
  assert.equal(fromCfg.addBlank, true);
  assert.ok(fromCfg.characters instanceof IPAPhonemes);
  assert.deepEqual(await fromCfg.textToIds('A'), [3, 4, 3]);
  const g = TTSTokenizer.fromConfig({ textCleaner: 'english_cleaners', addBlank: false });
  assert.ok(g.characters instanceof Graphemes);
  assert.equal(g.toConfig().textCleaner, 'english_cleaners');
  assert.deepEqual(TTSTokenizer.fromConfig(g.toConfig()).textToIdsSync('Hi 2'), g.textToIdsSync('Hi 2'));
  assert.throws(() => TTSTokenizer.fromConfig({ usePhonemes: true, phonemizer: 'gruut' }), /not available/);
  assert.throws(() => TTSTokenizer.fromConfig({ textCleaner: 'nope' }), /valid names/);
});

test('punctuation: BEGIN / END / only-punctuation cases', () => {
  const p = new Punctuation();
  assert.deepEqual(p.stripToRestore('...Hello, world'), [
    ['Hello', 'world'],
    [
      { punc: '...', position: 'BEGIN' },
      { punc: ', ', position: 'MIDDLE' },
    ],
  ]);
  assert.deepEqual(Punctuation.restore(['H', 'W'], p.stripToRestore('...Hello, world')[1]), ['...H, W']);
  assert.deepEqual(p.stripToRestore('?!'), [[], [{ punc: '?!', position: 'BEGIN' }]]);
  assert.deepEqual(Punctuation.restore([], [{ punc: '?!', position: 'BEGIN' }]), ['?!']);
  assert.deepEqual(p.stripToRestore('no punctuation'), [['no punctuation'], []]);
  assert.equal(p.strip('This is. example !'), 'This is example');
  // Coqui quirk kept: a lone leading run drops the following text piece.
  assert.deepEqual(p.stripToRestore('¿Hola'), [[], [{ punc: '¿', position: 'BEGIN' }]]);
});
