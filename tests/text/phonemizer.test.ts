import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CachedPhonemizer,
  ESPEAK_MISSING_MESSAGE,
  ESpeakPhonemizer,
  joinEspeakLines,
  PhonemeCache,
  type Phonemizer,
  TTSTokenizer,
} from '../../src/text/index.ts';
import { espeakAvailable } from './espeakAvailable.ts';

test('missing espeak-ng: clear error', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'ribbit-nopath-'));
  const ph = new ESpeakPhonemizer('en-us', { env: { PATH: empty } });
  assert.equal(await ph.isAvailable(), false);
  await assert.rejects(ph.version(), { message: ESPEAK_MISSING_MESSAGE });
  await assert.rejects(ph.phonemize('hello'), {
    message: 'espeak-ng is not installed: apt-get install espeak-ng',
  });
});

test('espeak output lines are joined as Coqui does', () => {
  assert.equal(joinEspeakLines('  h_ə_l_ˈoʊ \n(en)w_ˈɜː_l_d(fr) \n'), 'h_ə_l_ˈoʊw_ˈɜː_l_d');
  assert.equal(joinEspeakLines('\n'), '');
});

test('espeak-ng: version, languages, separator, unsupported language', async (t) => {
  if (!espeakAvailable) return t.skip('espeak-ng not installed');
  const ph = new ESpeakPhonemizer('en');
  assert.equal(ph.language, 'en-us');
  assert.match(await ph.version(), /^\d+\.\d+/);
  const langs = await ph.listLanguages();
  assert.ok(Object.hasOwn(langs, 'en-us'));
  assert.ok(Object.hasOwn(langs, 'de'));
  assert.equal(await ph.phonemize('hello', ''), 'həlˈoʊ');
  assert.equal(await ph.phonemize('hello'), 'h|ə|l|ˈoʊ');
  assert.equal(
    await new ESpeakPhonemizer('en-us', { keepPuncs: false }).phonemize('hello, world!', ''),
    'həlˈoʊ wˈɜːld',
  );
  assert.match(await new ESpeakPhonemizer('de').phonemize('Guten Tag.', ''), /^ɡˈuːtən tˈ.+k\.$/);
  await assert.rejects(new ESpeakPhonemizer('xx-nope').phonemize('a'), /language "xx-nope" is not supported/);
});

test('espeak-ng: text that looks like options is spoken, never read as options', async (t) => {
  if (!espeakAvailable) return t.skip('espeak-ng not installed');
  // without the end-of-options marker, "-f/etc/hostname" made espeak-ng read that file and "--version" spoke its banner
  const ph = new ESpeakPhonemizer('en-us', { keepPuncs: false });
  const file = await ph.phonemize('-f/etc/hostname', '');
  assert.match(file, /ˈɛf/, file);
  assert.match(file, /hˈoʊstneɪm/, file);
  const version = await ph.phonemize('--version', '');
  assert.doesNotMatch(version, /\d|espeak|ɛspiːk/i, version);
  assert.match(version, /vˈɜːʒən/, version);
  assert.equal(await ph.phonemize('-v', ''), await ph.phonemize('v', ''));
});

class CountingPhonemizer implements Phonemizer {
  calls = 0;
  constructor(
    readonly name: string,
    readonly language: string,
    readonly ver: string,
  ) {}
  async phonemize(text: string, separator = '|'): Promise<string> {
    this.calls++;
    return `${this.name}:${this.language}:${text}`.split('').join(separator);
  }
  phonemizeMany(texts: readonly string[], separator = '|'): Promise<string[]> {
    return Promise.all(texts.map((t) => this.phonemize(t, separator)));
  }
  async version(): Promise<string> {
    return this.ver;
  }
}

test('phoneme cache: hit on identical key, miss when any key part changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-phcache-'));
  const cache = new PhonemeCache(dir);
  const base = new CountingPhonemizer('fake', 'en-us', '1.0');
  const cached = new CachedPhonemizer(base, cache, { vocabulary: 'abc' });
  const first = await cached.phonemize('hello', '');
  assert.equal(await cached.phonemize('hello', ''), first);
  assert.deepEqual([cached.hits, cached.misses, base.calls], [1, 1, 1]);
  // a fresh wrapper over the same directory hits too
  const again = new CachedPhonemizer(new CountingPhonemizer('fake', 'en-us', '1.0'), cache, {
    vocabulary: 'abc',
  });
  assert.equal(await again.phonemize('hello', ''), first);
  assert.equal(again.hits, 1);

  const variants: [string, CachedPhonemizer, string][] = [
    [
      'text',
      new CachedPhonemizer(new CountingPhonemizer('fake', 'en-us', '1.0'), cache, { vocabulary: 'abc' }),
      'hello!',
    ],
    [
      'language',
      new CachedPhonemizer(new CountingPhonemizer('fake', 'de', '1.0'), cache, { vocabulary: 'abc' }),
      'hello',
    ],
    [
      'name',
      new CachedPhonemizer(new CountingPhonemizer('other', 'en-us', '1.0'), cache, { vocabulary: 'abc' }),
      'hello',
    ],
    [
      'version',
      new CachedPhonemizer(new CountingPhonemizer('fake', 'en-us', '1.1'), cache, { vocabulary: 'abc' }),
      'hello',
    ],
    [
      'vocabulary',
      new CachedPhonemizer(new CountingPhonemizer('fake', 'en-us', '1.0'), cache, { vocabulary: 'abcd' }),
      'hello',
    ],
  ];
  for (const [part, p, text] of variants) {
    await p.phonemize(text, '');
    assert.deepEqual([p.hits, p.misses], [0, 1], `changing ${part} must miss`);
  }
  const sep = new CachedPhonemizer(new CountingPhonemizer('fake', 'en-us', '1.0'), cache, {
    vocabulary: 'abc',
  });
  await sep.phonemize('hello', '|');
  assert.equal(sep.misses, 1, 'changing the separator must miss');
  const keys = new Set(
    [
      { text: 'a', language: 'l', phonemizer: 'p', version: 'v', vocabulary: 'x' },
      { text: 'b', language: 'l', phonemizer: 'p', version: 'v', vocabulary: 'x' },
      { text: 'a', language: 'm', phonemizer: 'p', version: 'v', vocabulary: 'x' },
      { text: 'a', language: 'l', phonemizer: 'q', version: 'v', vocabulary: 'x' },
      { text: 'a', language: 'l', phonemizer: 'p', version: 'w', vocabulary: 'x' },
      { text: 'a', language: 'l', phonemizer: 'p', version: 'v', vocabulary: 'y' },
    ].map((k) => PhonemeCache.key(k)),
  );
  assert.equal(keys.size, 6);
});

test('phoneme cache with espeak-ng through TTSTokenizer.fromConfig', async (t) => {
  if (!espeakAvailable) return t.skip('espeak-ng not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-phcache-'));
  const cfg = {
    textCleaner: 'phoneme_cleaners',
    usePhonemes: true,
    phonemizer: 'espeak',
    phonemeLanguage: 'en-us',
  };
  const a = TTSTokenizer.fromConfig(cfg, { phonemeCacheDir: dir });
  const ids = await a.textToIdsMany(['Hello there.', 'Two words, here!']);
  const b = TTSTokenizer.fromConfig(cfg, { phonemeCacheDir: dir });
  assert.deepEqual(await b.textToIdsMany(['Hello there.', 'Two words, here!']), ids);
  const p = b.phonemizer as CachedPhonemizer;
  assert.deepEqual([p.hits, p.misses], [2, 0]);
  assert.equal(a.decode(ids[0]!), 'həlˈoʊ ðˈɛɹ.');
});
