/** Sentence splitting for any language with `Intl.Segmenter` (ICU sentence boundaries). */

/** Options of {@link splitSentences}. */
export interface SplitSentencesOptions {
  /**
   * Rejoin a piece ending in a known abbreviation ("Mr.", "Dr.", "z.B.") or a single-letter initial with
   * the next one (ICU breaks after them). Default true.
   */
  mergeAbbreviations?: boolean;
}

const ABBREVIATIONS: Record<string, string[]> = {
  en: [
    'mr',
    'mrs',
    'ms',
    'dr',
    'st',
    'jr',
    'sr',
    'prof',
    'gen',
    'col',
    'lt',
    'sgt',
    'capt',
    'rev',
    'hon',
    'vs',
    'etc',
    'e.g',
    'i.e',
    'no',
    'ft',
    'mt',
  ],
  de: [
    'z',
    'd',
    'z.b',
    'd.h',
    'u.a',
    'bzw',
    'usw',
    'nr',
    'dr',
    'prof',
    'hr',
    'fr',
    'ca',
    'evtl',
    'ggf',
    'vgl',
    'sog',
    'st',
  ],
  fr: ['m', 'mme', 'mlle', 'dr', 'st', 'ste', 'etc', 'p.ex', 'av', 'n°'],
  es: ['sr', 'sra', 'srta', 'dr', 'dra', 'ud', 'uds', 'etc'],
};

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(language: string): Intl.Segmenter {
  let s = segmenters.get(language);
  if (!s) {
    let locale = 'und';
    try {
      locale = Intl.getCanonicalLocales(language)[0] ?? 'und';
    } catch {
      locale = 'und';
    }
    s = new Intl.Segmenter(locale, { granularity: 'sentence' });
    segmenters.set(language, s);
  }
  return s;
}

function endsWithAbbreviation(piece: string, language: string): boolean {
  const m = /(?:^|[\s(])((?:\p{L}\.)*\p{L}+)\.$/u.exec(piece);
  if (!m) return false;
  const word = m[1]!.toLowerCase();
  if (/^\p{L}$/u.test(word) && /\p{Lu}/u.test(m[1]!)) return true;
  const base = language.toLowerCase().split(/[-_]/)[0]!;
  return (ABBREVIATIONS[base] ?? []).includes(word);
}

/**
 * Splits `text` into sentences using the language's ICU rules (e.g. "。" / "！" in Chinese and Japanese),
 * trimming each and dropping empty ones.
 */
export function splitSentences(text: string, language = 'en', options: SplitSentencesOptions = {}): string[] {
  const merge = options.mergeAbbreviations ?? true;
  const out: string[] = [];
  let pending = '';
  for (const { segment } of segmenterFor(language).segment(text)) {
    const piece = (pending + segment).trim();
    if (merge && piece && endsWithAbbreviation(piece, language)) {
      pending += segment;
      continue;
    }
    pending = '';
    if (piece) out.push(piece);
  }
  const tail = pending.trim();
  if (tail) out.push(tail);
  return out;
}
