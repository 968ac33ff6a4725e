/**
 * Language names -> ids of a multilingual model (Coqui's `LanguageManager`): ids 0..N-1 in name order from the
 * datasets' `language` fields, or from a `language_ids.json` (`{"en": 0, "fr-fr": 1}`), which a run keeps
 * beside its checkpoints so that inference maps names to the same ids.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../../config/index.ts';
import type { Sample } from '../../data/formatters.ts';
import { findSpeakerFile } from './speakers.ts';

/** The file name a run folder keeps the language ids in (Coqui's name). */
export const LANGUAGE_IDS_FILE_NAME = 'language_ids.json';

/** The language fields of a model config (VITS keeps them in `modelArgs`). */
export interface LanguageConfig {
  useLanguageEmbedding?: boolean;
  languageIdsFile?: string | null;
}

export class LanguageManager {
  /** Language name -> id. */
  readonly ids: Map<string, number>;

  constructor(ids: Iterable<[string, number]> = []) {
    this.ids = new Map(ids);
  }

  /** Ids in name order of the samples' languages (Coqui's `parse_language_ids_from_config`: sorted set). */
  static fromSamples(samples: readonly Sample[]): LanguageManager {
    const names = [...new Set(samples.map((s) => s.language).filter((l): l is string => !!l))];
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return new LanguageManager(names.map((n, i) => [n, i]));
  }

  /** A `language_ids.json`. */
  static fromFile(path: string): LanguageManager {
    const raw = readJsonFile(path) as Record<string, unknown>;
    const entries = Object.entries(raw).map(([k, v]) => {
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw new Error(`${path}: the id of ${k} is not an integer`);
      return [k, v] as [string, number];
    });
    return new LanguageManager(entries);
  }

  /**
   * The manager a config asks for (Coqui's `LanguageManager.init_from_config`): `languageIdsFile` when it
   * exists, else with `useLanguageEmbedding` the samples' languages (read only then); null otherwise.
   */
  static initFromConfig(config: LanguageConfig, samples: () => readonly Sample[]): LanguageManager | null {
    if (config.languageIdsFile && existsSync(config.languageIdsFile)) {
      return LanguageManager.fromFile(config.languageIdsFile);
    }
    if (!config.useLanguageEmbedding) return null;
    const manager = LanguageManager.fromSamples(samples());
    return manager.numLanguages ? manager : null;
  }

  get numLanguages(): number {
    return this.ids.size;
  }

  /** Names in id order. */
  get languageNames(): string[] {
    return [...this.ids].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  }

  /** The id of `name`. @throws Error naming the known languages. */
  idOf(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) {
      throw new Error(
        `language ${JSON.stringify(name)} is not among the model's (${this.languageNames.join(', ')})`,
      );
    }
    return id;
  }

  /** Writes `language_ids.json` into `dir`; returns its path. */
  saveToFolder(dir: string): string {
    const path = join(dir, LANGUAGE_IDS_FILE_NAME);
    writeFileSync(path, `${JSON.stringify(Object.fromEntries(this.ids), null, 2)}\n`);
    return path;
  }
}

/**
 * A config being loaded for inference with its `languageIdsFile` (top level and `modelArgs`) pointed at the
 * `language_ids.json` of the model: a relative path (a voice folder's) in `dirs` (the config's and the
 * checkpoint's folders) first, then in the working directory; a recorded path that is gone (a moved run, a
 * Coqui model folder) by its name in `dirs`; without one, `language_ids.json` in `dirs`. Unchanged when none
 * is found (the same search as the speakers file, `findSpeakerFile`).
 */
export function locateLanguageIds<C extends Record<string, unknown>>(config: C, dirs: readonly string[]): C {
  const args = config.modelArgs as Record<string, unknown> | undefined;
  const recorded = (args?.languageIdsFile ?? config.languageIdsFile) as string | null | undefined;
  const found = recorded
    ? findSpeakerFile(recorded, dirs)
    : (dirs.map((d) => join(d, LANGUAGE_IDS_FILE_NAME)).find((p) => existsSync(p)) ?? null);
  if (!found || found === recorded) return config;
  return {
    ...config,
    languageIdsFile: found,
    ...(args ? { modelArgs: { ...args, languageIdsFile: found } } : {}),
  };
}
