/**
 * Token vocabularies with Coqui's layout: `[pad, eos, bos, blank] + characters (optionally deduplicated and
 * sorted by code point) + punctuations` (punctuations never sorted). Defaults equal Coqui's `Graphemes()`
 * and `IPAPhonemes()`.
 */
import { compareCodePoints } from './pyCompat.ts';

/** Default padding symbol. */
export const PAD = '<PAD>';
/** Default end-of-sentence symbol. */
export const EOS = '<EOS>';
/** Default beginning-of-sentence symbol. */
export const BOS = '<BOS>';
/** Default blank symbol (interspersed by `addBlank`). */
export const BLANK = '<BLNK>';
/** Default grapheme characters. */
export const GRAPHEME_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Default punctuations of both vocabularies. */
export const PUNCTUATIONS = "!'(),-.:;? ";

const VOWELS = 'iyɨʉɯuɪʏʊeøɘəɵɤoɛœɜɞʌɔæɐaɶɑɒᵻ';
const NON_PULMONIC_CONSONANTS = 'ʘɓǀɗǃʄǂɠǁʛ';
const PULMONIC_CONSONANTS = 'pbtdʈɖcɟkɡqɢʔɴŋɲɳnɱmʙrʀⱱɾɽɸβfvθðszʃʒʂʐçʝxɣχʁħʕhɦɬɮʋɹɻjɰlɭʎʟ';
const SUPRASEGMENTALS = 'ˈˌːˑ';
const OTHER_SYMBOLS = 'ʍwɥʜʢʡɕʑɺɧʲ';
const DIACRITICS = 'ɚ˞ɫ';
/** Default IPA phoneme characters (Coqui's `_phonemes`). */
export const IPA_PHONEMES =
  VOWELS + NON_PULMONIC_CONSONANTS + PULMONIC_CONSONANTS + SUPRASEGMENTALS + OTHER_SYMBOLS + DIACRITICS;

/** Names of the vocabulary classes. */
export type CharactersClassName = 'BaseCharacters' | 'Graphemes' | 'IPAPhonemes';

/**
 * Plain-object form of a vocabulary (what goes into `config.json`), enough to rebuild it exactly.
 * `characters` / `punctuations` are strings (one symbol per code point) or lists of symbols.
 */
export interface CharactersConfig {
  characters: string | string[];
  punctuations: string | string[];
  pad: string | null;
  eos: string | null;
  bos: string | null;
  blank: string | null;
  isUnique: boolean;
  isSorted: boolean;
  charactersClass: CharactersClassName;
}

/** Options of the vocabulary constructors (all optional for the default classes). */
export type CharactersOptions = Partial<Omit<CharactersConfig, 'charactersClass'>>;

function symbols(value: string | string[]): string[] {
  return typeof value === 'string' ? Array.from(value) : [...value];
}

function present(symbol: string | null): symbol is string {
  return symbol !== null && symbol.length > 0;
}

/** A vocabulary: maps symbols to token ids and back. */
export class BaseCharacters {
  /** Class name stored in `toConfig().charactersClass`. */
  readonly className: CharactersClassName = 'BaseCharacters';
  readonly characters: string | string[];
  readonly punctuations: string | string[];
  readonly pad: string | null;
  readonly eos: string | null;
  readonly bos: string | null;
  readonly blank: string | null;
  readonly isUnique: boolean;
  readonly isSorted: boolean;
  /** The vocabulary: index = token id. */
  readonly vocab: readonly string[];
  private readonly charToIdMap: Map<string, number>;

