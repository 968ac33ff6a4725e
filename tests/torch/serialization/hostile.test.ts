// Hostile checkpoints of a few hundred bytes that ask for gigabytes (made by
// scripts/fixtures/make_hostile_pth.py): the reader refuses each at once, naming the file, without allocating.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPthStateDict, readPth, ZipReader } from '../../../src/torch/serialization/index.ts';

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
