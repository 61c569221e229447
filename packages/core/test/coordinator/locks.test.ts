import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/coordinator/coordinator.js';
import type { CoordinatorSession } from '../../src/coordinator/coordinator-session.js';

const coordinators: Coordinator[] = [];
afterEach(async () => {
  for (const c of coordinators.splice(0)) await c.dispose();
});
async function setup(sessions: number): Promise<CoordinatorSession[]> {
  const coordinator = new Coordinator();
  coordinators.push(coordinator);
  return Promise.all(Array.from({ length: sessions }, (_, i) => coordinator.openSession({ name: `client${i + 1}` })));
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

describe('locks', () => {
  it('grants an exclusive lock to one holder at a time, in arrival order, with growing fences', async () => {
    const s = await setup(3);
    const first = await s[0]!.lock('db');
    const second = track(s[1]!.lock('db'));
    const third = track(s[2]!.lock('db'));
    await settle();
    expect([second.done(), third.done()]).toEqual([false, false]);
    await first.release();
    const h2 = await second.promise;
    await settle();
    expect(third.done()).toBe(false);
    expect(h2.fence).toBeGreaterThan(first.fence);
    await h2.release();
    expect((await third.promise).fence).toBeGreaterThan(h2.fence);
  });

  it('lets shared holders in together and keeps an exclusive request waiting for them', async () => {
    const s = await setup(4);
    const r1 = await s[0]!.lock('cfg', { mode: 'shared' });
    const r2 = await s[1]!.lock('cfg', { mode: 'shared' });
    const writer = track(s[2]!.lock('cfg'));
    const lateReader = track(s[3]!.lock('cfg', { mode: 'shared' }));
    await settle();
    // A reader that came after a waiting writer waits too: writers are not starved.
    expect([writer.done(), lateReader.done()]).toEqual([false, false]);
    await r1.release();
    await r2.release();
    const w = await writer.promise;
    expect(w.mode).toBe('exclusive');
    await w.release();
    expect((await lateReader.promise).mode).toBe('shared');
  });

  it('allows N holders of a numeric resource name[N]', async () => {
    const s = await setup(4);
    const holds = await Promise.all(s.slice(0, 3).map((x) => x.lock('pool[3]')));
    await expect(s[3]!.lock('pool[3]', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LS5005' });
    await holds[1]!.release();
    expect((await s[3]!.lock('pool[3]', { timeoutMs: 1000 })).resource).toBe('pool[3]');
  });

  it('answers a try at once: busy, naming the holder', async () => {
    const s = await setup(2);
    await s[0]!.lock('r');
    await expect(s[1]!.lock('r', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LS5005', message: expect.stringContaining('held by client1') });
  });

  it('times out a timed wait and leaves no request behind', async () => {
    const s = await setup(3);
    const held = await s[0]!.lock('t');
    await expect(s[1]!.lock('t', { timeoutMs: 30 })).rejects.toMatchObject({ code: 'LS5003' });
    await held.release();
    // Had the timed-out request stayed queued, this try would find it ahead.
    expect((await s[2]!.lock('t', { timeoutMs: 0 })).resource).toBe('t');
  });

  it('releases what a session held when it ends', async () => {
    const s = await setup(2);
    await s[0]!.lock('crash');
    const next = s[1]!.lock('crash');
    await s[0]!.end(new Error('killed'));
    expect((await next).resource).toBe('crash');
  });

  it('refuses a capacity that disagrees with the holders’', async () => {
    const s = await setup(2);
    await s[0]!.lock('cap', { capacity: 2 });
    await expect(s[1]!.lock('cap', { capacity: 3 })).rejects.toMatchObject({ code: 'LS5008' });
  });

  it('withdraws a wait when its signal aborts', async () => {
    const s = await setup(2);
    await s[0]!.lock('a');
    const controller = new AbortController();
    const waiting = s[1]!.lock('a', { signal: controller.signal });
    controller.abort(new Error('step cancelled'));
    await expect(waiting).rejects.toThrow('step cancelled');
  });
});

describe('channels', () => {
  it('delivers a publication to every subscriber, with the publisher’s session', async () => {
    const s = await setup(3);
    const got: string[] = [];
    await s[0]!.subscribe('news', (m) => got.push(`a:${m.from === s[2]!.sessionId}:${m.data}`));
    const sub = await s[1]!.subscribe('news', (m) => got.push(`b:${m.data}`));
    await s[2]!.publish('news', 'hello world');
    await settle();
    await sub.dispose();
    await s[2]!.publish('news', 'again');
    await settle();
    expect(got.sort()).toEqual(['a:true:again', 'a:true:hello world', 'b:hello world']);
  });
});
