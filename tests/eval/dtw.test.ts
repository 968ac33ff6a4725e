import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoBand, dtw, type FrameMatrix } from '../../src/eval/dtw.ts';

/** 1-D sequence as frames of one value. */
const seq = (xs: number[]): FrameMatrix => ({ data: Float64Array.from(xs), count: xs.length, dim: 1 });

const pairs = (r: { pathA: Int32Array; pathB: Int32Array }) => Array.from(r.pathA, (i, k) => [i, r.pathB[k]]);

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('dtw: a repeated-frame copy aligns at zero cost along the expected path', () => {
  const r = dtw(seq([0, 1, 2]), seq([0, 0, 1, 2, 2]));
  assert.equal(r.cost, 0);
  assert.equal(r.length, 5);
  assert.deepEqual(pairs(r), [
    [0, 0],
    [0, 1],
    [1, 2],
    [2, 3],
    [2, 4],
  ]);
});

test('dtw: known cost and path on hand-made sequences', () => {
  // d(i, j) = |a_i - b_j|; the best path pairs 5 with 4 (1) and 9 with 10 (1): cost 2.
  const r = dtw(seq([0, 5, 9]), seq([0, 4, 10]));
  assert.equal(r.cost, 2);
  assert.deepEqual(pairs(r), [
    [0, 0],
    [1, 1],
    [2, 2],
  ]);
  // Two frames of `a` collapse onto one of `b`: (1,1) then (2,1) is a vertical step.
  const s = dtw(seq([0, 5, 5, 10]), seq([0, 5, 10]));
  assert.equal(s.cost, 0);
  assert.deepEqual(pairs(s), [
    [0, 0],
    [1, 1],
    [2, 1],
    [3, 2],
  ]);
  // Ties prefer the diagonal: a = [1, 2, 3], b = [1, 3] -> (0,0) (1,0) (2,1), cost 1.
  const t = dtw(seq([1, 2, 3]), seq([1, 3]));
  assert.equal(t.cost, 1);
  assert.deepEqual(pairs(t), [
    [0, 0],
    [1, 0],
    [2, 1],
  ]);
});

test('dtw: Euclidean distance on the chosen dimensions only', () => {
  const a: FrameMatrix = { data: Float64Array.from([100, 3, 4, -7, 0, 0]), count: 2, dim: 3 };
  const b: FrameMatrix = { data: Float64Array.from([0, 0, 0, 55, 0, 0]), count: 2, dim: 3 };
  const r = dtw(a, b, { from: 1 });
  assert.equal(r.cost, 5); // |(3,4)| + 0 on the diagonal
  assert.equal(dtw(a, b).cost, Math.hypot(100, 3, 4) + 62);
});

/** Minimum path cost by brute-force enumeration of every monotone path. */
function bruteForce(a: number[][], b: number[][]): number {
  const d = (i: number, j: number) => Math.hypot(...a[i].map((v, k) => v - b[j][k]));
  const go = (i: number, j: number): number => {
    if (i === 0 && j === 0) return d(0, 0);
    let best = Number.POSITIVE_INFINITY;
    if (i > 0 && j > 0) best = Math.min(best, go(i - 1, j - 1));
    if (i > 0) best = Math.min(best, go(i - 1, j));
    if (j > 0) best = Math.min(best, go(i, j - 1));
    return best + d(i, j);
  };
  return go(a.length - 1, b.length - 1);
}

test('dtw: cost equals the brute-force minimum over all paths, and the path realises it', () => {
  const rand = rng(7);
  for (let trial = 0; trial < 40; trial++) {
    const n = 1 + Math.floor(rand() * 6);
    const m = 1 + Math.floor(rand() * 6);
    const a = Array.from({ length: n }, () => [rand() * 4, rand() * 4]);
    const b = Array.from({ length: m }, () => [rand() * 4, rand() * 4]);
    const r = dtw(
      { data: Float64Array.from(a.flat()), count: n, dim: 2 },
      { data: Float64Array.from(b.flat()), count: m, dim: 2 },
    );
    assert.ok(Math.abs(r.cost - bruteForce(a, b)) < 1e-12, `trial ${trial}`);
    // Path: starts at (0,0), ends at (n-1,m-1), unit steps, and its distances sum to the cost.
    const p = pairs(r);
    assert.deepEqual(p[0], [0, 0]);
    assert.deepEqual(p[p.length - 1], [n - 1, m - 1]);
    let sum = 0;
    for (let k = 0; k < p.length; k++) {
      const [i, j] = p[k];
      sum += Math.hypot(a[i][0] - b[j][0], a[i][1] - b[j][1]);
      if (k > 0) {
        const di = i - p[k - 1][0];
        const dj = j - p[k - 1][1];
        assert.ok(di >= 0 && dj >= 0 && di <= 1 && dj <= 1 && di + dj >= 1);
      }
    }
    assert.ok(Math.abs(sum - r.cost) < 1e-12);
    assert.ok(r.length >= Math.max(n, m) && r.length <= n + m - 1);
  }
});

test('dtw: a band around the diagonal gives the unbanded result for near-diagonal paths', () => {
  const rand = rng(3);
  const base = Array.from({ length: 400 }, (_, i) => Math.sin(i / 7) + 0.1 * rand());
  const stretched = Array.from({ length: 500 }, (_, j) => base[Math.min(399, Math.floor((j * 400) / 500))]);
  const full = dtw(seq(base), seq(stretched));
  const banded = dtw(seq(base), seq(stretched), { band: 20 });
  assert.equal(banded.cost, full.cost);
  assert.deepEqual(pairs(banded), pairs(full));
  // A band can only make the cost higher (or equal).
  const narrow = dtw(seq(base), seq(stretched.slice().reverse()), { band: 3 });
  assert.ok(narrow.cost >= dtw(seq(base), seq(stretched.slice().reverse())).cost);
  assert.equal(autoBand(300, 300), 0);
  assert.equal(autoBand(3000, 3000), 300);
});
