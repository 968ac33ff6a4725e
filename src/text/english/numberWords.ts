/**
 * English number spelling compatible with Python `inflect`'s `engine().number_to_words()`, which Coqui's
 * English number normalisation uses. Outputs (hyphens, commas, "and", grouping, ordinals) follow inflect
 * exactly for every input Coqui's cleaners can produce; the implementation is our own.
 */

const UNITS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = [
  ' ',
  ' thousand',
  ' million',
  ' billion',
  ' trillion',
  ' quadrillion',
  ' quintillion',
  ' sextillion',
  ' septillion',
  ' octillion',
  ' nonillion',
  ' decillion',
];
/** Ordinal suffixes of digit strings ("1st", "22nd", ...). */
const ORDINAL_SUFFIXES = new Set(['th', 'st', 'nd', 'rd']);
const ORDINAL_WORD_ENDINGS: Record<string, string> = {
  ty: 'tieth',
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};
const ORDINAL_WORD_RE = /(ty|one|two|three|five|eight|nine|twelve)$/;

/** Raised for numbers beyond the decillions, as inflect does. */
export class NumberOutOfRangeError extends RangeError {
  constructor(what: string) {
    super(`number too large to spell in words: ${what}`);
    this.name = 'NumberOutOfRangeError';
  }
}

/** Options of {@link numberToWords}; defaults equal inflect's. */
export interface NumberToWordsOptions {
  /** 0 (normal reading) or 1, 2, 3: read the digits in groups of that size ("nineteen, eighty-four"). */
  group?: 0 | 1 | 2 | 3;
  /** Separator between thousands groups; `''`/`false` for none. Default `','`. */
  comma?: string | false;
  /** Word between hundreds and tens ("one hundred and one"); `''` for none. Default `'and'`. */
  andword?: string;
  /** Word for the digit 0. Default `'zero'`. */
  zero?: string;
  /** Word for the digit 1. Default `'one'`. */
  one?: string;
  /** Word for the decimal point; `''`/`false` to not split on `.`. Default `'point'`. */
  decimal?: string | false;
  /** Numbers above this are returned as digits with thousands commas instead of words. */
  threshold?: number;
}

interface Args {
  andword: string;
  zero: string;
  one: string;
}

function scale(index: number): string {
  const s = SCALES[index];
  if (s === undefined) throw new NumberOutOfRangeError(`10^${index * 3}`);
  return s;
}

function tensWord(tens: number, units: number, scaleIndex = 0): string {
  if (tens !== 1) {
    const hyphen = tens && units ? '-' : '';
    return `${TENS[tens]}${hyphen}${UNITS[units]}${scale(scaleIndex)}`;
  }
  return `${TEENS[units]}${scale(scaleIndex)}`;
}

function hundredsWord(h: number, t: number, u: number, scaleIndex: number, args: Args): string {
  if (h) {
    const and = t || u ? ` ${args.andword} ` : '';
    return `${UNITS[h]} hundred${and}${tensWord(t, u)}${scale(scaleIndex)}, `;
  }
  if (t || u) return `${tensWord(t, u)}${scale(scaleIndex)}, `;
  return '';
}

function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

/** Reads a digit string one digit at a time (group 1). */
function groupOfOne(digits: string, args: Args, oneWord: boolean): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    const u = digit(digits, i);
    if (u === 1 && oneWord) out += ` ${args.one}, `;
    else if (u) out += `${UNITS[u]}, `;
    else out += ` ${args.zero}, `;
  }
  return out;
}

function pairWord(t: number, u: number, args: Args): string {
  if (t) return `${tensWord(t, u)}, `;
  if (u) return ` ${args.zero} ${UNITS[u]}, `;
  return ` ${args.zero} ${args.zero}, `;
}

function tripleWord(h: number, t: number, u: number, args: Args): string {
  const hun = h === 1 ? ` ${args.one}` : h ? UNITS[h]! : ` ${args.zero}`;
  let ten: string;
  if (t) ten = tensWord(t, u);
  else if (u) ten = ` ${args.zero} ${UNITS[u]}`;
  else ten = ` ${args.zero} ${args.zero}`;
  return `${hun} ${ten}, `;
}

/** Spells one chunk of digits (no sign, no point) in inflect's raw form, with ", " separators. */
function spellDigits(num: string, group: number, args: Args): string {
  if (group === 1) return groupOfOne(num, args, true);
  if (group === 2) {
    let out = '';
    let i = 0;
    for (; i + 1 < num.length; i += 2) out += pairWord(digit(num, i), digit(num, i + 1), args);
    if (i < num.length) out += groupOfOne(num.slice(i), args, false);
    return out;
  }
  if (group === 3) {
    let out = '';
    let i = 0;
    for (; i + 2 < num.length; i += 3)
      out += tripleWord(digit(num, i), digit(num, i + 1), digit(num, i + 2), args);
    if (i + 1 < num.length) {
      out += pairWord(digit(num, i), digit(num, i + 1), args);
      i += 2;
    }
    if (i < num.length) out += groupOfOne(num.slice(i), args, true);
    return out;
  }
  const stripped = num.replace(/^0+/, '');
  if (stripped === '') return args.zero;
  if (stripped === '1') return args.one;
  // Full reading: triples from the right, each with its scale word, then a 1- or 2-digit head.
  const parts: string[] = [];
  let end = stripped.length;
  let scaleIndex = 0;
  while (end >= 3) {
    const s = end - 3;
    parts.unshift(
      hundredsWord(digit(stripped, s), digit(stripped, s + 1), digit(stripped, s + 2), scaleIndex, args),
    );
    scaleIndex++;
    end -= 3;
  }
  if (end === 2) parts.unshift(`${tensWord(digit(stripped, 0), digit(stripped, 1), scaleIndex)}, `);
  else if (end === 1) parts.unshift(`${UNITS[digit(stripped, 0)]}${scale(scaleIndex)}, `);
  return parts.join('');
}

