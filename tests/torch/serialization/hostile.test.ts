// Hostile checkpoints of a few hundred bytes that ask for gigabytes (made by
// scripts/fixtures/make_hostile_pth.py): the reader refuses each at once, naming the file, without allocating.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadPthStateDict,
  readPth,
  toPlain,
  unpickle,
  ZipReader,
} from '../../../src/torch/serialization/index.ts';

const dir = join(import.meta.dirname, '../../fixtures/pth/hostile');

/** Runs `fn`, expecting it to throw; returns the message and how much the heap + array buffers grew. */
function refused(fn: () => unknown): { message: string; grewBytes: number; ms: number } {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let message = '';
  assert.throws(fn, (e: Error) => {
    message = e.message;
    return true;
  });
  const after = process.memoryUsage();
  const grewBytes = after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed);
  return { message, grewBytes, ms: performance.now() - t0 };
}

for (const name of ['expand.pth', 'expand_legacy.pth']) {
  test(`${name}: an expanded zero tensor (1.6 GB from a ${name === 'expand.pth' ? 'zip' : 'legacy'} file) is refused`, () => {
    const file = join(dir, name);
    const size = statSync(file).size;
    assert.ok(size < 1024, `${size} bytes`);
    const r = refused(() => loadPthStateDict(file));
    assert.match(r.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    assert.match(r.message, /size \[400000000\] \(stride \[0\]\) would need 1600000000 bytes/);
    assert.match(r.message, new RegExp(`this ${size}-byte checkpoint`));
    assert.ok(r.grewBytes < 16 * 2 ** 20, `grew ${r.grewBytes} bytes`);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
  });
}

test('storage_size.pth: a storage declaring 10^12 floats over a 4-byte record is refused', () => {
  const r = refused(() => readPth(join(dir, 'storage_size.pth')));
  assert.match(r.message, /storage_size\.pth: storage '0' has 4 bytes, needs 4000000000000/);
  assert.ok(r.grewBytes < 16 * 2 ** 20, `grew ${r.grewBytes} bytes`);
});

test('inflate_bomb.pth: a deflated entry growing more than 256x is refused before inflating', () => {
  const r = refused(() => readPth(join(dir, 'inflate_bomb.pth')));
  assert.match(
    r.message,
    /inflate_bomb\.pth: entry 'archive\/data\/0': claims 4194304 bytes from \d+ compressed/,
  );
  assert.ok(r.grewBytes < 2 * 2 ** 20, `grew ${r.grewBytes} bytes`);
});

test('the same expanded tensor within the budget still loads (a small expand is legitimate)', () => {
  // bytes of expand.pth with the size 400000000 patched to 1000 in the pickle: 4000 bytes, under 1 MiB
  const bytes = new Uint8Array(readFileSync(join(dir, 'expand.pth')));
  const zip = new ZipReader(bytes, 'expand.pth');
  const pkl = [...zip.entries.keys()].find((n) => n.endsWith('data.pkl'))!;
  const data = zip.read(pkl);
  // BININT 400000000 (J + int32 LE) -> 1000
  const needle = Buffer.from([0x4a, 0x00, 0x84, 0xd7, 0x17]);
  const at = Buffer.from(data).indexOf(needle);
  assert.ok(at >= 0, 'size literal found');
  data.set([0x4a, 0xe8, 0x03, 0x00, 0x00], at); // stored entry: `data` is a view into `bytes`
  const sd = loadPthStateDict(bytes, { name: 'patched' });
  const x = sd.get('x')!;
  assert.deepEqual(x.shape, [1000]);
  assert.equal(x.data.byteLength, 4000);
  assert.ok(x.data.every((b) => b === 0));
});

/** Protocol-2 pickle of `a = []; for 64 times: a = [a, a]` with memo references: 64 levels, 2^64 leaves. */
function laughs(levels: number): Uint8Array {
  const ops = [0x80, 0x02, 0x5d, 0x71, 0]; // PROTO 2, EMPTY_LIST, BINPUT 0
  for (let i = 0; i < levels; i++) ops.push(0x28, 0x68, i, 0x68, i, 0x6c, 0x71, i + 1); // MARK a a LIST BINPUT
  ops.push(0x2e); // STOP
  return Uint8Array.from(ops);
}

test('a pickle of nested shared lists (2^64 values from 500 bytes) is refused by toPlain at once', () => {
  const bytes = laughs(64);
  assert.ok(bytes.length < 600);
  const graph = unpickle(bytes, { findGlobal: () => undefined }).value;
  const t0 = performance.now();
  assert.throws(() => toPlain(graph), /expands to more than 1000000 values/);
  assert.ok(performance.now() - t0 < 1000);
  // a small shared graph converts, sharing kept: 2^10 leaves
  const small = toPlain(unpickle(laughs(10), { findGlobal: () => undefined }).value) as unknown[];
  assert.equal(small[0], small[1]);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assert.throws(() => toPlain(cyclic), /cycle/);
});
