// What the benches share for timing: the median, and a function's median wall and process CPU seconds.

/** The median (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall and process CPU seconds (all threads) of `iters` runs of `fn` after one warm-up run. */
export function timed(fn: () => void, iters: number): { s: number; cpuS: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i <= iters; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const c = process.cpuUsage(c0);
    if (i > 0) {
      wall.push((performance.now() - t0) / 1000);
      cpu.push((c.user + c.system) / 1e6);
    }
  }
  return { s: median(wall), cpuS: median(cpu) };
}
