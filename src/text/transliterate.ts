/**
 * Compact transliteration to ASCII (a small stand-in for `unidecode`/`anyascii`): Unicode NFKD
 * decomposition with combining marks removed, plus a table for letters and symbols that do not decompose.
 * Characters with no ASCII equivalent are dropped.
 */

const TABLE: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ĸ: 'q',
  ŋ: 'ng',
  Ŋ: 'NG',
  ŧ: 't',
  Ŧ: 'T',
  ſ: 's',
  ə: 'e',
  Ə: 'E',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '«': '<<',
  '»': '>>',
  '‹': '<',
  '›': '>',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '…': '...',
  '•': '*',
  '·': '.',
  '×': 'x',
  '÷': '/',
  '©': '(C)',
  '®': '(R)',
  '°': 'deg',
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '¢': 'c',
  '§': 'S',
  '¶': 'P',
  '¡': '!',
  '¿': '?',
  '\u00a0': ' ',
};

const COMBINING_MARKS = /\p{M}/gu;

/** Transliterates `text` to ASCII ("Zürich" -> "Zurich", "Straße" -> "Strasse", "“x”" -> "\"x\""). */
export function convertToAscii(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      out += ch;
      continue;
    }
    const mapped = TABLE[ch];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    const decomposed = ch.normalize('NFKD').replace(COMBINING_MARKS, '');
    for (const d of decomposed) {
      if (d.charCodeAt(0) < 0x80) out += d;
      else out += TABLE[d] ?? '';
    }
  }
  return out;
}
