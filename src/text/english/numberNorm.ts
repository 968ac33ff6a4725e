/**
 * English number normalisation with the exact behaviour of Coqui's `english/number_norm.py`: comma
 * numbers, currency ($, £, ¥), decimals ("point"), ordinals and cardinals, with years between 1000 and
 * 3000 read in pairs ("nineteen ninety").
 */
import { numberToWords } from './numberWords.ts';

const COMMA_NUMBER_RE = /([0-9][0-9,]+[0-9])/g;
const CURRENCY_RE = /(£|\$|¥)([0-9,.]*[0-9]+)/g;
const DECIMAL_NUMBER_RE = /([0-9]+\.[0-9]+)/g;
const ORDINAL_RE = /[0-9]+(st|nd|rd|th)/g;
const NUMBER_RE = /-?[0-9]+/g;

/** Unit names of one currency: keyed like Coqui's table (0.01 / 0.02 fraction units, 1 / 2 integer units). */
interface CurrencyUnits {
  cent?: string;
  cents: string;
  one?: string;
  many: string;
}

/** Currency words used by {@link normalizeNumbers} (the euro is listed but, as in Coqui, never matched). */
export const CURRENCIES: Record<string, CurrencyUnits> = {
  $: { cent: 'cent', cents: 'cents', one: 'dollar', many: 'dollars' },
  '€': { cent: 'cent', cents: 'cents', one: 'euro', many: 'euros' },
  '£': { cent: 'penny', cents: 'pence', one: 'pound sterling', many: 'pounds sterling' },
  '¥': { cents: 'sen', many: 'yen' },
};

function parseIntLoose(digits: string): bigint {
  return digits === '' ? 0n : BigInt(digits);
}

function expandCurrency(value: string, units: CurrencyUnits): string {
  const parts = value.replace(/,/g, '').split('.');
  if (parts.length > 2) return `${value} ${units.many}`;
  const out: string[] = [];
  const integer = parseIntLoose(parts[0]!);
  if (integer > 0n) out.push(`${integer} ${integer === 1n ? (units.one ?? units.many) : units.many}`);
  const fraction = parts.length > 1 ? parseIntLoose(parts[1]!) : 0n;
  if (fraction > 0n) out.push(`${fraction} ${fraction === 1n ? (units.cent ?? units.cents) : units.cents}`);
  if (out.length === 0) return `zero ${units.many}`;
  return out.join(' ');
}

/** Spells one (possibly negative) integer the way Coqui's `_expand_number` does. */
export function expandNumber(digits: string): string {
  const num = BigInt(digits);
  if (num > 1000n && num < 3000n) {
    if (num === 2000n) return 'two thousand';
    if (num > 2000n && num < 2010n) return `two thousand ${numberToWords(num % 100n)}`;
    if (num % 100n === 0n) return `${numberToWords(num / 100n)} hundred`;
    return numberToWords(num, { andword: '', zero: 'oh', group: 2 }).replace(/, /g, ' ');
  }
  return numberToWords(num, { andword: '' });
}

/** Coqui's `normalize_numbers`: replaces every number in `text` by English words. */
export function normalizeNumbers(text: string): string {
  text = text.replace(COMMA_NUMBER_RE, (m) => m.replace(/,/g, ''));
  text = text.replace(CURRENCY_RE, (_m, unit: string, value: string) =>
    expandCurrency(value, CURRENCIES[unit]!),
  );
  text = text.replace(DECIMAL_NUMBER_RE, (m) => m.replace(/\./g, ' point '));
  text = text.replace(ORDINAL_RE, (m) => numberToWords(m));
  text = text.replace(NUMBER_RE, (m) => expandNumber(m));
  return text;
}
