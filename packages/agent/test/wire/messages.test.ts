import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/wire/messages.js';

describe('wire messages', () => {
  it('round-trips a header and a body', () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const message = decodeMessage(encodeMessage('data', { sid: 'ab', fid: 3, seq: 7 }, body));
    expect(message).toEqual({ type: 'data', header: { sid: 'ab', fid: 3, seq: 7 }, body });
  });

  it('round-trips a message without a body', () => {
    expect(decodeMessage(encodeMessage('announce', { id: 'x' }))).toMatchObject({ type: 'announce', header: { id: 'x' }, body: Buffer.alloc(0) });
  });

  it('drops unknown types, short or malformed payloads', () => {
    const good = encodeMessage('end', { a: 1 });
    expect(decodeMessage(Buffer.from([99, 0, 2, 0x7b, 0x7d]))).toBeUndefined();
    expect(decodeMessage(good.subarray(0, 4))).toBeUndefined();
    expect(decodeMessage(Buffer.from([5, 0, 3, 0x5b, 0x31, 0x5d]))).toBeUndefined(); // an array, not an object
    expect(decodeMessage(Buffer.from([5, 0, 2, 0x7b, 0x7b]))).toBeUndefined();
  });
});