  constructor(config: Omit<CharactersConfig, 'charactersClass'>) {
    this.characters = config.characters;
    this.punctuations = config.punctuations;
    this.pad = config.pad;
    this.eos = config.eos;
    this.bos = config.bos;
    this.blank = config.blank;
    this.isUnique = config.isUnique;
    this.isSorted = config.isSorted;
    let chars = symbols(config.characters);
    if (this.isUnique) chars = [...new Set(chars)];
    if (this.isSorted) chars = [...chars].sort(compareCodePoints);
    const specials = [this.pad, this.eos, this.bos, this.blank].filter(present);
    this.vocab = Object.freeze([...specials, ...chars, ...symbols(config.punctuations)]);
    this.charToIdMap = new Map();
    // Like a Python dict built in order: for a symbol listed twice, the last id wins.
    for (const [i, c] of this.vocab.entries()) this.charToIdMap.set(c, i);
    if (this.isUnique && this.charToIdMap.size !== this.vocab.length) {
      const dup = [...new Set(this.vocab.filter((c, i) => this.vocab.indexOf(c) !== i))];
      throw new Error(`There are duplicate characters in the character set: ${dup.join(' ')}`);
    }
  }

  /** Number of symbols (token ids are `0 .. numChars - 1`). */
  get numChars(): number {
    return this.vocab.length;
  }

  /** Id of `pad`, or `numChars` when there is none. */
  get padId(): number {
    return present(this.pad) ? this.charToId(this.pad) : this.vocab.length;
  }

  /** Id of `eos`, or `numChars` when there is none. */
  get eosId(): number {
    return present(this.eos) ? this.charToId(this.eos) : this.vocab.length;
  }

  /** Id of `bos`, or `numChars` when there is none. */
  get bosId(): number {
    return present(this.bos) ? this.charToId(this.bos) : this.vocab.length;
  }

  /** Id of `blank`, or `numChars` when there is none. */
  get blankId(): number {
    return present(this.blank) ? this.charToId(this.blank) : this.vocab.length;
  }

  /** Whether `char` is in the vocabulary. */
  has(char: string): boolean {
    return this.charToIdMap.has(char);
  }

  /** Id of `char`, or `undefined`. */
  tryCharToId(char: string): number | undefined {
    return this.charToIdMap.get(char);
  }

  /** Id of `char`. @throws Error when it is not in the vocabulary. */
  charToId(char: string): number {
    const id = this.charToIdMap.get(char);
    if (id === undefined) throw new Error(`${JSON.stringify(char)} is not in the vocabulary`);
    return id;
  }

  /** Symbol of token `id`. @throws RangeError for an id outside the vocabulary. */
  idToChar(id: number): string {
    const c = this.vocab[id];
    if (c === undefined)
      throw new RangeError(`token id ${id} is outside the vocabulary (size ${this.vocab.length})`);
    return c;
  }

  /** Plain-object form for `config.json`; {@link charactersFromConfig} rebuilds the same vocabulary. */
  toConfig(): CharactersConfig {
    return {
      characters: typeof this.characters === 'string' ? this.characters : [...this.characters],
      punctuations: typeof this.punctuations === 'string' ? this.punctuations : [...this.punctuations],
      pad: this.pad,
      eos: this.eos,
      bos: this.bos,
      blank: this.blank,
      isUnique: this.isUnique,
      isSorted: this.isSorted,
      charactersClass: this.className,
    };
  }

  /** Rebuilds a vocabulary from {@link toConfig} output (or a Coqui `characters` config, snake_case). */
  static fromConfig(config: Partial<CharactersConfig> | Record<string, unknown>): BaseCharacters {
    return charactersFromConfig(config);
  }

  /** Human-readable description (Coqui's `print_log`). */
  describe(level = 0): string {
    const indent = '\t'.repeat(level);
    const show = (v: string | string[]) => (typeof v === 'string' ? v : v.join(''));
    return [
      `${indent}| > Characters: ${show(this.characters)}`,
      `${indent}| > Punctuations: ${show(this.punctuations)}`,
      `${indent}| > Pad: ${this.pad}`,
      `${indent}| > EOS: ${this.eos}`,
      `${indent}| > BOS: ${this.bos}`,
      `${indent}| > Blank: ${this.blank}`,
      `${indent}| > Vocab: ${this.vocab.join(' ')}`,
      `${indent}| > Num chars: ${this.numChars}`,
    ].join('\n');
  }
}

