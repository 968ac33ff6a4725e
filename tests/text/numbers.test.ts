import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expandNumber,
  expandTimeEnglish,
  NumberOutOfRangeError,
  normalizeNumbers,
  numberToWords,
} from '../../src/text/index.ts';

test('cardinals (inflect defaults, andword "and")', () => {
  const cases: [number | string | bigint, string][] = [
    [0, 'zero'],
    [1, 'one'],
    [7, 'seven'],
    [10, 'ten'],
    [13, 'thirteen'],
    [20, 'twenty'],
    [21, 'twenty-one'],
    [99, 'ninety-nine'],
    [100, 'one hundred'],
    [101, 'one hundred and one'],
    [110, 'one hundred and ten'],
    [999, 'nine hundred and ninety-nine'],
    [1000, 'one thousand'],
    [1001, 'one thousand and one'],
    [1100, 'one thousand, one hundred'],
    [1234567, 'one million, two hundred and thirty-four thousand, five hundred and sixty-seven'],
    [1000000, 'one million'],
    [1000000000, 'one billion'],
    [2000000001, 'two billion and one'],
    [
      12345678901n,
      'twelve billion, three hundred and forty-five million, six hundred and seventy-eight thousand, nine hundred and one',
    ],
    [-5, 'minus five'],
    ['007', 'seven'],
  ];
  for (const [n, words] of cases) assert.equal(numberToWords(n), words, String(n));
});

test('cardinals with andword "" (as Coqui calls it)', () => {
  assert.equal(numberToWords(101, { andword: '' }), 'one hundred one');
  assert.equal(numberToWords(1001, { andword: '' }), 'one thousand one');
  assert.equal(
    numberToWords(1234567, { andword: '' }),
    'one million, two hundred thirty-four thousand, five hundred sixty-seven',
  );
});

test('ordinals', () => {
  const cases: [string, string][] = [
    ['1st', 'first'],
    ['2nd', 'second'],
    ['3rd', 'third'],
    ['4th', 'fourth'],
    ['5th', 'fifth'],
    ['8th', 'eighth'],
    ['9th', 'ninth'],
    ['11th', 'eleventh'],
    ['12th', 'twelfth'],
    ['20th', 'twentieth'],
    ['21st', 'twenty-first'],
    ['100th', 'one hundredth'],
    ['103rd', 'one hundred and third'],
    ['1000th', 'one thousandth'],
    ['1001st', 'one thousand and first'],
  ];
  for (const [n, words] of cases) assert.equal(numberToWords(n), words, n);
});

test('decimals and grouping', () => {
  assert.equal(numberToWords('3.14'), 'three point one four');
  assert.equal(numberToWords('0.5'), 'zero point five');
  assert.equal(numberToWords(1905, { group: 2, zero: 'oh', andword: '' }), 'nineteen, oh five');
  assert.equal(numberToWords(123, { group: 1 }), 'one, two, three');
  assert.equal(numberToWords(1234567, { threshold: 1000 }), '1,234,567');
  assert.throws(() => numberToWords(`1${'0'.repeat(36)}`), NumberOutOfRangeError);
});

test('Coqui number expansion: years read in pairs between 1000 and 3000', () => {
  const cases: [string, string][] = [
    ['1000', 'one thousand'],
    ['1066', 'ten sixty-six'],
    ['1800', 'eighteen hundred'],
    ['1905', 'nineteen oh five'],
    ['1990', 'nineteen ninety'],
    ['2000', 'two thousand'],
    ['2005', 'two thousand five'],
    ['2010', 'twenty ten'],
    ['2019', 'twenty nineteen'],
    ['2100', 'twenty-one hundred'],
    ['3000', 'three thousand'],
    ['999', 'nine hundred ninety-nine'],
    ['-5', 'minus five'],
    ['0', 'zero'],
  ];
  for (const [n, words] of cases) assert.equal(expandNumber(n), words, n);
});

test('normalizeNumbers: currency, decimals, commas, ordinals', () => {
  const cases: [string, string][] = [
    ['$1', 'one dollar'],
    ['$2', 'two dollars'],
    ['$1.01', 'one dollar one cent'],
    ['$3.50', 'three dollars fifty cents'],
    ['$3.5', 'three dollars five cents'],
    ['$0.99', 'ninety-nine cents'],
    ['$0', 'zero dollars'],
    ['$1,000,000', 'one million dollars'],
    ['£1', 'one pound sterling'],
    ['£0.01', 'one penny'],
    ['£2.05', 'two pounds sterling five pence'],
    ['¥1', 'one yen'],
    ['¥500', 'five hundred yen'],
    ['1,234', 'twelve thirty-four'],
    ['12,345', 'twelve thousand, three hundred forty-five'],
    ['3.14', 'three point fourteen'],
    ['the 21st', 'the twenty-first'],
    ['-5 degrees', 'minus five degrees'],
  ];
  for (const [text, words] of cases) assert.equal(normalizeNumbers(text), words, text);
});

test('clock times', () => {
  assert.equal(expandTimeEnglish('at 3:15pm.'), 'at three fifteen p m.');
  assert.equal(expandTimeEnglish('12:00'), 'twelve p m');
  assert.equal(expandTimeEnglish('0:05 am'), 'twelve oh five a m');
  assert.equal(expandTimeEnglish('13:45'), 'one forty-five p m');
  assert.equal(expandTimeEnglish('7:45 PM'), 'seven forty-five P M');
  // Coqui's pattern never matches dotted forms: the space is consumed and "a m" is added.
  assert.equal(expandTimeEnglish('10:30 a.m.'), 'ten thirty a ma.m.');
  assert.equal(expandTimeEnglish('24:00'), '24:00');
});
