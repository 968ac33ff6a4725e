import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  isRawTensor,
  loadPthStateDict,
  pyAttributes,
  type RawTensor,
  readPth,
  toPlain,
  unpickle,
  ZipReader,
} from '../../../src/torch/serialization/index.ts';
import { assertTensorEquals, type ExpectedTensor } from './helpers.ts';

const dir = join(import.meta.dirname, '../../fixtures/pth');
const fixture = (name: string) => join(dir, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Record<
  string,
  { tensors: Record<string, ExpectedTensor> } & Record<string, unknown>
>;
const PWNED = '/tmp/ribbit-pth-fixture-pwned';

function assertStateDict(sd: Map<string, RawTensor>, exp: Record<string, ExpectedTensor>, file: string) {
  assert.deepEqual([...sd.keys()], Object.keys(exp), `${file}: keys`);
  for (const [name, e] of Object.entries(exp)) assertTensorEquals(sd.get(name), e, `${file}:${name}`);
}

for (const file of [
  'state_dict.pth',
  'state_dict_p4.pth',
  'state_dict_deflate.pth',
  'state_dict_zip64.pth',
  'legacy.pth',
  'parameters.pth',
  'weight_norm_old.pth',
  'weight_norm_parametrizations.pth',
  'coqui_checkpoint.pth',
  'coqui_checkpoint_adam.pth',
]) {
  test(`${file}: every tensor equals the values torch wrote`, () => {
    const sd = loadPthStateDict(fixture(file));
    assertStateDict(sd, expected[file]!.tensors, file);
  });
}

test('the same checkpoint read from bytes and with CRC checks', () => {
  const bytes = readFileSync(fixture('state_dict_deflate.pth'));
  const sd = loadPthStateDict(bytes, { verifyChecksums: true });
  assertStateDict(sd, expected['state_dict.pth']!.tensors, 'deflate from bytes');
});

test('contiguous tensors are zero-copy views; views of one storage share its bytes', () => {
  const bytes = readFileSync(fixture('state_dict.pth'));
  const sd = loadPthStateDict(bytes);
  const a = sd.get('slice_a')!;
  const b = sd.get('slice_b')!;
  const base = sd.get('base')!;
  assert.equal(a.data.buffer, bytes.buffer);
  assert.equal(b.data.buffer, a.data.buffer);
  assert.equal(b.data.byteOffset - a.data.byteOffset, 8 * 4); // big[10] vs big[2]
  assert.equal(base.data.buffer, bytes.buffer);
  // The transpose was gathered into its own contiguous row-major buffer.
  assert.notEqual(sd.get('base_t')!.data.buffer, bytes.buffer);
});

test('Coqui checkpoint: config, step, epoch, date, numpy scalars and state dict metadata', () => {
  const exp = expected['coqui_checkpoint.pth']!;
  const ckpt = readPth(fixture('coqui_checkpoint.pth'));
  assert.ok(ckpt instanceof Map);
  assert.deepEqual(toPlain(ckpt.get('config')), exp.config);
  assert.equal(ckpt.get('step'), 10);
  assert.equal(ckpt.get('epoch'), 1);
  assert.equal(ckpt.get('date'), exp.date);
  assert.equal(ckpt.get('optimizer'), null);
  assert.equal(ckpt.get('scaler'), null);
  assert.equal(ckpt.get('model_loss'), 0.125);
  assert.equal(ckpt.get('best_step'), 7);
  const model = ckpt.get('model') as Map<string, unknown>;
  const meta = pyAttributes(model)?.get('_metadata') as Map<string, unknown>;
  assert.deepEqual([...meta.keys()], exp.metadata_keys);
  assert.deepEqual(toPlain(meta.get('conv')), { version: 1 });
  assert.equal(loadPthStateDict(fixture('coqui_checkpoint.pth'), { key: 'model' }).size, model.size);
});

test('Coqui checkpoint with an Adam optimizer state: int keys, tuples, tensor steps', () => {
  const exp = expected['coqui_checkpoint_adam.pth']!;
  const ckpt = readPth(fixture('coqui_checkpoint_adam.pth')) as Map<string, unknown>;
  const opt = ckpt.get('optimizer') as Map<string, unknown>;
  const state = opt.get('state') as Map<number, Map<string, unknown>>;
  const expState = exp.optimizer_state as Record<string, Record<string, ExpectedTensor>>;
  assert.deepEqual([...state.keys()], Object.keys(expState).map(Number));
  for (const [k, tensors] of Object.entries(expState)) {
    for (const [name, e] of Object.entries(tensors)) {
      assertTensorEquals(state.get(Number(k))!.get(name) as RawTensor, e, `state[${k}].${name}`);
    }
  }
  assert.deepEqual(toPlain(opt.get('param_groups')), exp.param_groups);
});

test('bare state dicts and missing keys', () => {
  assert.equal(loadPthStateDict(fixture('parameters.pth')).size, 2);
  assert.throws(() => loadPthStateDict(fixture('parameters.pth'), { key: 'model' }), /has no 'model'/);
  assert.throws(
    () => loadPthStateDict(fixture('coqui_checkpoint.pth'), { key: 'config' }),
    /'model' is not a tensor/,
  );
});

const refused: [string, RegExp][] = [
  ['malicious_reduce.pth', /posix\.system/],
  ['malicious_reduce_p4.pth', /posix\.system/],
  ['malicious_os_system.pth', /'os\.system'/],
  ['malicious_eval.pth', /__builtin__\.eval/],
  ['malicious_inst.pth', /INST/],
  ['malicious_plain.pkl', /posix\.system/],
  ['unknown_global.pth', /argparse\.Namespace/],
];
for (const [file, pattern] of refused) {
  test(`${file} is refused, naming what it wanted, and nothing runs`, () => {
    rmSync(PWNED, { force: true });
    assert.throws(
      () => readPth(fixture(file)),
      (err: Error) => {
        assert.match(err.message, pattern);
        assert.match(err.message, new RegExp(file.replace('.', '\\.')));
        return true;
      },
    );
    assert.equal(existsSync(PWNED), false);
  });
}

test('the unpickler refuses unknown globals and opcodes in raw pickles', () => {
  const findGlobal = () => undefined;
  const p = Buffer.from('\x80\x02csubprocess\nPopen\n)R.', 'latin1');
  assert.throws(() => unpickle(p, { findGlobal }), /subprocess\.Popen/);
  const stackGlobal = Buffer.from('\x80\x04\x8c\x08builtins\x8c\x04eval\x93.', 'latin1');
  assert.throws(() => unpickle(stackGlobal, { findGlobal }), /builtins\.eval/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02(co\nx\no.', 'latin1'), { findGlobal }), /o\.x|OBJ/);
  assert.throws(() => unpickle(Buffer.from('\x80\x02\x82\x01.', 'latin1'), { findGlobal }), /EXT1/);
  assert.throws(
    () => unpickle(Buffer.from('\x80\x02\xff.', 'latin1'), { findGlobal }),
    /unknown opcode 0xff/,
  );
  assert.throws(
    () => unpickle(Buffer.from('\x80\x02X\x10\x00\x00\x00ab', 'latin1'), { findGlobal }),
    /truncated/,
  );
});

test('the unpickler decodes protocol 0-2 scalars and containers', () => {
  const findGlobal = () => undefined;
  // {'a': [1, -2, 2**70, 1.5, True, None, 'é'], b'x'... } written by hand in protocol 0 / 2 opcodes.
  const p0 = Buffer.from(
    '(dp0\nVa\np1\n(lp2\nI1\naI-2\naL1180591620717411303424L\naF1.5\naI01\naNaV\\u00e9\nas.',
    'latin1',
  );
  const v = unpickle(p0, { findGlobal }).value as Map<string, unknown[]>;
  assert.deepEqual(v.get('a'), [1, -2, 2n ** 70n, 1.5, true, null, 'é']);
  const long1 = Buffer.from('\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x80\x85.', 'latin1');
  assert.deepEqual(unpickle(long1, { findGlobal }).value, [-(2n ** 71n)]);
  const sets = Buffer.from('\x80\x04\x8f(K\x01K\x02\x90(K\x03\x91\x86.', 'latin1');
  assert.deepEqual(unpickle(sets, { findGlobal }).value, [new Set([1, 2]), new Set([3])]);
});

test('truncated and corrupt checkpoints give clear errors', () => {
  const bytes = readFileSync(fixture('state_dict.pth'));
  assert.throws(
    () => readPth(bytes.subarray(0, bytes.length - 30), { name: 'cut.pth' }),
    /cut\.pth.*truncated/,
  );
  assert.throws(() => readPth(bytes.subarray(0, 1000), { name: 'cut.pth' }), /cut\.pth.*truncated/);
  const legacy = readFileSync(fixture('legacy.pth'));
  assert.throws(
    () => readPth(legacy.subarray(0, legacy.length - 10), { name: 'old.pth' }),
    /old\.pth.*truncated/,
  );
  assert.throws(
    () => readPth(Buffer.from('hello world'), { name: 'x.pth' }),
    /x\.pth: not a PyTorch checkpoint/,
  );
  const tar = Buffer.alloc(1024);
  tar.write('ustar', 257, 'latin1');
  tar[0] = 0x61;
  assert.throws(() => readPth(tar, { name: 't.pth' }), /legacy tar-based/);
  // Flip one payload byte of a storage: only the CRC check notices.
  const corrupt = Buffer.from(bytes);
  const zip = new ZipReader(corrupt);
  const entry = [...zip.entries.values()].find((e) => e.name.endsWith('/data/0'))!;
  const start = entry.localHeaderOffset + 30 + corrupt.readUInt16LE(entry.localHeaderOffset + 26);
  corrupt[start + corrupt.readUInt16LE(entry.localHeaderOffset + 28)] ^= 0xff;
  assert.doesNotThrow(() => readPth(corrupt));
  assert.throws(() => readPth(corrupt, { verifyChecksums: true }), /CRC-32 mismatch/);
});

test('ZipReader reads the ZIP64 and DEFLATE repacks identically to the original', () => {
  const plain = new ZipReader(readFileSync(fixture('state_dict.pth')));
  for (const file of ['state_dict_zip64.pth', 'state_dict_deflate.pth']) {
    const other = new ZipReader(readFileSync(fixture(file)));
    assert.deepEqual([...other.entries.keys()], [...plain.entries.keys()]);
    for (const name of plain.entries.keys()) {
      assert.deepEqual(
        Buffer.from(other.read(name, true)),
        Buffer.from(plain.read(name, true)),
        `${file}:${name}`,
      );
    }
  }
  const deflated = new ZipReader(readFileSync(fixture('state_dict_deflate.pth')));
  assert.ok([...deflated.entries.values()].some((e) => e.method === 8));
});

test('readPth returns RawTensors inside plain containers', () => {
  const v = readPth(fixture('weight_norm_old.pth')) as Map<string, unknown>;
  assert.equal(v.get('step'), 1);
  const model = v.get('model') as Map<string, unknown>;
  assert.deepEqual([...model.keys()], ['bias', 'weight_g', 'weight_v']);
  assert.ok([...model.values()].every(isRawTensor));
});
