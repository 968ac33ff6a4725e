/** Phonemizers: the interface, the espeak-ng backend, the on-disk cache and a factory by Coqui name. */
import type { Phonemizer } from './base.ts';
import { type ESpeakOptions, ESpeakPhonemizer } from './espeak.ts';

export { ConcurrencyLimiter, type Phonemizer } from './base.ts';
export {
  CachedPhonemizer,
  type CachedPhonemizerOptions,
  PhonemeCache,
  type PhonemeCacheKeyParts,
} from './cache.ts';
export {
  ESPEAK_MISSING_MESSAGE,
  type ESpeakOptions,
  ESpeakPhonemizer,
  joinEspeakLines,
  type PhonemizeDetails,
} from './espeak.ts';

/** Coqui's default phonemizer per language for languages espeak does not handle. */
const NON_ESPEAK_DEFAULTS: Record<string, string> = {
  ja: 'ja_jp_phonemizer',
  'zh-cn': 'zh_cn_phonemizer',
  ko: 'ko_kr_phonemizer',
  bn: 'bn_phonemizer',
  be: 'be_phonemizer',
};

/** Names accepted by {@link getPhonemizerByName}. */
export const PHONEMIZER_NAMES = ['espeak'] as const;

/**
 * Creates a phonemizer by Coqui name (`"espeak"`; `null`/`undefined`: Coqui's default for the language).
 * @throws Error for backends ribbit does not implement (gruut, ja_jp_phonemizer, ...).
 */
export function getPhonemizerByName(
  name: string | null | undefined,
  language: string,
  options: ESpeakOptions = {},
): Phonemizer {
  const chosen = name || NON_ESPEAK_DEFAULTS[language] || 'espeak';
  if (chosen === 'espeak' || chosen === 'espeak-ng' || chosen === 'espeakng') {
    return new ESpeakPhonemizer(language, options);
  }
  throw new Error(
    `phonemizer ${JSON.stringify(chosen)} is not available; supported: ${PHONEMIZER_NAMES.join(', ')}`,
  );
}
