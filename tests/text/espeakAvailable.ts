/** Whether the espeak-ng program is on PATH (tests needing it skip otherwise). */
import { ESpeakPhonemizer } from '../../src/text/index.ts';

export const espeakAvailable = await new ESpeakPhonemizer('en-us').isAvailable();
