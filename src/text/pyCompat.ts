/**
 * Small helpers reproducing Python `str` / `re` semantics that the Coqui text front end relies on
 * (Unicode-aware `\s`, `\w`, `\b`, `str.strip()`, `repr()`), so regexes ported to JavaScript match the
 * same text.
 */

/** Characters for which Python's `str.isspace()` is true (the set `\s` matches in a `str` pattern). */
export const PY_SPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Python `\s` as a JavaScript character class (use with the `u` flag). */
export const PY_S = `[${PY_SPACE_CLASS}]`;

/** Python `\w` (Unicode letters, numbers and `_`) as a JavaScript character class (needs the `u` flag). */
export const PY_W = '[\\p{L}\\p{N}_]';

/** Python `\b` placed before a word character: the previous character is not a word character. */
export const PY_B_BEFORE = `(?<!${PY_W})`;

/** Python `\b` placed after a word character: the next character is not a word character. */
export const PY_B_AFTER = `(?!${PY_W})`;

/** Python `\b` anywhere: a position between a word and a non-word character (or text edge). */
export const PY_B = `(?:(?<=${PY_W})(?!${PY_W})|(?<!${PY_W})(?=${PY_W}))`;

const leadingSpace = new RegExp(`^${PY_S}+`, 'u');
const trailingSpace = new RegExp(`${PY_S}+$`, 'u');

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(leadingSpace, '').replace(trailingSpace, '');
}

/** Python `str.lower()`. */
export function pyLower(text: string): string {
  return text.toLowerCase();
}

/** Escapes characters for use inside a JavaScript regular expression character class `[...]`. */
export function escapeCharClass(text: string): string {
  return text.replace(/[\\\]^[-]/g, '\\$&');
}

/** Compares two strings by Unicode code points, as Python's `sorted()` does for `str`. */
export function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

function isPrintable(cp: number): boolean {
  const ch = String.fromCodePoint(cp);
  if (cp === 0x20) return true;
  return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch);
}

/** Python `repr()` of a `str` (quote choice and escapes as CPython does). */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (isPrintable(cp)) out += ch;
    else if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** Python's `str(bool)`. */
export function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}
