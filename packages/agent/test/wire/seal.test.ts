import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEAL_OVERHEAD, Sealer, loadKeyFile } from '../../src/wire/seal.js';

const payload = Buffer.from('{"hello":"world"}');

describe('Sealer', () => {
  it('opens what it sealed, and the datagram does not show the payload', () => {
    const sealer = new Sealer(randomBytes(32));
    const datagram = sealer.seal(payload);
    expect(datagram.length).toBe(payload.length + SEAL_OVERHEAD);
    expect(datagram.includes(payload)).toBe(false);
    expect(sealer.open(datagram)).toEqual(payload);
  });

  it('opens a datagram sealed in parts as the payload the parts make up', () => {
    const sealer = new Sealer(randomBytes(32));
    const head = Buffer.from('head:');
    const chunk = randomBytes(60_000);
    const datagram = Buffer.concat(sealer.sealParts([head, chunk]));
    expect(datagram.length).toBe(head.length + chunk.length + SEAL_OVERHEAD);
    expect(sealer.open(datagram)).toEqual(Buffer.concat([head, chunk]));
    const plain = new Sealer(undefined);
    expect(plain.open(Buffer.concat(plain.sealParts([head, chunk])))).toEqual(Buffer.concat([head, chunk]));
  });

  it('uses a fresh nonce each time', () => {
    const sealer = new Sealer(randomBytes(32));
    expect(sealer.seal(payload).equals(sealer.seal(payload))).toBe(false);
  });

  it('drops a datagram with any byte altered', () => {
    const sealer = new Sealer(randomBytes(32));
    const datagram = sealer.seal(payload);
    for (let i = 0; i < datagram.length; i++) {
      const altered = Buffer.from(datagram);
      altered[i] ^= 0x40;
      expect(sealer.open(altered)).toBeUndefined();
    }
  });

  it('drops a datagram sealed with another key, truncated, or foreign', () => {
    const sealer = new Sealer(randomBytes(32));
    expect(sealer.open(new Sealer(randomBytes(32)).seal(payload))).toBeUndefined();
    expect(sealer.open(sealer.seal(payload).subarray(0, 20))).toBeUndefined();
    expect(sealer.open(Buffer.from('GET / HTTP/1.1\r\n'))).toBeUndefined();
  });

  it('keeps clear text and sealed agents apart', () => {
    const sealed = new Sealer(randomBytes(32));
    const plain = new Sealer(undefined);
    expect(plain.open(plain.seal(payload))).toEqual(payload);
    expect(sealed.open(plain.seal(payload))).toBeUndefined();
    expect(plain.open(sealed.seal(payload))).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new Sealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loadKeyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-key-'));

  it('reads 64 hex digits as the key itself', () => {
    const key = randomBytes(32);
    writeFileSync(join(dir, 'hex'), `${key.toString('hex')}\n`);
    expect(loadKeyFile(join(dir, 'hex'))).toEqual(key);
  });

  it('derives the same key from the same passphrase', () => {
    writeFileSync(join(dir, 'a'), 'correct horse battery staple\n');
    writeFileSync(join(dir, 'b'), 'correct horse battery staple');
    expect(loadKeyFile(join(dir, 'a'))).toEqual(loadKeyFile(join(dir, 'b')));
    expect(loadKeyFile(join(dir, 'a')).length).toBe(32);
  });

  it('fails with LS6003 for a missing or empty file', () => {
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => loadKeyFile(join(dir, 'empty'))).toThrow(expect.objectContaining({ code: 'LS6003' }));
    expect(() => loadKeyFile(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'LS6003' }));
  });
});
