/**
 * TTSTokenizer: text -> token ids with the exact behaviour of Coqui's `TTSTokenizer.text_to_ids`
 * (clean, optionally phonemize, encode, optionally intersperse blanks, optionally add BOS/EOS). Symbols
 * missing from the vocabulary are dropped as in Coqui, but never silently: each new one is reported once
 * through `onNotFound`, and all are counted in `notFoundCharacters`.
 */

import {
  type BaseCharacters,
  type CharactersConfig,
  charactersFromConfig,
  Graphemes,
  IPAPhonemes,
} from './characters.ts';
import { type Cleaner, getCleaner } from './cleaners.ts';
import type { Phonemizer } from './phonemizers/base.ts';
import { CachedPhonemizer, PhonemeCache } from './phonemizers/cache.ts';
import type { ESpeakOptions } from './phonemizers/espeak.ts';
import { getPhonemizerByName } from './phonemizers/index.ts';
import { pyBool, pyRepr } from './pyCompat.ts';

/** Called the first time a tokenizer meets a symbol that is not in its vocabulary. */
export type NotFoundLogger = (char: string, text: string) => void;

/** Coqui's message for a dropped symbol (printed after the text being encoded). */
export function notFoundMessage(char: string, text: string): string {
  return `${text}\n [!] Character ${pyRepr(char)} not found in the vocabulary. Discarding it.`;
}

const defaultLogger: NotFoundLogger = (char, text) => console.warn(notFoundMessage(char, text));

/** Options of {@link TTSTokenizer}. */
export interface TTSTokenizerOptions {
  /** The vocabulary. */
  characters: BaseCharacters;
  /** Cleaner function or Coqui cleaner name; null: none. */
  textCleaner?: Cleaner | string | null;
  /** Phonemize the cleaned text before encoding. */
  usePhonemes?: boolean;
  /** Phonemizer (or one per language code); required when `usePhonemes`. */
  phonemizer?: Phonemizer | Record<string, Phonemizer> | null;
  /** Put the blank symbol before, between and after all tokens. */
  addBlank?: boolean;
  /** Put BOS first and EOS last. */
  useEosBos?: boolean;
  /** Reporter of newly seen out-of-vocabulary symbols; default `console.warn` with Coqui's message. */
  onNotFound?: NotFoundLogger;
}

/** Tokenizer settings as found in a model config (camelCase of Coqui's fields). */
export interface TokenizerConfig {
  textCleaner?: string | null;
  usePhonemes?: boolean;
  /** Coqui phonemizer name (`"espeak"`); null/absent: default for `phonemeLanguage`. */
  phonemizer?: string | null;
  phonemeLanguage?: string | null;
  addBlank?: boolean;
  /** Coqui's `enable_eos_bos_chars`. */
  useEosBosToken?: boolean;
  enableEosBosChars?: boolean;
  characters?: Partial<CharactersConfig> | Record<string, unknown> | null;
}

/** Extra runtime options of {@link TTSTokenizer.fromConfig}. */
export interface TokenizerRuntimeOptions extends ESpeakOptions {
  /** Use this phonemizer instead of creating one from the config. */
  phonemizer?: Phonemizer;
  /** Cache phonemes on disk in this directory. */
  phonemeCacheDir?: string;
  onNotFound?: NotFoundLogger;
}

/** Converts text to token ids and back. */
export class TTSTokenizer {
  readonly characters: BaseCharacters;
  readonly textCleaner: Cleaner | null;
  /** Name of the cleaner when it was given by name (kept for {@link toConfig}). */
  readonly textCleanerName: string | null;
  readonly usePhonemes: boolean;
  readonly phonemizer: Phonemizer | Record<string, Phonemizer> | null;
  readonly addBlank: boolean;
  readonly useEosBos: boolean;
  /** Out-of-vocabulary symbols in first-seen order, with how often each was dropped. */
  readonly notFoundCharacters = new Map<string, number>();
  private readonly onNotFound: NotFoundLogger;

  constructor(options: TTSTokenizerOptions) {
    this.characters = options.characters;
    const cleaner = options.textCleaner ?? null;
    this.textCleaner = typeof cleaner === 'string' ? getCleaner(cleaner) : cleaner;
    this.textCleanerName = typeof cleaner === 'string' ? cleaner : (cleaner?.name ?? null);
    this.usePhonemes = options.usePhonemes ?? false;
    this.phonemizer = options.phonemizer ?? null;
    this.addBlank = options.addBlank ?? false;
    this.useEosBos = options.useEosBos ?? false;
    this.onNotFound = options.onNotFound ?? defaultLogger;
    if (this.usePhonemes && !this.phonemizer)
      throw new Error('usePhonemes is set but no phonemizer was given');
  }

  /** Token id of the blank symbol. */
  get blankId(): number {
    return this.characters.blankId;
  }

  /** Token id of the padding symbol. */
  get padId(): number {
    return this.characters.padId;
  }

  /** Encodes text symbol by symbol (code points); unknown symbols are dropped, reported and counted. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const char of text) {
      const id = this.characters.tryCharToId(char);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      const seen = this.notFoundCharacters.get(char);
      this.notFoundCharacters.set(char, (seen ?? 0) + 1);
      if (seen === undefined) this.onNotFound(char, text);
    }
    return ids;
  }

  /** Maps ids back to symbols and concatenates them. */
  decode(ids: readonly number[]): string {
    let text = '';
    for (const id of ids) text += this.characters.idToChar(id);
    return text;
  }

  /** Alias of {@link decode}. */
  idsToText(ids: readonly number[]): string {
    return this.decode(ids);
  }

