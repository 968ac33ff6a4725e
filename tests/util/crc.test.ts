import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32, crc32c, maskedCrc32c } from '../../src/util/crc.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32c matches the standard check value and the RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32 matches the zlib/PNG check value and node:zlib', () => {
  assert.equal(crc32(ascii('123456789')), 0xcbf43926);
  assert.equal(crc32(ascii('IEND')), 0xae426082);
  const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  const data = Uint8Array.from({ length: 1001 }, (_, i) => (i * 7919) & 0xff);
  if (zcrc) assert.equal(crc32(data), zcrc(data));
});

test('checksums can be continued across chunks, at every split point', () => {
  const data = Uint8Array.from({ length: 37 }, (_, i) => (i * 31 + 5) & 0xff);
  for (let k = 0; k <= data.length; k++) {
    assert.equal(crc32c(data.subarray(k), crc32c(data.subarray(0, k))), crc32c(data));
    assert.equal(crc32(data.subarray(k), crc32(data.subarray(0, k))), crc32(data));
  }
});

test('maskedCrc32c rotates right by 15 and adds 0xa282ead8', () => {
  for (const s of ['', 'a', '123456789', 'brain.Event:2']) {
    const c = crc32c(ascii(s));
    const rotated = ((c >>> 15) | (c << 17)) >>> 0;
    const expected = (rotated + 0xa282ead8) % 2 ** 32;
    assert.equal(maskedCrc32c(ascii(s)), expected);
  }
});
