import { describe, expect, it } from 'vitest';
import { answerLine, parseToolLine, preambleLines, syncBroadcastLine } from '../../src/protocol/messages.js';

const prefix = 'LOCKSTEP:1763850000123456789';

describe('preambleLines', () => {
  it('sends HELLO, one NODE per node with CURRENT on the receiving node, then START', () => {
    expect(preambleLines(prefix, ['web1', 'web2', 'web3'], 'web2')).toEqual([
      `${prefix} HELLO`,
      `${prefix} NODE web1`,
      `${prefix} NODE web2 CURRENT`,
      `${prefix} NODE web3`,
      `${prefix} START`,
    ]);
  });
});

describe('parseToolLine', () => {
  it('leaves lines without the prefix (or with another prefix) to the report', () => {
    expect(parseToolLine(prefix, 'hello world')).toBeUndefined();
    expect(parseToolLine(prefix, `${prefix}SYNC glued`)).toBeUndefined();
    expect(parseToolLine(prefix, 'ORGALORG:1 SYNC other run')).toBeUndefined();
  });

  it('reads SYNC with a trimmed description, which may be empty', () => {
    expect(parseToolLine(prefix, `${prefix} SYNC  phase 1 completed `)).toEqual({ kind: 'sync', description: 'phase 1 completed' });
    expect(parseToolLine(prefix, `${prefix} SYNC`)).toEqual({ kind: 'sync', description: '' });
  });

  it('reads BARRIER with and without a count', () => {
    expect(parseToolLine(prefix, `${prefix} BARRIER prepared`)).toEqual({ kind: 'barrier', name: 'prepared' });
    expect(parseToolLine(prefix, `${prefix} BARRIER prepared 3`)).toEqual({ kind: 'barrier', name: 'prepared', count: 3 });
  });

  it('reads SEM with signed deltas', () => {
    expect(parseToolLine(prefix, `${prefix} SEM slots -1`)).toEqual({ kind: 'sem', name: 'slots', delta: -1 });
    expect(parseToolLine(prefix, `${prefix} SEM slots +4`)).toEqual({ kind: 'sem', name: 'slots', delta: 4 });
    expect(parseToolLine(prefix, `${prefix} SEM slots 0`)).toEqual({ kind: 'sem', name: 'slots', delta: 0 });
  });

  it('explains prefixed lines it cannot act on', () => {
    expect(parseToolLine(prefix, `${prefix} HELO`)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('unknown message "HELO"') });
    expect(parseToolLine(prefix, `${prefix} BARRIER`)).toMatchObject({ kind: 'invalid', verb: 'BARRIER', reason: expect.stringContaining('needs a name') });
    expect(parseToolLine(prefix, `${prefix} BARRIER b zero`)).toMatchObject({ kind: 'invalid', verb: 'BARRIER', name: 'b', reason: expect.stringContaining('positive integer') });
    expect(parseToolLine(prefix, `${prefix} BARRIER b 0`)).toMatchObject({ kind: 'invalid', name: 'b' });
    expect(parseToolLine(prefix, `${prefix} SEM s`)).toMatchObject({ kind: 'invalid', verb: 'SEM', name: 's', reason: expect.stringContaining('delta') });
    expect(parseToolLine(prefix, `${prefix} SEM s 1.5`)).toMatchObject({ kind: 'invalid', verb: 'SEM', name: 's', reason: expect.stringContaining('integer') });
    expect(parseToolLine(prefix, `${prefix} SEM s 1 2`)).toMatchObject({ kind: 'invalid', name: 's' });
  });
});

describe('formatting', () => {
  it('broadcasts SYNC with the sender, keeping orgalorg\'s space before an empty description', () => {
    expect(syncBroadcastLine(prefix, 'web1', 'phase 1 completed')).toBe(`${prefix} SYNC web1 phase 1 completed`);
    expect(syncBroadcastLine(prefix, 'web1', '')).toBe(`${prefix} SYNC web1 `);
  });

  it('answers OK and ERR on one line', () => {
    expect(answerLine(prefix, { verb: 'BARRIER', name: 'b', ok: 2 })).toBe(`${prefix} BARRIER b OK 2`);
    expect(answerLine(prefix, { verb: 'SEM', name: 's', ok: 0 })).toBe(`${prefix} SEM s OK 0`);
    expect(answerLine(prefix, { verb: 'SEM', name: 's', error: 'LS5003 timed\nout' })).toBe(`${prefix} SEM s ERR LS5003 timed out`);
    expect(answerLine(prefix, { error: 'unknown message "X"' })).toBe(`${prefix} ERR unknown message "X"`);
  });
});
