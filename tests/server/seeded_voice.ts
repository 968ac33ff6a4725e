// A loader module for server tests with the real bundled voice: the TTS loader's Synthesizer, with the
// Griffin-Lim vocoder's random initial phase drawn after seeding this thread's generator, so the same text
// gives the same audio in every thread and every time (each Worker has a generator of its own).
import type { LoadOptions } from '../../src/inference/load.ts';
import type { Synthesizer } from '../../src/inference/synthesizer.ts';
import { loadTtsSynthesizer } from '../../src/inference/tts_loader.ts';
import { manualSeed } from '../../src/torch/index.ts';

/** URL of this module (a pool's `loaderModule`). */
export const SEEDED_VOICE_LOADER: string = import.meta.url;

/** The bundled voice (or `options`' model), seeding the generator before each vocoder call. */
export async function loadSynthesizer(options: LoadOptions): Promise<Synthesizer> {
  const synth = await loadTtsSynthesizer(options);
  const vocoder = synth.vocoder;
  const vocode = vocoder.vocode.bind(vocoder);
  vocoder.vocode = (mel) => {
    manualSeed(1234);
    return vocode(mel);
  };
  return synth;
}
