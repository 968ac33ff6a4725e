/** English clock-time expansion with the exact behaviour of Coqui's `english/time_norm.py`. */
import { PY_B, PY_S } from '../pyCompat.ts';
import { numberToWords } from './numberWords.ts';

// Same pattern as Coqui's (including its doubled backslashes, which make the dotted "a.m." forms match a
// literal backslash, so in practice only "am"/"pm" are recognised); Python's Unicode `\b` and `\s`.
const TIME_RE = new RegExp(
  `${PY_B}((0?[0-9])|(1[0-1])|(1[2-9])|(2[0-3])):([0-5][0-9])${PY_S}*(a\\\\.m\\\\.|am|pm|p\\\\.m\\\\.|a\\\\.m|p\\\\.m)?${PY_B}`,
  'giu',
);

function expandTime(hourText: string, minuteText: string, amPm: string | undefined): string {
  let hour = Number.parseInt(hourText, 10);
  let pastNoon = hour >= 12;
  const words: string[] = [];
  if (hour > 12) hour -= 12;
  else if (hour === 0) {
    hour = 12;
    pastNoon = true;
  }
  words.push(numberToWords(hour));
  const minute = Number.parseInt(minuteText, 10);
  if (minute > 0) {
    if (minute < 10) words.push('oh');
    words.push(numberToWords(minute));
  }
  if (amPm === undefined) words.push(pastNoon ? 'p m' : 'a m');
  else words.push(...Array.from(amPm.replace(/\./g, '')));
  return words.join(' ');
}

/** Coqui's `expand_time_english`: "3:15pm" -> "three fifteen p m", "12:00" -> "twelve p m". */
export function expandTimeEnglish(text: string): string {
  return text.replace(TIME_RE, (...m: unknown[]) =>
    expandTime(m[1] as string, m[6] as string, (m[7] as string | undefined) ?? undefined),
  );
}
