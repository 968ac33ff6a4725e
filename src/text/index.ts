/**
 * ribbit text front end: Coqui-compatible cleaners, vocabularies, tokenizer, punctuation handling,
 * espeak-ng phonemizer with an on-disk cache, and sentence splitting.
 */

export {
  BaseCharacters,
  BLANK,
  BOS,
  type CharactersClassName,
  type CharactersConfig,
  type CharactersOptions,
  charactersFromConfig,
  EOS,
  GRAPHEME_CHARACTERS,
  Graphemes,
  IPA_PHONEMES,
  IPAPhonemes,
  PAD,
  PUNCTUATIONS,
} from './characters.ts';
export {
  asciiCleaners,
  basicCleaners,
  basicGermanCleaners,
  basicTurkishCleaners,
  CLEANERS,
  type Cleaner,
  cleanerNames,
  collapseWhitespace,
  englishCleaners,
  frenchCleaners,
  getCleaner,
  lowercase,
  multilingualCleaners,
  noCleaners,
  phonemeCleaners,
  portugueseCleaners,
  removeAuxSymbols,
  replaceSymbols,
  spanishCleaners,
  transliterationCleaners,
} from './cleaners.ts';
export {
  ABBREVIATIONS_EN,
  ABBREVIATIONS_FR,
  type AbbreviationRule,
  expandAbbreviations,
} from './english/abbreviations.ts';
export { CURRENCIES, expandNumber, normalizeNumbers } from './english/numberNorm.ts';
export {
  NumberOutOfRangeError,
  type NumberToWordsOptions,
  numberToWords,
  ordinalWord,
} from './english/numberWords.ts';
export { expandTimeEnglish } from './english/timeNorm.ts';
export * from './phonemizers/index.ts';
export { DEFAULT_PUNCTUATIONS, type PuncIndex, type PuncPosition, Punctuation } from './punctuation.ts';
export { type SplitSentencesOptions, splitSentences } from './sentences.ts';
export {
  type NotFoundLogger,
  notFoundMessage,
  type TokenizerConfig,
  type TokenizerRuntimeOptions,
  TTSTokenizer,
  type TTSTokenizerOptions,
} from './tokenizer.ts';
export { convertToAscii } from './transliterate.ts';
