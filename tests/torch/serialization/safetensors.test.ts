import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DTYPES,
  elementSize,
  type RawTensor,
  rawTensorFrom,
  rawTensorValues,
  readSafetensors,
  safetensorsToBytes,
  writeSafetensors,
  writeSafetensorsSync,
} from '../../../src/torch/serialization/index.ts';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/util/atomic.ts';

const fixture = join(import.meta.dirname, '../../fixtures/safetensors/losses_inputs.safetensors');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ribbit-st-'));
}

/** A header-only file built by hand: `{header}` padded to 8, then `data`. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), data]);
}

function sample(): Map<string, RawTensor> {
  const m = new Map<string, RawTensor>();
  m.set('f32', rawTensorFrom('float32', [2, 3], Float32Array.of(1, -2, 3.5, 0, -0, Number.NaN)));
  m.set('f64', rawTensorFrom('float64', [2], Float64Array.of(Math.PI, -1e300)));
  m.set('f16', rawTensorFrom('float16', [3], Uint16Array.of(0x3c00, 0xc000, 0x7c00)));
  m.set('bf16', rawTensorFrom('bfloat16', [1, 2], Uint16Array.of(0x3f80, 0x4049)));
  m.set('i64', rawTensorFrom('int64', [3], BigInt64Array.of(-1n, 2n ** 62n, 0n)));
  m.set('i32', rawTensorFrom('int32', [1], Int32Array.of(-7)));
  m.set('i16', rawTensorFrom('int16', [2], Int16Array.of(-32768, 32767)));
  m.set('i8', rawTensorFrom('int8', [3], Int8Array.of(-128, 0, 127)));
  m.set('u8', rawTensorFrom('uint8', [2], Uint8Array.of(0, 255)));
  m.set('mask', rawTensorFrom('bool', [2, 2], Uint8Array.of(1, 0, 0, 1)));
  m.set('scalar', rawTensorFrom('float32', [], Float32Array.of(42)));
  m.set('empty', rawTensorFrom('int64', [0, 4], new BigInt64Array(0)));
  m.set('a_empty_f16', rawTensorFrom('float16', [3, 0], new Uint16Array(0)));
  return m;
}

test('round-trips every dtype, 0-d and empty tensors, and metadata', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'all.safetensors');
    const tensors = sample();
    await writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode "quoted"' });
    const back = readSafetensors(file);
    assert.deepEqual(back.metadata, { format: 'pt', note: 'ünïcode "quoted"' });
    assert.equal(back.tensors.size, tensors.size);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name)!;
      assert.equal(r.dtype, t.dtype, name);
      assert.deepEqual(r.shape, t.shape, name);
      assert.deepEqual(Buffer.from(r.data), Buffer.from(t.data), name);
    }
    assert.deepEqual([...rawTensorValues(back.tensors.get('f16')!)], [1, -2, Number.POSITIVE_INFINITY]);
    assert.deepEqual([...rawTensorValues(back.tensors.get('bf16')!)], [1, 3.140625]);
    assert.deepEqual(DTYPES.length, 10);
    // A record works as input too, and the sync writer gives the same bytes.
    const file2 = join(dir, 'rec.safetensors');
    writeSafetensorsSync(file2, Object.fromEntries(tensors), { format: 'pt', note: 'ünïcode "quoted"' });
    assert.deepEqual(readFileSync(file2), readFileSync(file));
    assert.deepEqual(readdirSync(dir).sort(), ['all.safetensors', 'rec.safetensors']); // no temp files left
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layout follows the reference rules: padded header, metadata first, dtype order then name, aligned', () => {
  const bytes = Buffer.from(safetensorsToBytes(sample(), { format: 'pt' }));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  assert.ok(!text.trimEnd().includes(' '), 'compact JSON');
  assert.match(text, /^\{"__metadata__":\{"format":"pt"\},"/);
  assert.match(text, /\} *$/);
  const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  // Reference dtype order (descending): I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL; then by name.
  assert.deepEqual(names, [
    'empty',
    'i64',
    'f64',
    'f32',
    'scalar',
    'i32',
    'bf16',
    'a_empty_f16',
    'f16',
    'i16',
    'i8',
    'u8',
    'mask',
  ]);
  let pos = 0;
  for (const name of names) {
    const [b, e] = header[name]!.data_offsets;
    assert.equal(b, pos, `${name} starts where the previous ended`);
    const size = { I64: 8, F64: 8, F32: 4, I32: 4, BF16: 2, F16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1 }[
      header[name]!.dtype
    ]!;
    assert.equal((8 + n + b) % size, 0, `${name} is aligned`);
    pos = e;
  }
  assert.equal(8 + n + pos, bytes.length);
});

test('byte-identical to the reference implementation on its own test vectors', () => {
  // From huggingface/safetensors' Rust tests (test_empty, test_serialization_forced_alignement).
  assert.deepEqual(
    [...safetensorsToBytes(new Map())],
    [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32],
  );
  const withMeta = Buffer.from(safetensorsToBytes({}, { framework: 'pt' }));
  assert.equal(withMeta.readBigUInt64LE(0), 40n);
  assert.equal(withMeta.subarray(8).toString(), '{"__metadata__":{"framework":"pt"}}     ');
  const attn = rawTensorFrom('float32', [1, 1, 2, 3], Float32Array.of(0, 1, 2, 3, 4, 5));
  const out = Buffer.from(safetensorsToBytes({ attn0: attn }));
  assert.equal(out.readBigUInt64LE(0), 72n);
  assert.equal(
    out.subarray(8, 80).toString(),
    '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ',
  );
  assert.deepEqual(out.subarray(80), Buffer.from(attn.data));
});

test('reads the committed parity fixture and re-writes it byte-identically', () => {
  const bytes = readFileSync(fixture);
  const { tensors, metadata } = readSafetensors(bytes);
  assert.equal(metadata.generator, 'parity-gen/gen.py');
  assert.equal(tensors.size, 15);
  assert.deepEqual([tensors.get('x')!.dtype, tensors.get('x')!.shape], ['float32', [3, 7, 5]]);
  assert.deepEqual([tensors.get('lengths')!.dtype, tensors.get('lengths')!.shape], ['int64', [3]]);
  assert.deepEqual(Buffer.from(safetensorsToBytes(tensors, metadata)), bytes);
  // Aligned views share the file's memory (zero-copy).
  assert.equal(tensors.get('x')!.data.buffer, bytes.buffer);
});

for (const shared of [
  '/work/shared/parity/glow_tts/weights.safetensors',
  '/work/shared/parity/losses/inputs.safetensors',
]) {
  test(`reads and byte-identically re-writes ${shared}`, {
    skip: !existsSync(shared) && 'not present',
  }, () => {
    const bytes = readFileSync(shared);
    const { tensors, metadata } = readSafetensors(shared);
    assert.ok(tensors.size > 0);
    for (const [name, t] of tensors) assert.equal(t.data.byteLength % elementSize(t.dtype), 0, name);
    assert.deepEqual(Buffer.from(safetensorsToBytes(tensors, metadata)), bytes);
  });
}

test('unaligned input buffers give aligned copies', () => {
  const bytes = readFileSync(fixture);
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  const { tensors } = readSafetensors(shifted);
  for (const [name, t] of tensors) assert.equal(t.data.byteOffset % elementSize(t.dtype), 0, name);
  assert.deepEqual(
    rawTensorValues(tensors.get('x')!),
    rawTensorValues(readSafetensors(bytes).tensors.get('x')!),
  );
});

test('corrupt files give clear errors naming the file and the tensor', () => {
  const bytes = readFileSync(fixture);
  const f32 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const cases: [Uint8Array, RegExp][] = [
    [bytes.subarray(0, 5), /bad\.st: file too short/],
    [bytes.subarray(0, 200), /bad\.st: header length 1280 exceeds the 192 bytes after it \(truncated/],
    [bytes.subarray(0, bytes.length - 4), /bad\.st: tensor 'x': data_offsets \[3024, 3444\] exceed/],
    [Buffer.concat([bytes, Buffer.alloc(8)]), /8 trailing bytes/],
    [handMade('{"a": '.padEnd(16)), /header is not a JSON object/],
    [Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a": 1 ')]), /not valid JSON/],
    [
      handMade({ a: { ...f32, dtype: 'F8_E4M3' } }, new Uint8Array(8)),
      /bad\.st: tensor 'a': unknown .*'F8_E4M3'/,
    ],
    [handMade({ a: { ...f32, shape: [3] } }, new Uint8Array(8)), /tensor 'a': F32\[3\] needs 12 bytes/],
    [
      handMade({ a: f32, b: { ...f32, data_offsets: [4, 12] } }, new Uint8Array(12)),
      /tensor 'b' \[4, 12\] overlaps tensor 'a'/,
    ],
    [handMade({ a: { ...f32, data_offsets: [4, 12] } }, new Uint8Array(12)), /hole .* before tensor 'a'/],
    [handMade({ a: { ...f32, data_offsets: [8, 0] } }, new Uint8Array(8)), /tensor 'a'.*end before/],
    [handMade({ a: { ...f32, shape: [-2] } }, new Uint8Array(8)), /tensor 'a': invalid shape/],
  ];
  for (const [data, pattern] of cases) assert.throws(() => readSafetensors(data, 'bad.st'), pattern);
  assert.throws(() => readSafetensors('/nonexistent/x.safetensors'), /ENOENT/);
});

test('the writer validates its input', () => {
  const bad: RawTensor = { dtype: 'float32', shape: [3], data: new Uint8Array(8) };
  assert.throws(() => safetensorsToBytes({ bad }), /tensor 'bad': float32\[3\] needs 12 bytes but has 8/);
  const ok = rawTensorFrom('uint8', [1], Uint8Array.of(1));
  assert.throws(() => safetensorsToBytes({ __metadata__: ok }), /__metadata__/);
});

test('atomic writes replace whole files and leave nothing behind on failure', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'out.bin');
    writeFileSync(file, 'old content');
    await writeFileAtomic(file, [Buffer.from('new '), Buffer.from('content')]);
    assert.equal(readFileSync(file, 'utf8'), 'new content');
    writeFileAtomicSync(file, 'sync');
    assert.equal(readFileSync(file, 'utf8'), 'sync');
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.bin'), 'x'), /ENOENT/);
    assert.throws(() => writeFileAtomicSync(join(dir, 'missing', 'x.bin'), 'x'), /ENOENT/);
    // Renaming onto a directory fails: the temp file must be cleaned up.
    mkdirSync(join(dir, 'sub'));
    await assert.rejects(writeSafetensors(join(dir, 'sub'), new Map()), /EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    assert.throws(() => writeFileAtomicSync(join(dir, 'sub'), 'x'), /EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    assert.deepEqual(readdirSync(dir).sort(), ['out.bin', 'sub']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
