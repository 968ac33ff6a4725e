/** Abbreviation tables of Coqui's English and French cleaners. */
import { PY_B } from '../pyCompat.ts';

/** A compiled abbreviation rule: regex and replacement. */
export interface AbbreviationRule {
  pattern: RegExp;
  replacement: string;
}

/** Builds `\b<source>\.` (case-insensitive) rules; `source` is regex text, as in Coqui. */
function dotted(pairs: [string, string][]): AbbreviationRule[] {
  return pairs.map(([src, replacement]) => ({ pattern: new RegExp(`${PY_B}${src}\\.`, 'giu'), replacement }));
}

/** English abbreviations ("mr." -> "mister", ...), applied in this order. */
export const ABBREVIATIONS_EN: AbbreviationRule[] = dotted([
  ['mrs', 'misess'],
  ['mr', 'mister'],
  ['dr', 'doctor'],
  ['st', 'saint'],
  ['co', 'company'],
  ['jr', 'junior'],
  ['maj', 'major'],
  ['gen', 'general'],
  ['drs', 'doctors'],
  ['rev', 'reverend'],
  ['lt', 'lieutenant'],
  ['hon', 'honorable'],
  ['sgt', 'sergeant'],
  ['capt', 'captain'],
  ['esq', 'esquire'],
  ['ltd', 'limited'],
  ['col', 'colonel'],
  ['ft', 'fort'],
]);

/** French abbreviations, applied in this order (Coqui's list; dots inside a source match any character). */
export const ABBREVIATIONS_FR: AbbreviationRule[] = [
  ...dotted([
    ['M', 'monsieur'],
    ['Mlle', 'mademoiselle'],
    ['Mlles', 'mesdemoiselles'],
    ['Mme', 'Madame'],
    ['Mmes', 'Mesdames'],
    ['N.B', 'nota bene'],
    ['M', 'monsieur'],
    ['p.c.q', 'parce que'],
    ['Pr', 'professeur'],
    ['qqch', 'quelque chose'],
    ['rdv', 'rendez-vous'],
    ['max', 'maximum'],
    ['min', 'minimum'],
    ['no', 'numéro'],
    ['adr', 'adresse'],
    ['dr', 'docteur'],
    ['st', 'saint'],
    ['co', 'companie'],
    ['jr', 'junior'],
    ['sgt', 'sergent'],
    ['capt', 'capitain'],
    ['col', 'colonel'],
    ['av', 'avenue'],
    ['av. J.-C', 'avant Jésus-Christ'],
    ['apr. J.-C', 'après Jésus-Christ'],
    ['art', 'article'],
    ['boul', 'boulevard'],
    ['c.-à-d', 'c’est-à-dire'],
    ['etc', 'et cetera'],
    ['ex', 'exemple'],
    ['excl', 'exclusivement'],
    ['boul', 'boulevard'],
  ]),
  ...(
    [
      ['Mlle', 'mademoiselle'],
      ['Mlles', 'mesdemoiselles'],
      ['Mme', 'Madame'],
      ['Mmes', 'Mesdames'],
    ] as [string, string][]
  ).map(([src, replacement]) => ({ pattern: new RegExp(`${PY_B}${src}`, 'gu'), replacement })),
];

/** Applies the abbreviation rules of `lang` ("en" or "fr") in order. */
export function expandAbbreviations(text: string, lang: 'en' | 'fr' = 'en'): string {
  const rules = lang === 'fr' ? ABBREVIATIONS_FR : ABBREVIATIONS_EN;
  for (const { pattern, replacement } of rules) text = text.replace(pattern, () => replacement);
  return text;
}