  /** `[blank, t0, blank, t1, ..., blank]` (pad instead of blank when `useBlankChar` is false). */
  intersperseBlankChar(ids: readonly number[], useBlankChar = true): number[] {
    const fill = useBlankChar ? this.characters.blankId : this.characters.padId;
    const out = new Array<number>(ids.length * 2 + 1).fill(fill);
    ids.forEach((id, i) => {
      out[2 * i + 1] = id;
    });
    return out;
  }

  /** `[bos, ...ids, eos]`. */
  padWithBosEos(ids: readonly number[]): number[] {
    return [this.characters.bosId, ...ids, this.characters.eosId];
  }

  /** Applies the cleaner (if any). */
  clean(text: string): string {
    return this.textCleaner ? this.textCleaner(text) : text;
  }

  private phonemizerFor(language?: string): Phonemizer {
    const p = this.phonemizer;
    if (!p) throw new Error('this tokenizer has no phonemizer');
    if (typeof (p as Phonemizer).phonemize === 'function') return p as Phonemizer;
    const byLang = p as Record<string, Phonemizer>;
    if (language === undefined || !Object.hasOwn(byLang, language)) {
      throw new Error(
        `no phonemizer for language ${JSON.stringify(language)}; have: ${Object.keys(byLang).join(', ')}`,
      );
    }
    return byLang[language]!;
  }

  private finish(text: string): number[] {
    let ids = this.encode(text);
    if (this.addBlank) ids = this.intersperseBlankChar(ids, true);
    if (this.useEosBos) ids = this.padWithBosEos(ids);
    return ids;
  }

  /** Text to token ids: clean, phonemize (if `usePhonemes`), encode, add blanks, add BOS/EOS. */
  async textToIds(text: string, language?: string): Promise<number[]> {
    text = this.clean(text);
    if (this.usePhonemes) text = await this.phonemizerFor(language).phonemize(text, '');
    return this.finish(text);
  }

  /** {@link textToIds} for many texts, phonemizing them in parallel. */
  async textToIdsMany(texts: readonly string[], language?: string): Promise<number[][]> {
    let cleaned = texts.map((t) => this.clean(t));
    if (this.usePhonemes) cleaned = await this.phonemizerFor(language).phonemizeMany(cleaned, '');
    return cleaned.map((t) => this.finish(t));
  }

  /** Synchronous {@link textToIds} for grapheme tokenizers. @throws Error when `usePhonemes` is set. */
  textToIdsSync(text: string): number[] {
    if (this.usePhonemes) throw new Error('textToIdsSync cannot phonemize; use textToIds');
    return this.finish(this.clean(text));
  }

  /** Coqui's `print_logs` text. */
  describe(level = 0): string {
    const indent = '\t'.repeat(level);
    const lines = [
      `${indent}| > add_blank: ${pyBool(this.addBlank)}`,
      `${indent}| > use_eos_bos: ${pyBool(this.useEosBos)}`,
      `${indent}| > use_phonemes: ${pyBool(this.usePhonemes)}`,
    ];
    if (this.usePhonemes && this.phonemizer) {
      lines.push(`${indent}| > phonemizer:`);
      const p = this.phonemizer as Phonemizer & { describe?: (level: number) => string };
      if (typeof p.describe === 'function') lines.push(p.describe(level + 1));
      else if (typeof p.phonemize === 'function') {
        lines.push(
          `${indent}\t| > phoneme language: ${p.language}`,
          `${indent}\t| > phoneme backend: ${p.name}`,
        );
      }
    }
    if (this.notFoundCharacters.size > 0) {
      lines.push(`${indent}| > ${this.notFoundCharacters.size} not found characters:`);
      for (const c of this.notFoundCharacters.keys()) lines.push(`${indent}| > ${c}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** The settings of this tokenizer as a {@link TokenizerConfig}. */
  toConfig(): TokenizerConfig {
    const p = this.phonemizer as Phonemizer | null;
    return {
      textCleaner: this.textCleanerName,
      usePhonemes: this.usePhonemes,
      phonemizer: this.usePhonemes && p && typeof p.phonemize === 'function' ? p.name : null,
      phonemeLanguage: this.usePhonemes && p && typeof p.phonemize === 'function' ? p.language : null,
      addBlank: this.addBlank,
      useEosBosToken: this.useEosBos,
      characters: this.characters.toConfig(),
    };
  }

  /**
   * Builds a tokenizer from model-config fields alone (Coqui's `init_from_config`): IPA phonemes and the
   * configured phonemizer when `usePhonemes`, graphemes otherwise; `characters` overrides the vocabulary.
   */
  static fromConfig(config: TokenizerConfig, runtime: TokenizerRuntimeOptions = {}): TTSTokenizer {
    const usePhonemes = config.usePhonemes ?? false;
    const characters = config.characters
      ? charactersFromConfig(config.characters, usePhonemes ? 'IPAPhonemes' : 'Graphemes')
      : usePhonemes
        ? new IPAPhonemes()
        : new Graphemes();
    let phonemizer: Phonemizer | null = null;
    if (usePhonemes) {
      const { phonemizer: given, phonemeCacheDir, onNotFound: _ignored, ...espeak } = runtime;
      phonemizer = given ?? getPhonemizerByName(config.phonemizer, config.phonemeLanguage ?? 'en-us', espeak);
      if (phonemeCacheDir) {
        phonemizer = new CachedPhonemizer(phonemizer, new PhonemeCache(phonemeCacheDir), {
          vocabulary: characters.vocab.join('\u0000'),
        });
      }
    }
    return new TTSTokenizer({
      characters,
      textCleaner: config.textCleaner ?? null,
      usePhonemes,
      phonemizer,
      addBlank: config.addBlank ?? false,
      useEosBos: config.useEosBosToken ?? config.enableEosBosChars ?? false,
      onNotFound: runtime.onNotFound,
    });
  }
}
