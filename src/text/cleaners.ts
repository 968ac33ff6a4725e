/**
 * Text cleaners with the exact behaviour of Coqui TTS's `TTS/tts/utils/text/cleaners.py`, registered under
 * Coqui's names so a Coqui `config.json` (`"text_cleaner": "english_cleaners"`) selects the same function.
 */
import { expandAbbreviations } from './english/abbreviations.ts';
import { normalizeNumbers } from './english/numberNorm.ts';
import { expandTimeEnglish } from './english/timeNorm.ts';
import { PY_S, pyLower, pyStrip } from './pyCompat.ts';
import { convertToAscii } from './transliterate.ts';

/** A cleaner: a pure function from raw text to normalised text. */
export type Cleaner = (text: string) => string;

const WHITESPACE_RE = new RegExp(`${PY_S}+`, 'gu');
const AUX_SYMBOLS_RE = /[<>()[\]"]+/g;

/** Lowercases like Python's `str.lower()`. */
export function lowercase(text: string): string {
  return pyLower(text);
}

/** Replaces every whitespace run by one space and strips both ends. */
export function collapseWhitespace(text: string): string {
  return pyStrip(text.replace(WHITESPACE_RE, ' '));
}

/** Removes `< > ( ) [ ] "`. */
export function removeAuxSymbols(text: string): string {
  return text.replace(AUX_SYMBOLS_RE, '');
}

/**
 * Coqui's `replace_symbols`: `;` and `:` become `,`, `-` becomes a space (removed for Catalan), `&` becomes
 * the language's "and" word; for Catalan and Spanish apostrophes are removed. `lang` null: no `&` rule.
 */
export function replaceSymbols(text: string, lang: string | null = 'en'): string {
  text = text.replaceAll(';', ',');
  text = lang !== 'ca' ? text.replaceAll('-', ' ') : text.replaceAll('-', '');
  text = text.replaceAll(':', ',');
  if (lang === 'en') text = text.replaceAll('&', ' and ');
  else if (lang === 'fr') text = text.replaceAll('&', ' et ');
  else if (lang === 'pt') text = text.replaceAll('&', ' e ');
  else if (lang === 'ca') {
    text = text.replaceAll('&', ' i ');
    text = text.replaceAll("'", '');
  } else if (lang === 'es') {
    text = text.replaceAll('&', 'y');
    text = text.replaceAll("'", '');
  }
  return text;
}

/** Lowercase and collapse whitespace, no transliteration (`basic_cleaners`). */
export function basicCleaners(text: string): string {
  return collapseWhitespace(lowercase(text));
}

/**
 * Coqui's `transliteration_cleaners`: lowercase and collapse whitespace. (Coqui has the ASCII conversion of
 * this pipeline commented out; for parity it is not applied here either. Use {@link asciiCleaners} for that.)
 */
export function transliterationCleaners(text: string): string {
  return collapseWhitespace(lowercase(text));
}

/** Transliterate to ASCII, lowercase and collapse whitespace (what `transliteration_cleaners` was meant to do). */
export function asciiCleaners(text: string): string {
  return collapseWhitespace(lowercase(convertToAscii(text)));
}

/** German: lowercase and collapse whitespace. */
export function basicGermanCleaners(text: string): string {
  return collapseWhitespace(lowercase(text));
}

/** Turkish: dotless ı for capital I, then lowercase and collapse whitespace. */
export function basicTurkishCleaners(text: string): string {
  return collapseWhitespace(lowercase(text.replaceAll('I', 'ı')));
}

/**
 * English pipeline (`english_cleaners`): lowercase, clock times, numbers, abbreviations, symbols,
 * auxiliary symbols, whitespace. (As in Coqui, no ASCII transliteration: "café" stays "café".)
 */
export function englishCleaners(text: string): string {
  text = lowercase(text);
  text = expandTimeEnglish(text);
  text = normalizeNumbers(text);
  text = expandAbbreviations(text);
  text = replaceSymbols(text);
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** Pipeline for phoneme models (`phoneme_cleaners`): as English but keeps case and has no time rule. */
export function phonemeCleaners(text: string): string {
  text = normalizeNumbers(text);
  text = expandAbbreviations(text);
  text = replaceSymbols(text);
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** French pipeline (`french_cleaners`): French abbreviations, lowercase, symbols ("&" -> "et"). */
export function frenchCleaners(text: string): string {
  text = expandAbbreviations(text, 'fr');
  text = lowercase(text);
  text = replaceSymbols(text, 'fr');
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** Portuguese pipeline (`portuguese_cleaners`). */
export function portugueseCleaners(text: string): string {
  text = lowercase(text);
  text = replaceSymbols(text, 'pt');
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** Spanish pipeline (`spanish_cleaners`). */
export function spanishCleaners(text: string): string {
  text = lowercase(text);
  text = replaceSymbols(text, 'es');
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** Language-neutral pipeline (`multilingual_cleaners`): lowercase, symbols (no "&" rule), whitespace. */
export function multilingualCleaners(text: string): string {
  text = lowercase(text);
  text = replaceSymbols(text, null);
  text = removeAuxSymbols(text);
  return collapseWhitespace(text);
}

/** Identity cleaner. */
export function noCleaners(text: string): string {
  return text;
}

/** Cleaners by their Coqui (snake_case) name. */
export const CLEANERS: Readonly<Record<string, Cleaner>> = Object.freeze({
  basic_cleaners: basicCleaners,
  transliteration_cleaners: transliterationCleaners,
  ascii_cleaners: asciiCleaners,
  basic_german_cleaners: basicGermanCleaners,
  basic_turkish_cleaners: basicTurkishCleaners,
  english_cleaners: englishCleaners,
  phoneme_cleaners: phonemeCleaners,
  french_cleaners: frenchCleaners,
  portuguese_cleaners: portugueseCleaners,
  spanish_cleaners: spanishCleaners,
  multilingual_cleaners: multilingualCleaners,
  no_cleaners: noCleaners,
});

/** Names accepted by {@link getCleaner}. */
export function cleanerNames(): string[] {
  return Object.keys(CLEANERS);
}

/**
 * Looks a cleaner up by Coqui name (`"english_cleaners"`) or camelCase name (`"englishCleaners"`).
 * @throws Error listing the valid names when `name` is unknown.
 */
export function getCleaner(name: string): Cleaner {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const cleaner = Object.hasOwn(CLEANERS, name)
    ? CLEANERS[name]
    : Object.hasOwn(CLEANERS, snake)
      ? CLEANERS[snake]
      : undefined;
  if (!cleaner) {
    throw new Error(
      `unknown text cleaner ${JSON.stringify(name)}; valid names: ${cleanerNames().join(', ')}`,
    );
  }
  return cleaner;
}
