import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSentences } from '../../src/text/index.ts';

test('English sentences, trimmed, abbreviations kept together', () => {
  assert.deepEqual(splitSentences('  Mr. Smith is here.  He paid $3.50! Ok?  ', 'en'), [
    'Mr. Smith is here.',
    'He paid $3.50!',
    'Ok?',
  ]);
  assert.deepEqual(splitSentences('Hello world', 'en'), ['Hello world']);
  assert.deepEqual(splitSentences('   ', 'en'), []);
  assert.deepEqual(splitSentences('', 'en'), []);
  assert.deepEqual(splitSentences('Mr. Smith is here.', 'en', { mergeAbbreviations: false }), [
    'Mr.',
    'Smith is here.',
  ]);
});

test('German', () => {
  assert.deepEqual(splitSentences('Das ist z. B. gut. Dr. Müller kommt. Wirklich?', 'de'), [
    'Das ist z. B. gut.',
    'Dr. Müller kommt.',
    'Wirklich?',
  ]);
});

test('Chinese and Japanese punctuation', () => {
  assert.deepEqual(splitSentences('你好。今天天气很好！你呢？', 'zh'), [
    '你好。',
    '今天天气很好！',
    '你呢？',
  ]);
  assert.deepEqual(splitSentences('こんにちは。元気ですか？はい！', 'ja'), [
    'こんにちは。',
    '元気ですか？',
    'はい！',
  ]);
});

test('unknown language tags fall back to root rules', () => {
  assert.deepEqual(splitSentences('One. Two.', 'not a tag!'), ['One.', 'Two.']);
});
