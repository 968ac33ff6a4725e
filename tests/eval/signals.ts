/** Test signals for the evaluation metrics. */

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A sine of `freq` Hz, `seconds` long, amplitude `amp`. */
export function sine(freq: number, seconds: number, sampleRate = 22050, amp = 0.5): Float32Array {
  const n = Math.round(seconds * sampleRate);
  return new Float32Array(n).map((_, i) => amp * Math.sin((2 * Math.PI * freq * i) / sampleRate));
}

/** A sawtooth-like harmonic tone (20 harmonics, 1/h amplitudes) of `freq` Hz. */
export function harmonic(freq: number, seconds: number, sampleRate = 22050): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ph = (2 * Math.PI * freq * i) / sampleRate;
    let v = 0;
    for (let h = 1; h <= 20; h++) v += Math.sin(h * ph) / h;
    out[i] = 0.2 * v;
  }
  return out;
}

/**
 * Six segments of distinct spectra (harmonic tones at 150, 220, 120 Hz, a 1.5 kHz sine, white and
 * high-passed noise); `scale` stretches every segment's duration (1: 2.2 s in all).
 */
export function segments(scale: number, seed = 1, sampleRate = 22050): Float32Array {
  const rand = rng(seed);
  const parts: [string, number][] = [
    ['h150', 0.4],
    ['noise', 0.25],
    ['h220', 0.5],
    ['s1500', 0.3],
    ['h120', 0.45],
    ['hiss', 0.3],
  ];
  const out: number[] = [];
  let phase = 0;
  let prev = 0;
  for (const [kind, dur] of parts) {
    const n = Math.round(dur * scale * sampleRate);
    for (let i = 0; i < n; i++) {
      let v = 0;
      if (kind.startsWith('h') && kind !== 'hiss') {
        phase += (2 * Math.PI * Number(kind.slice(1))) / sampleRate;
        for (let h = 1; h <= 20; h++) v += Math.sin(h * phase) / h;
        v *= 0.2;
      } else if (kind === 's1500') {
        phase += (2 * Math.PI * 1500) / sampleRate;
        v = 0.3 * Math.sin(phase);
      } else if (kind === 'noise') {
        v = 0.2 * (rand() - 0.5);
      } else {
        const w = rand() - 0.5;
        v = 0.4 * (w - prev);
        prev = w;
      }
      out.push(v);
    }
  }
  return Float32Array.from(out);
}