/** Turns the last word of a spelled number into its ordinal ("twenty-one" -> "twenty-first"). */
export function ordinalWord(words: string): string {
  const replaced = words.replace(ORDINAL_WORD_RE, (m) => ORDINAL_WORD_ENDINGS[m]!);
  return replaced === words ? `${words}th` : replaced;
}

function insertThousandsCommas(intPart: string): string {
  let s = intPart;
  for (;;) {
    const next = s.replace(/(\d)(\d{3}(?:,|$))/g, '$1,$2');
    if (next === s) return s;
    s = next;
  }
}

/**
 * Spells a number in English words, like inflect's `number_to_words`. Accepts integers, digit strings
 * with an optional sign and decimal part, and ordinal digit strings such as `"21st"` (giving
 * "twenty-first").
 */
export function numberToWords(value: number | bigint | string, options: NumberToWordsOptions = {}): string {
  const group = options.group ?? 0;
  const comma = options.comma ?? ',';
  const andword = options.andword ?? 'and';
  const zero = options.zero ?? 'zero';
  const one = options.one ?? 'one';
  const decimal = options.decimal ?? 'point';
  const args: Args = { andword, zero, one };
  let num = typeof value === 'number' && Number.isInteger(value) ? BigInt(value).toString() : String(value);

  if (options.threshold !== undefined && Number.parseFloat(num) > options.threshold) {
    const [intPart, ...rest] = num.split('.');
    const head = comma ? insertThousandsCommas(intPart!) : intPart!;
    return rest.length ? `${head}.${rest.join('.')}` : head;
  }
  if (![0, 1, 2, 3].includes(group)) throw new RangeError(`group must be 0, 1, 2 or 3, got ${group}`);

  const firstChar = num.trimStart()[0];
  const sign = firstChar === '+' ? 'plus' : firstChar === '-' ? 'minus' : '';

  if (ORDINAL_SUFFIXES.has(num)) num = zero;
  const isOrdinal = ORDINAL_SUFFIXES.has(num.slice(-2));
  if (isOrdinal) num = num.slice(0, -2);

  let chunks: string[];
  if (decimal) {
    if (group !== 0) chunks = num.split('.');
    else {
      const dot = num.indexOf('.');
      chunks = dot < 0 ? [num] : [num.slice(0, dot), num.slice(dot + 1)];
    }
  } else chunks = [num];
  const finalPoint = chunks[chunks.length - 1] === '';
  if (finalPoint) chunks = chunks.slice(0, -1);

  const loopStart = chunks[0] === '' ? 1 : 0;
  let first: boolean | null = loopStart === 0;
  for (let i = loopStart; i < chunks.length; i++) {
    let chunk = chunks[i]!.replace(/\D/g, '');
    if (chunk === '') chunk = '0';
    chunk = group === 0 && !first ? spellDigits(chunk, 1, args) : spellDigits(chunk, group, args);
    if (chunk.endsWith(', ')) chunk = chunk.slice(0, -2);
    chunk = chunk.replace(/\s+,/g, ',');
    if (group === 0 && first) chunk = chunk.replace(/, (\S+)\s+$/, ` ${andword} $1`);
    chunk = chunk.replace(/\s+/g, ' ').trim();
    if (first) first = null;
    chunks[i] = chunk;
  }

  let pieces: string[] = [];
  if (first !== false) pieces = chunks[0]!.split(`${comma} `);
  if (isOrdinal && pieces.length) pieces[pieces.length - 1] = ordinalWord(pieces[pieces.length - 1]!);
  for (const chunk of chunks.slice(1)) {
    pieces.push(String(decimal));
    pieces.push(...chunk.split(`${comma} `));
  }
  if (finalPoint) pieces.push(String(decimal));

  const signOut = sign ? `${sign} ` : '';
  if (group) return signOut + pieces.join(', ');
  return signOut + render(pieces, decimal || '', comma);
}

function render(pieces: string[], decimal: string, comma: string | false): string {
  if (pieces.length === 0) throw new RangeError('nothing to spell');
  const [head, ...rest] = pieces;
  let out = head!;
  let beforePoint = !head!.endsWith(decimal);
  for (const p of rest) {
    if (p === decimal) beforePoint = false;
    else if (beforePoint) out += String(comma);
    out += ` ${p}`;
  }
  return out;
}
