// The engine in worker_threads: a Worker that loads ribbit must not change what the main thread computes
// (each environment has its own operator table; a process-global one was reset by every Worker's load, and
// the main thread's cached op ids then named other operators), and its own results must be right. Random
// numbers: a Worker seeds and draws from a generator of its own.
// This file is also the Worker's entry: loaded off the main thread, it computes and posts its results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as torch from '../../src/torch/index.ts';

const { F } = torch;

/** Several kinds of operator on fixed (seed-free) inputs: name -> flat float values. */
function compute(order: 'forward' | 'reverse'): Record<string, number[]> {
  return torch.tidy(() => {
    const x = torch.arange(0, 24, 1, { dtype: 'float32' }).view(2, 3, 4).div(7); // [B=2, C=3, T=4]
    const w = torch.arange(0, 18, 1, { dtype: 'float32' }).view(3, 3, 2).sub(8).div(10); // [Cout, Cin, K]
    const cases: [string, () => torch.Tensor][] = [
      ['add', () => x.add(x)],
      ['matmul', () => x.matmul(x.transpose(1, 2))],
      ['conv1d', () => F.conv1d(x, w, null, { padding: 1 })],
      ['softmax', () => x.softmax(-1)],
      ['layerNorm', () => F.layerNorm(x, [4])],
      ['tanh', () => x.sub(1.5).tanh()],
      ['cumsum', () => x.cumsum(2)],
      ['sum', () => x.sum(1)],
    ];
    if (order === 'reverse') cases.reverse();
    return Object.fromEntries(cases.map(([name, f]) => [name, f().toArray()]));
  });
}

if (!isMainThread) {
  // Worker side: resolve the operators in another order than the main thread did, report, stay alive.
  const { id } = workerData as { id: number };
  const results = compute('reverse');
  torch.manualSeed(7);
  results.randn = torch.randn([6]).toArray();
  results.rand = torch.rand([6]).toArray();
  parentPort!.postMessage({ id, results, blas: torch.blasInfo() });
} else {
  const BOOTSTRAP = new URL('../../src/server/worker_bootstrap.mjs', import.meta.url);

  /** Starts a Worker running this file; resolves with it and its results. */
  type Report = {
    worker: Worker;
    results: Record<string, number[]>;
    blas: ReturnType<typeof torch.blasInfo>;
  };
  function startWorker(id: number): Promise<Report> {
    const worker = new Worker(BOOTSTRAP, { workerData: { entry: import.meta.url, id }, execArgv: [] });
    return new Promise((resolve, reject) => {
      worker.once('message', (m: Omit<Report, 'worker'> & { id: number }) => {
        assert.equal(m.id, id);
        resolve({ worker, results: m.results, blas: m.blas });
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before reporting`)));
    });
  }

  /** The worker computed the same values (its thread count may differ: 1e-6 for the reductions). */
  function assertClose(got: Record<string, number[]>, want: Record<string, number[]>, who: string): void {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const [name, values] of Object.entries(want)) {
      const g = got[name]!;
      assert.equal(g.length, values.length, `${who} ${name} size`);
      for (let i = 0; i < values.length; i++)
        assert.ok(Math.abs(g[i]! - values[i]!) <= 1e-6 * (1 + Math.abs(values[i]!)), `${who} ${name}[${i}]`);
    }
  }

  const before = compute('forward');
  torch.manualSeed(7);
  const seeded7 = { randn: torch.randn([6]).toArray(), rand: torch.rand([6]).toArray() };
  /** The worker's results without its random draws (checked on their own). */
  const ops = (r: Record<string, number[]>) => {
    const { randn: _n, rand: _u, ...rest } = r;
    return rest;
  };

  test('the reference values are what the operators mean', () => {
    const x = Array.from({ length: 24 }, (_, i) => i / 7);
    assert.deepEqual(
      before.add,
      x.map((v) => Math.fround(Math.fround(v) * 2)),
    );
    const row = x.slice(0, 4);
    const e = row.map((v) => Math.exp(v - row[3]!));
    const s = e.reduce((a, b) => a + b, 0);
    for (const [i, v] of before.softmax!.slice(0, 4).entries()) assert.ok(Math.abs(v - e[i]! / s) < 1e-6);
    // matmul [0, 0, 0]: the first row's dot product with itself.
    assert.ok(Math.abs(before.matmul![0]! - row.reduce((a, v) => a + v * v, 0)) < 1e-5);
    assert.equal(before.conv1d!.length, 2 * 3 * 5);
  });

  test('a Worker loading ribbit leaves the main thread results unchanged and computes the same', async () => {
    const { worker, results, blas } = await startWorker(1);
    try {
      assertClose(ops(results), before, 'worker');
      // One BLAS thread once a Worker uses ribbit (null: a BLAS without thread control, e.g. the reference one).
      assert.ok(blas.threads === null || blas.threads === 1, `${blas.library}: ${blas.threads} threads`);
      assert.equal(typeof blas.library, 'string');
      assert.deepEqual(compute('forward'), before, 'main thread while the worker lives');
    } finally {
      await worker.terminate();
    }
    assert.deepEqual(compute('forward'), before, 'main thread after the worker ended');
  });

  test('two Workers loaded and terminated repeatedly, the main thread computing meanwhile', async () => {
    for (let round = 0; round < 3; round++) {
      const pending = [startWorker(10 + 2 * round), startWorker(11 + 2 * round)];
      // Compute while the workers load ribbit and resolve their operators.
      assert.deepEqual(compute('forward'), before, `main thread during round ${round}`);
      const started = await Promise.all(pending);
      try {
        for (const s of started) assertClose(ops(s.results), before, `round ${round} worker`);
        assert.deepEqual(compute('forward'), before, `main thread in round ${round}`);
      } finally {
        await Promise.all(started.map((s) => s.worker.terminate()));
      }
      assert.deepEqual(compute('forward'), before, `main thread after round ${round}`);
    }
  });

  test("a Worker's seeding and sampling leave the main thread's random stream where it was", async () => {
    torch.manualSeed(3);
    const expected = [torch.randn([6]).toArray(), torch.randn([6]).toArray()];
    torch.manualSeed(3);
    const first = torch.randn([6]).toArray();
    const { worker, results } = await startWorker(99);
    await worker.terminate();
    const second = torch.randn([6]).toArray();
    assert.deepEqual([first, second], expected);
    // The worker's own stream is PyTorch's for its seed, as the main thread's would be.
    assert.deepEqual({ randn: results.randn, rand: results.rand }, seeded7);
  });
}
