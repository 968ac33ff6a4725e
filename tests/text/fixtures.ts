/** Loads the Coqui parity fixtures of the text front end (tests/fixtures/parity/text or $RIBBIT_PARITY_DIR/text). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PARITY_DIR = join(process.env.RIBBIT_PARITY_DIR ?? 'tests/fixtures/parity', 'text');

export interface TokenCase {
  ids: number[];
  decoded: string;
  not_found_characters: string[];
}

export interface SentenceCase {
  index: number;
  text: string;
  english_cleaners: string;
  phoneme_cleaners: string;
  basic_cleaners: string;
  phonemizer: {
    input: string;
    punctuation_segments: string[];
    punctuation_map: { punc: string; position: 'BEGIN' | 'MIDDLE' | 'END' }[];
    espeak_raw_per_segment: string[];
    output: string;
  };
  graphemes_noblank: TokenCase;
  ipa_add_blank: TokenCase;
  ipa_eos_bos: TokenCase;
}

export interface VocabFixture {
  class: string;
  num_chars: number;
  pad: string;
  eos: string;
  bos: string;
  blank: string;
  pad_id: number;
  eos_id: number;
  bos_id: number;
  blank_id: number;
  characters: string;
  punctuations: string;
  is_unique: boolean;
  is_sorted: boolean;
  id_to_char: string[];
  id_to_char_codepoints: number[][];
}

export interface OovReport {
  text: string;
  cleaned: string;
  ids: number[];
  decoded: string;
  not_found_characters: string[];
  stdout_first_call: string;
  stdout_second_call_same_tokenizer: string;
  ids_second_call: number[];
  print_logs_output: string;
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(PARITY_DIR, name), 'utf8')) as T;
}

export const sentencesFixture = load<{ espeak_ng_version: string; sentences: SentenceCase[] }>(
  'sentences.json',
);
export const sentences = sentencesFixture.sentences;
export const vocabGraphemes = load<VocabFixture>('vocab_graphemes.json');
export const vocabIpa = load<VocabFixture>('vocab_ipa_phonemes.json');
export const oovReport = load<OovReport>('oov_report.json');
