/**
 * Dynamic time warping between two sequences of feature vectors, with the Euclidean distance on a range of
 * their dimensions. Standard O(N * M) recursion with unit step weights,
 *
 *   D(i, j) = d(i, j) + min(D(i-1, j-1), D(i-1, j), D(i, j-1)),   D(0, 0) = d(0, 0),
 *
 * so the path runs from (0, 0) to (N-1, M-1) in steps (1,1), (1,0), (0,1) and its cost is the sum of the
 * local distances along it. Ties prefer the diagonal, then (i-1, j), then (i, j-1). An optional
 * Sakoe-Chiba band restricts row i to the columns within `band` of the slope-corrected diagonal
 * `i * (M-1) / (N-1)`. Costs live in two rows of Float64; the path is recovered from one byte per cell.
 */

/** Row-major frames: `count` vectors of `dim` values each (`data.length >= count * dim`). */
export interface FrameMatrix {
  data: Float64Array;
  count: number;
  dim: number;
}

/** Options of {@link dtw}. */
export interface DtwOptions {
  /** First dimension compared (default 0). */
  from?: number;
  /** One past the last dimension compared (default `dim`). */
  to?: number;
  /** Sakoe-Chiba band radius in frames; 0, undefined or Infinity: none. */
  band?: number;
}

/** Result of {@link dtw}. */
export interface DtwResult {
  /** Sum of the local Euclidean distances along the optimal path. */
  cost: number;
  /** Aligned index pairs, in order: `pathA[k]` in the first sequence, `pathB[k]` in the second. */
  pathA: Int32Array;
  pathB: Int32Array;
  /** Number of pairs on the path (between max(N, M) and N + M - 1). */
  length: number;
}

const DIAG = 0;
const UP = 1; // from (i-1, j)
const LEFT = 2; // from (i, j-1)

/** Aligns `a` (N frames) and `b` (M frames); both must have at least one frame and the same `dim`. */
export function dtw(a: FrameMatrix, b: FrameMatrix, options: DtwOptions = {}): DtwResult {
  if (a.dim !== b.dim) throw new Error(`dtw: dimensions differ (${a.dim} vs ${b.dim})`);
  const n = a.count;
  const m = b.count;
  if (n < 1 || m < 1) throw new Error(`dtw: empty sequence (${n} x ${m} frames)`);
  const dim = a.dim;
  const from = options.from ?? 0;
  const to = options.to ?? dim;
  if (!(from >= 0 && to <= dim && from < to)) throw new Error(`dtw: bad dimension range [${from}, ${to})`);
  const band = options.band && Number.isFinite(options.band) ? Math.max(1, Math.ceil(options.band)) : 0;

  // Column range of each row.
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const offsets = new Float64Array(n + 1);
  const slope = n > 1 ? (m - 1) / (n - 1) : 0;
  for (let i = 0; i < n; i++) {
    if (band) {
      const c = i * slope;
      let l = Math.max(0, Math.floor(c - band));
      const h = Math.min(m - 1, Math.ceil(c + band));
      if (i > 0 && l > hi[i - 1] + 1) l = hi[i - 1] + 1;
      lo[i] = i === 0 ? 0 : l;
      hi[i] = i === n - 1 ? m - 1 : h;
    } else {
      lo[i] = 0;
      hi[i] = m - 1;
    }
    offsets[i + 1] = offsets[i] + (hi[i] - lo[i] + 1);
  }
  const cells = offsets[n];
  if (cells > 2 ** 31 - 1) throw new Error(`dtw: ${n} x ${m} frames is too large; use a band`);
  const dir = new Uint8Array(cells);
  let prev = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  let cur = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const ad = a.data;
  const bd = b.data;

  for (let i = 0; i < n; i++) {
    // `cur` still holds row i-2: clear its band.
    if (i >= 2) cur.fill(Number.POSITIVE_INFINITY, lo[i - 2], hi[i - 2] + 1);
    const rowBase = offsets[i] - lo[i];
    const ai = i * dim;
    for (let j = lo[i]; j <= hi[i]; j++) {
      const bj = j * dim;
      let s = 0;
      for (let d = from; d < to; d++) {
        const t = ad[ai + d] - bd[bj + d];
        s += t * t;
      }
      const dist = Math.sqrt(s);
      let best: number;
      let step = DIAG;
      if (i === 0 && j === 0) {
        best = 0;
      } else {
        best = j > 0 ? prev[j - 1] : Number.POSITIVE_INFINITY;
        const up = prev[j];
        if (up < best) {
          best = up;
          step = UP;
        }
        const left = j > 0 ? cur[j - 1] : Number.POSITIVE_INFINITY;
        if (left < best) {
          best = left;
          step = LEFT;
        }
      }
      cur[j] = best + dist;
      dir[rowBase + j] = step;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  const cost = prev[m - 1];

  // Backtrack.
  const maxLen = n + m - 1;
  const ra = new Int32Array(maxLen);
  const rb = new Int32Array(maxLen);
  let k = 0;
  let i = n - 1;
  let j = m - 1;
  for (;;) {
    ra[k] = i;
    rb[k] = j;
    k++;
    if (i === 0 && j === 0) break;
    const step = dir[offsets[i] - lo[i] + j];
    if (step === DIAG) {
      i--;
      j--;
    } else if (step === UP) {
      i--;
    } else {
      j--;
    }
  }
  const pathA = new Int32Array(k);
  const pathB = new Int32Array(k);
  for (let q = 0; q < k; q++) {
    pathA[q] = ra[k - 1 - q];
    pathB[q] = rb[k - 1 - q];
  }
  return { cost, pathA, pathB, length: k };
}

/**
 * The band radius that `dtwBand: 'auto'` picks for N x M frames: none (0) while N * M <= 4e6 cells,
 * else `max(100, ceil(0.1 * max(N, M)))` frames.
 */
export function autoBand(n: number, m: number): number {
  return n * m <= 4e6 ? 0 : Math.max(100, Math.ceil(0.1 * Math.max(n, m)));
}
