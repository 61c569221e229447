import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/util/line-splitter.js';
import { parseReply, parseRequest } from '../../src/coordinator/protocol.js';

describe('parseRequest', () => {
  it('reads an id, the verb, arguments and key=value options', () => {
    expect(parseRequest('#7 sem SEM001 -1 timeout=5s initial=2')).toEqual({
      id: '7',
      verb: 'SEM',
      args: ['SEM001', '-1'],
      options: { timeout: '5s', initial: '2' },
      tail: '-1 timeout=5s initial=2',
    });
  });

  it('keeps the data of PUB verbatim', () => {
    expect(parseRequest('PUB chan  two  spaces = x').tail).toBe(' two  spaces = x');
  });

  it('refuses an empty request and a bad id', () => {
    expect(() => parseRequest('   ')).toThrow(/empty request/);
    expect(() => parseRequest('#bad!id PING')).toThrow(/request id/);
  });
});

describe('parseReply', () => {
  it('reads OK, ERR, PONG and MSG lines', () => {
    expect(parseReply('#3 OK 0')).toEqual({ kind: 'ok', id: '3', value: '0' });
    expect(parseReply('ERR LS5003 semaphore "x" -1: timed out after 1s')).toEqual({ kind: 'err', code: 'LS5003', message: 'semaphore "x" -1: timed out after 1s' });
    expect(parseReply('PONG')).toEqual({ kind: 'pong' });
    expect(parseReply('MSG ch abc hello there')).toEqual({ kind: 'msg', channel: 'ch', from: 'abc', data: 'hello there' });
    expect(() => parseReply('WHAT')).toThrow(/unexpected reply/);
  });
});

describe('LineSplitter', () => {
  it('splits lines across chunks, drops \\r, and refuses over-long lines without buffering them', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const splitter = new LineSplitter((l) => lines.push(l), { maxBytes: 8, onTooLong: () => tooLong++ });
    splitter.push(Buffer.from('PI'));
    splitter.push(Buffer.from('NG\r\nSEM a 1\n0123456'));
    splitter.push(Buffer.from('789abcdef\nPING\n'));
    expect(lines).toEqual(['PING', 'SEM a 1', 'PING']);
    expect(tooLong).toBe(1);
  });
});
