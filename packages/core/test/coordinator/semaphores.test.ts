import { describe, expect, it } from 'vitest';
import { settle, track, useCoordinators } from './session-helpers.js';

// Semaphore cases the shared suite (coordinator-suite.ts, on memory and etcd) does not cover:
// dissem's examples, arrival order, many waiters and a session's end are tested there.
const { coordinator, setup } = useCoordinators();

describe('semaphores (dissem)', () => {
  it('serves a large down at the head before smaller ones behind it', async () => {
    const s = await setup(3, 'server');
    const big = track(s[0]!.semaphore('fair', -3));
    await settle();
    const small = track(s[1]!.semaphore('fair', -1));
    await settle();
    await s[2]!.semaphore('fair', 1);
    await settle();
    expect([big.done(), small.done()]).toEqual([false, false]);
    await s[2]!.semaphore('fair', 3);
    expect(await big.promise).toBe(1);
    expect(await small.promise).toBe(0);
  });

  it('times out a wait and takes nothing from a later post', async () => {
    const s = await setup(2, 'server');
    await expect(s[0]!.semaphore('t', -1, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'LS5003', message: expect.stringContaining('timed out') });
    expect(await s[1]!.semaphore('t', 1)).toBe(1);
    await settle();
    expect(await s[1]!.semaphore('t', 0)).toBe(1);
  });

  it('rejects a non-integer delta and an empty name', async () => {
    const s = await setup(1, 'server');
    await expect(s[0]!.semaphore('x', 1.5)).rejects.toMatchObject({ code: 'LS5006' });
    await expect(s[0]!.semaphore('', 1)).rejects.toMatchObject({ code: 'LS5006' });
    await expect(s[0]!.semaphore('has space', 1)).rejects.toMatchObject({ code: 'LS5006' });
  });

  it('limits the names one session may use', async () => {
    const s = await coordinator({ maxNamesPerSession: 2 }).openSession();
    await s.semaphore('a', 1);
    await s.semaphore('b', 1);
    await s.semaphore('a', 1);
    await expect(s.semaphore('c', 1)).rejects.toMatchObject({ code: 'LS5009' });
  });
});
