/**
 * Colour maps and heat-map rendering for images logged to TensorBoard (spectrograms, attention alignments).
 */

/** Colour maps available to `renderHeatmap`. */
export type Colormap = 'viridis' | 'magma' | 'gray';

/** Options of `renderHeatmap`. */
export interface HeatmapOptions {
  /** Colour map (default 'viridis'). */
  colormap?: Colormap;
  /** Value mapped to the bottom of the colour map (default: the smallest finite value). */
  vmin?: number;
  /** Value mapped to the top of the colour map (default: the largest finite value). */
  vmax?: number;
  /**
   * Where row 0 of the data goes: 'lower' (default) puts it at the bottom of the image, like matplotlib's
   * `imshow(origin='lower')` that Coqui uses for spectrograms and alignments; 'upper' at the top.
   */
  origin?: 'lower' | 'upper';
  /** Integer magnification: each value becomes a `scale` x `scale` block of pixels (default 1). */
  scale?: number;
}

// Nine evenly spaced stops of each map (the viridis / magma palettes of matplotlib, as published by
// the R `viridisLite` package), linearly interpolated.
const STOPS: Record<Colormap, number[]> = {
  viridis: [0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725],
  magma: [0x000004, 0x1c1044, 0x4f127b, 0x812581, 0xb5367a, 0xe55064, 0xfb8761, 0xfec287, 0xfcfdbf],
  gray: [0x000000, 0xffffff],
};

const LUT_SIZE = 256;
const luts = new Map<Colormap, Uint8Array>();

/** 256-entry RGB lookup table of a colour map. */
export function colormapLut(name: Colormap): Uint8Array {
  let lut = luts.get(name);
  if (lut) return lut;
  const stops = STOPS[name];
  if (!stops) throw new Error(`unknown colormap ${String(name)}; known: ${Object.keys(STOPS).join(', ')}`);
  lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = (i / (LUT_SIZE - 1)) * (stops.length - 1);
    const k = Math.min(Math.floor(t), stops.length - 2);
    const f = t - k;
    const a = stops[k]!;
    const b = stops[k + 1]!;
    for (let c = 0; c < 3; c++) {
      const shift = 16 - 8 * c;
      const ca = (a >> shift) & 0xff;
      const cb = (b >> shift) & 0xff;
      lut[i * 3 + c] = Math.round(ca + (cb - ca) * f);
    }
  }
  luts.set(name, lut);
  return lut;
}

/**
 * Renders row-major values `[height, width]` as RGB pixels through a colour map.
 * Non-finite values are drawn with the bottom colour. Returns the pixels and the image size.
 */
export function renderHeatmap(
  data: ArrayLike<number>,
  height: number,
  width: number,
  options: HeatmapOptions = {},
): { pixels: Uint8Array; width: number; height: number } {
  if (data.length !== height * width) {
    throw new Error(`renderHeatmap: ${data.length} values do not make a ${height} x ${width} map`);
  }
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`renderHeatmap: scale must be an integer >= 1`);
  let lo = options.vmin ?? Number.POSITIVE_INFINITY;
  let hi = options.vmax ?? Number.NEGATIVE_INFINITY;
  if (options.vmin === undefined || options.vmax === undefined) {
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (!Number.isFinite(x)) continue;
      if (options.vmin === undefined && x < lo) lo = x;
      if (options.vmax === undefined && x > hi) hi = x;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  const range = hi - lo;
  const lut = colormapLut(options.colormap ?? 'viridis');
  const flip = (options.origin ?? 'lower') === 'lower';
  const W = width * scale;
  const H = height * scale;
  const pixels = new Uint8Array(W * H * 3);
  for (let y = 0; y < height; y++) {
    const row = flip ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const v = data[row * width + x]!;
      let idx = 0;
      if (Number.isFinite(v)) {
        const t = range > 0 ? (v - lo) / range : 0.5;
        idx = t <= 0 ? 0 : t >= 1 ? LUT_SIZE - 1 : Math.round(t * (LUT_SIZE - 1));
      }
      for (let dy = 0; dy < scale; dy++) {
        let p = ((y * scale + dy) * W + x * scale) * 3;
        for (let dx = 0; dx < scale; dx++, p += 3) {
          pixels[p] = lut[idx * 3]!;
          pixels[p + 1] = lut[idx * 3 + 1]!;
          pixels[p + 2] = lut[idx * 3 + 2]!;
        }
      }
    }
  }
  return { pixels, width: W, height: H };
}
