/**
 * Coqui's catalogue of released models (`TTS/.models.json` of Coqui TTS 0.22, shipped as
 * `coqui_models.json`): every entry by its name `type/language/dataset/model`, the architecture it uses and
 * whether ribbit can run that architecture now (looked up in the model registry, so a model family that
 * registers itself is runnable without touching this file; import `src/models/index.ts` first to register
 * them all).
 */
import { readFileSync } from 'node:fs';
import { registeredModelNames } from '../models/registry.ts';

/** The catalogue file shipped with ribbit (Coqui TTS v0.22.0, commit fa28f99). */
export const COQUI_CATALOGUE: URL = new URL('./coqui_models.json', import.meta.url);

/** One released model. */
export interface CatalogueEntry {
  /** `type/language/dataset/model`, e.g. `tts_models/en/ljspeech/glow-tts`. */
  name: string;
  /** `tts_models`, `vocoder_models` or `voice_conversion_models`. */
  type: string;
  language: string;
  dataset: string;
  model: string;
  /** The model's `config.json` `model` field as far as the name tells (e.g. `glow_tts`, `hifigan`). */
  architecture: string;
  description?: string;
  license?: string;
  author?: string;
  /** Name of the vocoder Coqui pairs with this model (null: end to end, or none given). */
  defaultVocoder: string | null;
  /** The release zip archive (`github_rls_url`); absent for models published as loose files (XTTS, Bark...). */
  url?: string;
  /** MD5 of the archive, where the catalogue gives one (`model_hash`). */
  md5?: string;
}

/** Raw `.models.json`: type -> language -> dataset -> model -> fields. */
export type RawCatalogue = Record<
  string,
  Record<string, Record<string, Record<string, Record<string, unknown>>>>
>;

/**
 * Architecture of a catalogue model from its name, first match wins. Coqui's names are the model folder names
 * of its recipes; the config inside the archive is what finally decides (see `model_manager.ts`).
 */
const ARCHITECTURES: [RegExp, string][] = [
  [/^glow[-_]tts/i, 'glow_tts'],
  [/^(vits|your_tts|jenny)/i, 'vits'],
  [/^(tacotron2|capacitron-t2)/i, 'tacotron2'],
  [/^tacotron/i, 'tacotron'],
  [/^speedy[-_]speech/i, 'speedy_speech'],
  [/^fast[-_]pitch/i, 'fast_pitch'],
  [/^fast[-_]speech2?/i, 'fast_speech'],
  [/^overflow/i, 'overflow'],
  [/^neural[-_]hmm/i, 'neural_hmm'],
  [/^tortoise/i, 'tortoise'],
  [/^xtts/i, 'xtts'],
  [/^bark/i, 'bark'],
  [/^hifigan/i, 'hifigan'],
  [/^multiband[-_]melgan/i, 'multiband_melgan'],
  [/^fullband[-_]melgan/i, 'fullband_melgan'],
  [/^melgan/i, 'melgan'],
  [/^parallel[-_]wavegan/i, 'parallel_wavegan'],
  [/^wavegrad/i, 'wavegrad'],
  [/^univnet/i, 'univnet'],
  [/^wavernn/i, 'wavernn'],
  [/^freevc/i, 'freevc'],
];

/** The architecture a catalogue model name stands for (the name itself, snake-cased, when none matches). */
export function architectureOf(model: string): string {
  for (const [pattern, architecture] of ARCHITECTURES) if (pattern.test(model)) return architecture;
  return model.toLowerCase().replace(/-/g, '_');
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** Entries of a raw catalogue, in the catalogue's order. */
export function parseCatalogue(raw: RawCatalogue): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  for (const [type, languages] of Object.entries(raw)) {
    for (const [language, datasets] of Object.entries(languages)) {
      for (const [dataset, models] of Object.entries(datasets)) {
        for (const [model, f] of Object.entries(models)) {
          const md5 = optionalString(f.model_hash);
          out.push({
            name: `${type}/${language}/${dataset}/${model}`,
            type,
            language,
            dataset,
            model,
            architecture: architectureOf(model),
            description: optionalString(f.description),
            license: optionalString(f.license),
            author: optionalString(f.author),
            defaultVocoder: optionalString(f.default_vocoder) ?? null,
            url: optionalString(f.github_rls_url),
            md5: md5 && /^[0-9a-f]{32}$/i.test(md5) ? md5.toLowerCase() : undefined,
          });
        }
      }
    }
  }
  return out;
}

/** Reads a `.models.json` (default: the catalogue shipped with ribbit). */
export function readCatalogue(path: string | URL = COQUI_CATALOGUE): CatalogueEntry[] {
  return parseCatalogue(JSON.parse(readFileSync(path, 'utf8')) as RawCatalogue);
}

/** Whether ribbit has the entry's architecture (registered models now, at run time) and its archive to get. */
export function canRun(
  entry: CatalogueEntry,
  registered: readonly string[] = registeredModelNames(),
): boolean {
  return entry.url !== undefined && registered.includes(entry.architecture);
}

/** The sentence that says why ribbit cannot run an entry. */
export function cannotRunReason(entry: CatalogueEntry, registered = registeredModelNames()): string {
  if (registered.includes(entry.architecture))
    return `ribbit cannot download ${entry.name}: Coqui publishes it as loose files, not a release archive.`;
  return (
    `ribbit cannot run ${entry.name} yet: its architecture, ${entry.architecture}, is not implemented in ribbit ` +
    `(it runs ${registered.join(', ') || 'none'}).`
  );
}

/**
 * The entry named `name` (`type/language/dataset/model`).
 * @throws Error naming close entries when there is none.
 */
export function findEntry(catalogue: readonly CatalogueEntry[], name: string): CatalogueEntry {
  const found = catalogue.find((e) => e.name === name);
  if (found) return found;
  // the entries of the same type sharing the most of language, dataset and model
  const [type, ...parts] = name.split('/');
  const sameType = catalogue.filter((e) => e.type === type);
  const shared = (e: CatalogueEntry) =>
    [e.language, e.dataset, e.model].filter((p, i) => p === parts[i]).length;
  const best = Math.max(0, ...sameType.map(shared));
  const near = best > 0 ? sameType.filter((e) => shared(e) === best) : [];
  const hint = near.length && near.length <= 8 ? ` Did you mean: ${near.map((e) => e.name).join(', ')}?` : '';
  throw new Error(
    `unknown model name '${name}' (expected type/language/dataset/model).${hint} \`ribbit list-models\` lists them.`,
  );
}
