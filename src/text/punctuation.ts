/**
 * Punctuation handling with the exact behaviour of Coqui's `Punctuation` class: strip punctuation runs
 * before phonemization and restore them afterwards (positions BEGIN / MIDDLE / END).
 */
import { escapeCharClass, PY_S, pyStrip } from './pyCompat.ts';

/** Coqui's default punctuation set for phonemizers. */
export const DEFAULT_PUNCTUATIONS = ';:,.!?¡¿—…"«»“”';

/** Where a punctuation run sits in the text. */
export type PuncPosition = 'BEGIN' | 'MIDDLE' | 'END';

/** One punctuation run (with its surrounding whitespace) and its position. */
export interface PuncIndex {
  punc: string;
  position: PuncPosition;
}

/** Strips punctuation runs from text and restores them (Coqui `Punctuation`). */
export class Punctuation {
  /** The punctuation characters, deduplicated, in first-seen order. */
  readonly puncs: string;
  private readonly regex: RegExp;

  constructor(puncs: string = DEFAULT_PUNCTUATIONS) {
    if (typeof puncs !== 'string') throw new TypeError('Punctuations must be of type string.');
    this.puncs = [...new Set(Array.from(puncs))].join('');
    this.regex = new RegExp(`(?:${PY_S}*[${escapeCharClass(this.puncs)}]+${PY_S}*)+`, 'gu');
  }

  /** Replaces every punctuation run by a space and strips the ends: "This is. example !" -> "This is example". */
  strip(text: string): string {
    if (this.puncs === '') return pyStrip(text);
    return pyStrip(text.replace(this.regex, ' '));
  }

  /**
   * Splits `text` at punctuation runs: the text pieces (to phonemize) and the runs with their positions
   * (to {@link Punctuation.restore} afterwards). Quirks of Coqui are kept (e.g. a BEGIN run drops no text
   * piece, the tail after the last run is a piece of its own).
   */
  stripToRestore(text: string): [string[], PuncIndex[]] {
    const matches = this.puncs === '' ? [] : [...text.matchAll(this.regex)].map((m) => m[0]);
    if (matches.length === 0) return [[text], []];
    if (matches.length === 1 && matches[0] === text) return [[], [{ punc: text, position: 'BEGIN' }]];
    const puncs: PuncIndex[] = matches.map((m, i) => {
      let position: PuncPosition = 'MIDDLE';
      if (i === 0 && text.startsWith(m)) position = 'BEGIN';
      else if (i === matches.length - 1 && text.endsWith(m)) position = 'END';
      return { punc: m, position };
    });
    const pieces: string[] = [];
    let rest = text;
    puncs.forEach(({ punc }, i) => {
      const at = rest.indexOf(punc);
      const prefix = at < 0 ? rest : rest.slice(0, at);
      const suffix = at < 0 ? '' : rest.slice(at + punc.length);
      rest = suffix;
      if (prefix === '') return;
      pieces.push(prefix);
      if (i === puncs.length - 1 && suffix.length > 0) pieces.push(suffix);
    });
    return [pieces, puncs];
  }

  /** Puts punctuation runs back between phonemized pieces: (["This is", "example"], [".", "!"]) -> ["This is. example!"]. */
  static restore(text: string[], puncs: PuncIndex[]): string[] {
    let pieces = [...text];
    let rest = [...puncs];
    const done: string[] = [];
    for (;;) {
      if (rest.length === 0) return [...done, ...pieces];
      if (pieces.length === 0) return [...done, rest.map((p) => p.punc).join('')];
      const current = rest[0]!;
      rest = rest.slice(1);
      if (current.position === 'BEGIN') pieces = [current.punc + pieces[0]!, ...pieces.slice(1)];
      else if (current.position === 'END') {
        done.push(pieces[0]! + current.punc);
        pieces = pieces.slice(1);
      } else if (pieces.length === 1) pieces = [pieces[0]! + current.punc];
      else pieces = [pieces[0]! + current.punc + pieces[1]!, ...pieces.slice(2)];
    }
  }
}
