import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asciiCleaners,
  basicTurkishCleaners,
  cleanerNames,
  collapseWhitespace,
  convertToAscii,
  englishCleaners,
  expandAbbreviations,
  frenchCleaners,
  getCleaner,
  multilingualCleaners,
  noCleaners,
  phonemeCleaners,
  replaceSymbols,
  spanishCleaners,
  transliterationCleaners,
} from '../../src/text/index.ts';

test('abbreviations', () => {
  assert.equal(expandAbbreviations('Mr. Smith and Mrs. Smith'), 'mister Smith and misess Smith');
  assert.equal(expandAbbreviations('DR. Who, drs. Pepper'), 'doctor Who, doctors Pepper');
  assert.equal(
    expandAbbreviations('Capt. Hook, Lt. Dan, Ft. Worth, St. Louis'),
    'captain Hook, lieutenant Dan, fort Worth, saint Louis',
  );
  assert.equal(expandAbbreviations('mr Smith'), 'mr Smith');
  assert.equal(expandAbbreviations('Amr. x'), 'Amr. x');
  // Python's \b is Unicode-aware: "é" is a word character, so no boundary before "mr".
  assert.equal(expandAbbreviations('émr. x'), 'émr. x');
  assert.equal(expandAbbreviations('M. Dupont, Mme Curie', 'fr'), 'monsieur Dupont, Madame Curie');
});

test('symbols and whitespace', () => {
  assert.equal(replaceSymbols('a;b:c-d & e'), 'a,b,c d  and  e');
  assert.equal(replaceSymbols("l'avi-cau & x", 'ca'), 'lavicau  i  x');
  assert.equal(replaceSymbols('a & b', null), 'a & b');
  assert.equal(collapseWhitespace('  a \t\n b\u00a0 c  '), 'a b c');
});

test('englishCleaners / phonemeCleaners', () => {
  assert.equal(
    englishCleaners('Dr. Jones paid $5 at 3:15pm [sic]!'),
    'doctor jones paid five dollars at three fifteen p m sic!',
  );
  assert.equal(
    phonemeCleaners('Dr. Jones paid $5 at 3:15pm [sic]!'),
    'doctor Jones paid five dollars at three,fifteenpm sic!',
  );
  assert.equal(englishCleaners('The café'), 'the café');
});

test('other language cleaners', () => {
  assert.equal(basicTurkishCleaners('IŞIK  Ilık'), 'ışık ılık');
  assert.equal(frenchCleaners('M. Dupont & Co'), 'monsieur dupont et co');
  assert.equal(spanishCleaners("Niño & l'agua"), 'niño y lagua');
  assert.equal(multilingualCleaners('Hello-World; "Yes" & no'), 'hello world, yes & no');
  assert.equal(transliterationCleaners('Zürich  Café'), 'zürich café');
  assert.equal(noCleaners(' As Is '), ' As Is ');
});

test('ASCII transliteration', () => {
  assert.equal(
    convertToAscii('Zürich Straße Ærø Łódź “quoted” – naïve… ©'),
    'Zurich Strasse AEro Lodz "quoted" - naive... (C)',
  );
  assert.equal(convertToAscii('Ångström crème brûlée façade'), 'Angstrom creme brulee facade');
  assert.equal(asciiCleaners('  Crème  Brûlée '), 'creme brulee');
  assert.equal(convertToAscii('日本'), '');
});

test('cleaner registry', () => {
  assert.equal(getCleaner('english_cleaners'), englishCleaners);
  assert.equal(getCleaner('englishCleaners'), englishCleaners);
  assert.equal(getCleaner('phoneme_cleaners'), phonemeCleaners);
  assert.ok(cleanerNames().includes('basic_cleaners'));
  assert.throws(
    () => getCleaner('klingon_cleaners'),
    /unknown text cleaner "klingon_cleaners"; valid names: .*english_cleaners/,
  );
});
