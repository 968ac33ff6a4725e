/**
 * Which writing systems a language's letters use, so that text in another script is not handed to a
 * phonemizer that would spell it out letter by letter (espeak-ng's English voice reads 世 as "Chinese
 * letter ..."). Letters of the Common and Inherited scripts, digits, punctuation and spaces always pass.
 */

/** Unicode scripts (Script property values) by ISO 639 / espeak-ng primary language subtag. */
const SCRIPTS_BY_LANGUAGE: Record<string, readonly string[]> = {};
const groups: [string[], string[]][] = [
  [
    'af an az bs ca cs cy da de en eo es et eu fi fr ga gd gl hr ht hu id is it la lb lt lv ms mt nb nl nn no oc pl pt ro sk sl sq sv sw tl tn tr vi yo'.split(
      ' ',
    ),
    ['Latin'],
  ],
  ['ba be bg kk ky mk mn ru tt uk'.split(' '), ['Cyrillic']],
  [['sr'], ['Cyrillic', 'Latin']],
  [['el', 'grc'], ['Greek']],
  ['ar fa ps sd ug ur'.split(' '), ['Arabic']],
  [['he', 'yi'], ['Hebrew']],
  [['zh', 'cmn', 'yue', 'hak'], ['Han']],
  [['ja'], ['Han', 'Hiragana', 'Katakana']],
  [['ko'], ['Hangul', 'Han']],
  [['hi', 'mr', 'ne', 'sa', 'kok'], ['Devanagari']],
  [['bn', 'as', 'bpy'], ['Bengali']],
  [['pa'], ['Gurmukhi']],
  [['gu'], ['Gujarati']],
  [['ta'], ['Tamil']],
  [['te'], ['Telugu']],
  [['kn'], ['Kannada']],
  [['ml'], ['Malayalam']],
  [['si'], ['Sinhala']],
  [['th'], ['Thai']],
  [['lo'], ['Lao']],
  [['my'], ['Myanmar']],
  [['ka'], ['Georgian']],
  [['hy'], ['Armenian']],
  [['am'], ['Ethiopic']],
];
for (const [languages, scripts] of groups) for (const l of languages) SCRIPTS_BY_LANGUAGE[l] = scripts;

const SCRIPT_SUBTAGS: Record<string, string> = { latn: 'Latin', cyrl: 'Cyrillic', arab: 'Arabic' };

/**
 * The scripts letters of `language` are written in (a BCP 47 / espeak-ng code: 'en-us', 'cmn-latn-pinyin');
 * undefined for a language this table does not know (then nothing is filtered).
 */
export function scriptsOf(language: string): readonly string[] | undefined {
  const [primary, ...subtags] = language.toLowerCase().split(/[-_]/);
  for (const s of subtags) if (SCRIPT_SUBTAGS[s]) return [SCRIPT_SUBTAGS[s]];
  return SCRIPTS_BY_LANGUAGE[primary ?? ''];
}

const cache = new Map<string, RegExp | null>();

function foreignLetter(language: string): RegExp | null {
  let re = cache.get(language);
  if (re === undefined) {
    const scripts = scriptsOf(language);
    re = scripts
      ? new RegExp(
          `[^\\P{L}${['Common', 'Inherited', ...scripts].map((s) => `\\p{Script=${s}}`).join('')}]`,
          'u',
        )
      : null;
    cache.set(language, re);
  }
  return re;
}

/**
 * Removes the letters of `text` not written in a script of `language` (each replaced by a space, so words
 * do not fuse) and counts them. A language this table does not know keeps everything.
 */
export function dropForeignLetters(
  text: string,
  language: string,
): { text: string; dropped: Map<string, number> } {
  const dropped = new Map<string, number>();
  const re = foreignLetter(language);
  if (!re) return { text, dropped };
  let out = '';
  for (const ch of text) {
    if (re.test(ch)) {
      dropped.set(ch, (dropped.get(ch) ?? 0) + 1);
      out += ' ';
    } else out += ch;
  }
  return { text: dropped.size ? out.replace(/ {2,}/g, ' ').trim() : text, dropped };
}
