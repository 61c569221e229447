import { describe, expect, it } from 'vitest';
import { normalizeFlockLockOptions, planFlockLock } from '../../src/steps/flock-lock.js';

describe('normalizeFlockLockOptions', () => {
  it('applies orgalorg defaults: lock /, heartbeat every 10s, no wait, fail on refusal', () => {
    expect(normalizeFlockLockOptions({})).toEqual({ path: '/', heartbeatMs: 10_000, answerTimeoutMs: 10_000, waitMs: 0, fail: true, hold: false });
  });

  it('reads durations with units, and bare numbers as seconds', () => {
    expect(normalizeFlockLockOptions({ heartbeat: '500ms', wait: 2 })).toMatchObject({ heartbeatMs: 500, waitMs: 2000 });
  });

  it('refuses a bad duration with the duration error code', () => {
    expect(() => normalizeFlockLockOptions({ heartbeat: 'soon' })).toThrow(expect.objectContaining({ code: 'LS1003' }));
  });

  it('refuses an empty path', () => {
    expect(() => normalizeFlockLockOptions({ path: '' })).toThrow(/path/);
  });
});

describe('planFlockLock', () => {
  it('says what would be locked', () => {
    expect(planFlockLock({ path: '/srv' }, undefined as never)).toContain('flock /srv on every node of the phase');
  });
});
