import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/coordinator/coordinator.js';
import type { CoordinatorSession } from '../../src/coordinator/coordinator-session.js';

const coordinators: Coordinator[] = [];
afterEach(async () => {
  for (const c of coordinators.splice(0)) await c.dispose();
});
async function setup(sessions: number): Promise<{ coordinator: Coordinator; s: CoordinatorSession[] }> {
  const coordinator = new Coordinator();
  coordinators.push(coordinator);
  const s = await Promise.all(Array.from({ length: sessions }, (_, i) => coordinator.openSession({ name: `server${i + 1}` })));
  return { coordinator, s };
}
const settle = () => new Promise((r) => setTimeout(r, 20));
function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { done: () => done, promise };
}

describe('semaphores (dissem)', () => {
  it('example 1: a wait at -1 returns when another server posts 1', async () => {
    const { s } = await setup(2);
    const waiter = track(s[0]!.semaphore('SEM001', -1));
    await settle();
    expect(waiter.done()).toBe(false);
    expect(await s[1]!.semaphore('SEM001', 1)).toBe(1);
    expect(await waiter.promise).toBe(0);
  });

  it('example 2: four at -1 and one at +4 leave 0, with all five returned', async () => {
    const { s } = await setup(5);
    const waiters = s.slice(0, 4).map((x) => track(x.semaphore('SEM001', -1)));
    await settle();
    expect(waiters.some((w) => w.done())).toBe(false);
    expect(await s[4]!.semaphore('SEM001', 4)).toBe(4);
    await Promise.all(waiters.map((w) => w.promise));
    expect(await s[0]!.semaphore('SEM001', 0)).toBe(0);
  });

  it('example 3: delta 0 reads the value; initial sets it at creation only', async () => {
    const { s } = await setup(1);
    expect(await s[0]!.semaphore('fresh', 0)).toBe(0);
    expect(await s[0]!.semaphore('pool', 0, { initial: 3 })).toBe(3);
    expect(await s[0]!.semaphore('pool', 0, { initial: 9 })).toBe(3);
  });

  it('wakes every waiter a post can pay for, in arrival order, and no more', async () => {
    const { s } = await setup(6);
    const order: number[] = [];
    const waiters = s.slice(0, 5).map((x, i) => track(x.semaphore('q', -1).then(() => order.push(i))));
    await settle();
    await s[5]!.semaphore('q', 3);
    await settle();
    expect(waiters.map((w) => w.done())).toEqual([true, true, true, false, false]);
    expect(order).toEqual([0, 1, 2]);
    await s[5]!.semaphore('q', 2);
    await Promise.all(waiters.map((w) => w.promise));
  });

  it('serves a large down at the head before smaller ones behind it', async () => {
    const { s } = await setup(3);
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

  it('wakes 600 waiters with one post and keeps answering', async () => {
    const coordinator = new Coordinator();
    coordinators.push(coordinator);
    const sessions = await Promise.all(Array.from({ length: 601 }, () => coordinator.openSession()));
    const waiters = sessions.slice(0, 600).map((x) => x.semaphore('many', -1));
    await settle();
    await sessions[600]!.semaphore('many', 600);
    const values = await Promise.all(waiters);
    expect(values.filter((v) => v === 0)).toHaveLength(1);
    expect(await sessions[600]!.semaphore('many', 0)).toBe(0);
  });

  it('times out a wait and takes nothing from a later post', async () => {
    const { s } = await setup(2);
    await expect(s[0]!.semaphore('t', -1, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'LS5003', message: expect.stringContaining('timed out') });
    expect(await s[1]!.semaphore('t', 1)).toBe(1);
    await settle();
    expect(await s[1]!.semaphore('t', 0)).toBe(1);
  });

  it('drops the wait of a session that ends: a later post is not consumed by it', async () => {
    const { s } = await setup(3);
    const gone = s[0]!.semaphore('drop', -1).catch((e: Error) => e.message);
    await settle();
    await s[0]!.end(new Error('killed'));
    expect(await gone).toBe('killed');
    const next = track(s[1]!.semaphore('drop', -1));
    await settle();
    await s[2]!.semaphore('drop', 1);
    expect(await next.promise).toBe(0);
  });

  it('rejects a non-integer delta and an empty name', async () => {
    const { s } = await setup(1);
    await expect(s[0]!.semaphore('x', 1.5)).rejects.toMatchObject({ code: 'LS5006' });
    await expect(s[0]!.semaphore('', 1)).rejects.toMatchObject({ code: 'LS5006' });
    await expect(s[0]!.semaphore('has space', 1)).rejects.toMatchObject({ code: 'LS5006' });
  });

  it('limits the names one session may use', async () => {
    const coordinator = new Coordinator({ maxNamesPerSession: 2 });
    coordinators.push(coordinator);
    const s = await coordinator.openSession();
    await s.semaphore('a', 1);
    await s.semaphore('b', 1);
    await s.semaphore('a', 1);
    await expect(s.semaphore('c', 1)).rejects.toMatchObject({ code: 'LS5009' });
  });
});
