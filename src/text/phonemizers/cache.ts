/**
 * On-disk phoneme cache. Entries are keyed by a SHA-256 of everything that determines the output (text,
 * language, phonemizer name and settings, backend version, separator, vocabulary), so an entry can never be
 * stale: any change is a different key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Phonemizer } from './base.ts';

/** Everything a cached phoneme string depends on. */
export interface PhonemeCacheKeyParts {
  text: string;
  language: string;
  phonemizer: string;
  version: string;
  vocabulary: string;
  separator?: string;
  settings?: string;
}

/** A directory of cached phonemizations (one small file per entry). */
export class PhonemeCache {
  constructor(readonly dir: string) {}

  /** Cache key (hex SHA-256) of the given parts. */
  static key(parts: PhonemeCacheKeyParts): string {
    const fields = [
      parts.text,
      parts.language,
      parts.phonemizer,
      parts.version,
      parts.vocabulary,
      parts.separator ?? '',
      parts.settings ?? '',
    ];
    return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.txt`);
  }

  /** Cached value of `key`, or `undefined`. */
  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Stores `value` under `key` (atomically: write then rename). */
  async set(key: string, value: string): Promise<void> {
    const file = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, value, 'utf8');
    await rename(tmp, file);
  }
}

/** Options of {@link CachedPhonemizer}. */
export interface CachedPhonemizerOptions {
  /** The vocabulary the phonemes are meant for (e.g. `characters.vocab.join('')`); part of the key. */
  vocabulary?: string;
}

/** Wraps a phonemizer with a {@link PhonemeCache}; counts hits and misses. */
export class CachedPhonemizer implements Phonemizer {
  readonly vocabulary: string;
  /** Number of texts answered from the cache. */
  hits = 0;
  /** Number of texts that had to be phonemized. */
  misses = 0;

  constructor(
    readonly inner: Phonemizer,
    readonly cache: PhonemeCache,
    options: CachedPhonemizerOptions = {},
  ) {
    this.vocabulary = options.vocabulary ?? '';
  }

  get name(): string {
    return this.inner.name;
  }

  get language(): string {
    return this.inner.language;
  }

  get settingsKey(): string | undefined {
    return this.inner.settingsKey;
  }

  version(): Promise<string> {
    return this.inner.version();
  }

  private async keyOf(text: string, separator: string): Promise<string> {
    return PhonemeCache.key({
      text,
      language: this.inner.language,
      phonemizer: this.inner.name,
      version: await this.inner.version(),
      vocabulary: this.vocabulary,
      separator,
      settings: this.inner.settingsKey ?? '',
    });
  }

  async phonemize(text: string, separator = '|'): Promise<string> {
    return (await this.phonemizeMany([text], separator))[0]!;
  }

  async phonemizeMany(texts: readonly string[], separator = '|'): Promise<string[]> {
    const keys = await Promise.all(texts.map((t) => this.keyOf(t, separator)));
    const found = await Promise.all(keys.map((k) => this.cache.get(k)));
    const missing = texts.map((_, i) => i).filter((i) => found[i] === undefined);
    this.hits += texts.length - missing.length;
    this.misses += missing.length;
    if (missing.length) {
      const computed = await this.inner.phonemizeMany(
        missing.map((i) => texts[i]!),
        separator,
      );
      await Promise.all(
        missing.map((i, j) => {
          found[i] = computed[j]!;
          return this.cache.set(keys[i]!, computed[j]!);
        }),
      );
    }
    return found as string[];
  }
}