function withDefaults(defaults: Omit<CharactersConfig, 'charactersClass'>, options: CharactersOptions) {
  return {
    characters: options.characters ?? defaults.characters,
    punctuations: options.punctuations ?? defaults.punctuations,
    pad: options.pad !== undefined ? options.pad : defaults.pad,
    eos: options.eos !== undefined ? options.eos : defaults.eos,
    bos: options.bos !== undefined ? options.bos : defaults.bos,
    blank: options.blank !== undefined ? options.blank : defaults.blank,
    isUnique: options.isUnique ?? defaults.isUnique,
    isSorted: options.isSorted ?? defaults.isSorted,
  };
}

/** Grapheme vocabulary; defaults equal Coqui's `Graphemes()` (67 symbols). */
export class Graphemes extends BaseCharacters {
  override readonly className: CharactersClassName = 'Graphemes';
  constructor(options: CharactersOptions = {}) {
    super(
      withDefaults(
        {
          characters: GRAPHEME_CHARACTERS,
          punctuations: PUNCTUATIONS,
          pad: PAD,
          eos: EOS,
          bos: BOS,
          blank: BLANK,
          isUnique: false,
          isSorted: true,
        },
        options,
      ),
    );
  }
}

/** IPA phoneme vocabulary; defaults equal Coqui's `IPAPhonemes()` (131 symbols). */
export class IPAPhonemes extends BaseCharacters {
  override readonly className: CharactersClassName = 'IPAPhonemes';
  constructor(options: CharactersOptions = {}) {
    super(
      withDefaults(
        {
          characters: IPA_PHONEMES,
          punctuations: PUNCTUATIONS,
          pad: PAD,
          eos: EOS,
          bos: BOS,
          blank: BLANK,
          isUnique: false,
          isSorted: true,
        },
        options,
      ),
    );
  }
}

function pick(config: Record<string, unknown>, camel: string, snake: string): unknown {
  return config[camel] !== undefined ? config[camel] : config[snake];
}

/**
 * Builds a vocabulary from a plain config: ribbit's camelCase {@link CharactersConfig} or Coqui's
 * snake_case `characters` section (`is_unique`, `characters_class` such as
 * `"TTS.tts.utils.text.characters.IPAPhonemes"`, `phonemes` overriding `characters`). Missing fields take
 * the defaults of the class (`fallbackClass` when the config names none).
 */
export function charactersFromConfig(
  config: Partial<CharactersConfig> | Record<string, unknown>,
  fallbackClass: CharactersClassName = 'Graphemes',
): BaseCharacters {
  const c = config as Record<string, unknown>;
  const rawClass = pick(c, 'charactersClass', 'characters_class');
  const className = (typeof rawClass === 'string' ? rawClass.split('.').pop() : fallbackClass) as string;
  const options: CharactersOptions = {};
  const chars = c.phonemes ?? c.characters;
  if (chars !== undefined && chars !== null) options.characters = chars as string | string[];
  if (c.punctuations !== undefined && c.punctuations !== null) {
    options.punctuations = c.punctuations as string | string[];
  }
  for (const k of ['pad', 'eos', 'bos', 'blank'] as const)
    if (c[k] !== undefined) options[k] = c[k] as string | null;
  const isUnique = pick(c, 'isUnique', 'is_unique');
  const isSorted = pick(c, 'isSorted', 'is_sorted');
  if (typeof isUnique === 'boolean') options.isUnique = isUnique;
  if (typeof isSorted === 'boolean') options.isSorted = isSorted;
  switch (className) {
    case 'Graphemes':
      return new Graphemes(options);
    case 'IPAPhonemes':
      return new IPAPhonemes(options);
    case 'BaseCharacters': {
      const g = new Graphemes(options);
      return new BaseCharacters(g.toConfig());
    }
    default:
      throw new Error(
        `unknown characters class ${JSON.stringify(rawClass)}; valid: BaseCharacters, Graphemes, IPAPhonemes`,
      );
  }
}
