import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorBackend, WatchEvent } from '../../src/coordinator/backend.js';
import { Coordinator } from '../../src/coordinator/coordinator.js';
import type { CoordinatorSession } from '../../src/coordinator/coordinator-session.js';
import { outcome, track } from './session-helpers.js';

/** How the shared suite gets backends of one kind. */
export interface SuiteBackends {
  /**
   * A backend with fresh, empty state; with `shareWith`, a backend over the same state as that
   * one (memory: the same object; etcd: a second connection on the same prefix), as two
   * coordinator processes over one etcd would have.
   */
  create(shareWith?: CoordinatorBackend): Promise<CoordinatorBackend>;
  /** Closes a backend `create` returned. */
  close(backend: CoordinatorBackend): Promise<void>;
  /** Long enough for a change to reach every watcher (memory: a few ms; etcd: a few hundred). */
  settleMs: number;
  /** The shortest lease TTL the backend honours (etcd counts whole seconds). */
  minTtlMs: number;
  /** Waiters in the "one post wakes many" test. */
  manyWaiters: number;
  /** Participants in the large barrier test. */
  barrierParticipants: number;
}

/**
 * The coordinator's semantics, as one suite run against every backend: the unit project runs it
 * on the in-memory backend, the e2e project on a real etcd. It covers the backend primitives the
 * recipes rely on, then semaphores, barriers, locks and channels through sessions, and two
 * coordinators over one state.
 *
 * @param kind the backend's name, for the describe block
 * @param backends how to make and close backends
 */
export function coordinatorSuite(kind: string, backends: SuiteBackends): void {
  const open: CoordinatorBackend[] = [];
  const coordinators: Coordinator[] = [];
  afterEach(async () => {
    for (const c of coordinators.splice(0)) await c.dispose();
    for (const b of open.splice(0).reverse()) await backends.close(b);
  });
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, backends.settleMs));
  async function backend(shareWith?: CoordinatorBackend): Promise<CoordinatorBackend> {
    const b = await backends.create(shareWith);
    if (!open.includes(b)) open.push(b);
    return b;
  }
  async function coordinator(options: { shareWith?: CoordinatorBackend; maxNamesPerSession?: number } = {}): Promise<Coordinator> {
    const c = new Coordinator({ backend: await backend(options.shareWith), ...(options.maxNamesPerSession ? { maxNamesPerSession: options.maxNamesPerSession } : {}) });
    coordinators.push(c);
    return c;
  }
  async function setup(n: number, prefix = 'client'): Promise<CoordinatorSession[]> {
    const c = await coordinator();
    return Promise.all(Array.from({ length: n }, (_, i) => c.openSession({ name: `${prefix}${i + 1}` })));
  }

  describe(`coordinator on the ${kind} backend`, () => {
    describe('backend primitives', () => {
      it('gives every write a new revision and keeps create and mod revisions apart, sorted by creation', async () => {
        const b = await backend();
        const r1 = await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/2', value: 'two' }] });
        const r2 = await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/1', value: 'one' }] });
        const r3 = await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/2', value: 'deux' }] });
        expect(r3.responses[0]).toEqual({ type: 'put', createRevision: r1.revision });
        const { kvs, count } = await b.range({ key: 'a/x/', prefix: true });
        expect(count).toBe(2);
        expect(kvs.map((kv) => [kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version])).toEqual([
          ['a/x/2', 'deux', r1.revision, r3.revision, 2],
          ['a/x/1', 'one', r2.revision, r2.revision, 1],
        ]);
      });

      it('runs the failure ops when a compare does not hold', async () => {
        const b = await backend();
        const create = { compare: [{ key: 'k', target: 'version' as const, op: '==' as const, value: 0 }], success: [{ type: 'put' as const, key: 'k', value: '1' }] };
        expect((await b.txn(create)).succeeded).toBe(true);
        const again = await b.txn({ ...create, failure: [{ type: 'range', key: 'k' }] });
        expect(again.succeeded).toBe(false);
        expect(again.responses[0]).toMatchObject({ type: 'range', kvs: [{ value: '1' }], count: 1 });
      });

      it('deletes a lease’s keys when it is revoked, in one revision, and refuses puts on it afterwards', async () => {
        const b = await backend();
        const lease = await b.grantLease(10_000);
        await b.txn({ compare: [], success: [{ type: 'put', key: 'l/a/1', value: '', lease }, { type: 'put', key: 'l/a/2', value: '', lease }] });
        const events: WatchEvent[][] = [];
        const watch = await b.watch('l/', (e) => events.push([...e]));
        await b.revokeLease(lease);
        await settle();
        await watch.dispose();
        expect((await b.range({ key: 'l/', prefix: true })).count).toBe(0);
        expect(events).toHaveLength(1);
        expect(events[0]!.map((e) => [e.type, e.prevKv?.key])).toEqual([
          ['delete', 'l/a/1'],
          ['delete', 'l/a/2'],
        ]);
        await expect(b.txn({ compare: [], success: [{ type: 'put', key: 'x', value: '', lease }] })).rejects.toMatchObject({ code: 'LS5007' });
        expect(await b.keepAlive(lease)).toBe(false);
      });

      it('expires a lease that is not kept alive, and keeps one that is', async () => {
        const b = await backend();
        const [dying, kept] = await Promise.all([b.grantLease(backends.minTtlMs), b.grantLease(backends.minTtlMs)]);
        await b.txn({ compare: [], success: [{ type: 'put', key: 's/x', value: '', lease: dying }, { type: 'put', key: 's/y', value: '', lease: kept }] });
        const until = Date.now() + backends.minTtlMs * 3;
        while (Date.now() < until) {
          expect(await b.keepAlive(kept)).toBe(true);
          await new Promise((r) => setTimeout(r, backends.minTtlMs / 4));
        }
        expect((await b.range({ key: 's/', prefix: true })).kvs.map((kv) => kv.key)).toEqual(['s/y']);
      });

      it('delivers watch events in revision order, one batch per revision, with the deleted value', async () => {
        const b = await backend();
        const seen: string[] = [];
        const watch = await b.watch('w/', (events) => seen.push(events.map((e) => `${e.type}:${e.kv.key}:${e.prevKv?.value ?? ''}`).join(',')));
        const put = await b.txn({ compare: [], success: [{ type: 'put', key: 'w/a/1', value: 'v1' }, { type: 'put', key: 'w/a/2', value: 'v2' }] });
        expect(put.revision).toBeGreaterThan(0);
        await b.txn({ compare: [], success: [{ type: 'delete', key: 'w/a/', prefix: true }] });
        await b.txn({ compare: [], success: [{ type: 'put', key: 'other/a', value: '' }] });
        await settle();
        await watch.dispose();
        expect(seen).toEqual(['put:w/a/1:,put:w/a/2:', 'delete:w/a/1:v1,delete:w/a/2:v2']);
      });
    });

    describe('semaphores (dissem)', () => {
      it('example 1: a wait at -1 returns when another server posts 1', async () => {
        const s = await setup(2, 'server');
        const waiter = track(s[0]!.semaphore('SEM001', -1));
        await settle();
        expect(waiter.done()).toBe(false);
        expect(await s[1]!.semaphore('SEM001', 1)).toBe(1);
        expect(await waiter.promise).toBe(0);
      });

      it('example 2: four at -1 and one at +4 leave 0, with all five returned', async () => {
        const s = await setup(5, 'server');
        const waiters = s.slice(0, 4).map((x) => track(x.semaphore('SEM001', -1)));
        await settle();
        expect(waiters.some((w) => w.done())).toBe(false);
        expect(await s[4]!.semaphore('SEM001', 4)).toBe(4);
        await Promise.all(waiters.map((w) => w.promise));
        expect(await s[0]!.semaphore('SEM001', 0)).toBe(0);
      });

      it('example 3: delta 0 reads the value; initial sets it at creation only', async () => {
        const [s] = await setup(1);
        expect(await s!.semaphore('fresh', 0)).toBe(0);
        expect(await s!.semaphore('pool', 0, { initial: 3 })).toBe(3);
        expect(await s!.semaphore('pool', 0, { initial: 9 })).toBe(3);
      });

      it('wakes waiters in arrival order, as many as a post pays for, and serves a large down at the head first', async () => {
        const s = await setup(6);
        const order: number[] = [];
        const waiters: Array<{ done: () => boolean; promise: Promise<unknown> }> = [];
        for (const [i, x] of s.slice(0, 4).entries()) {
          waiters.push(track(x.semaphore('q', i === 0 ? -2 : -1).then(() => order.push(i))));
          await settle();
        }
        await s[5]!.semaphore('q', 1);
        await settle();
        expect(order).toEqual([]);
        await s[5]!.semaphore('q', 2);
        await Promise.all(waiters.slice(0, 2).map((w) => w.promise));
        await settle();
        expect(order).toEqual([0, 1]);
        expect(waiters.map((w) => w.done())).toEqual([true, true, false, false]);
        await s[5]!.semaphore('q', 2);
        await Promise.all(waiters.map((w) => w.promise));
        expect(order).toEqual([0, 1, 2, 3]);
      });

      it(`wakes ${backends.manyWaiters} waiters with one post and keeps answering`, async () => {
        const c = await coordinator();
        const n = backends.manyWaiters;
        const sessions = await Promise.all(Array.from({ length: n + 1 }, () => c.openSession()));
        const waiters = sessions.slice(0, n).map((x) => x.semaphore('many', -1));
        await settle();
        await sessions[n]!.semaphore('many', n);
        const values = await Promise.all(waiters);
        expect(values.filter((v) => v === 0)).toHaveLength(1);
        expect(await sessions[n]!.semaphore('many', 0)).toBe(0);
      });

      it('times out a wait and takes nothing from a later post', async () => {
        const s = await setup(2);
        await expect(s[0]!.semaphore('t', -1, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'LS5003' });
        expect(await s[1]!.semaphore('t', 1)).toBe(1);
        await settle();
        expect(await s[1]!.semaphore('t', 0)).toBe(1);
      });

      it('drops the wait of a session that ends: a later post is not consumed by it', async () => {
        const s = await setup(3);
        const gone = s[0]!.semaphore('drop', -1).catch((e: Error) => e.message);
        await settle();
        await s[0]!.end(new Error('killed'));
        expect(await gone).toBe('killed');
        const next = track(s[1]!.semaphore('drop', -1));
        await settle();
        await s[2]!.semaphore('drop', 1);
        expect(await next.promise).toBe(0);
      });

      it('limits the names one session may use', async () => {
        const c = await coordinator({ maxNamesPerSession: 2 });
        const s = await c.openSession();
        await s.semaphore('a', 1);
        await s.semaphore('b', 1);
        await expect(s.semaphore('c', 1)).rejects.toMatchObject({ code: 'LS5009' });
      });
    });

    describe('barriers', () => {
      it('releases all participants together when the last arrives, and reuses the name', async () => {
        const s = await setup(3);
        let released = 0;
        const first = s.slice(0, 2).map((x) => x.barrier('BR001', 3).then((r) => (released++, r)));
        await settle();
        expect(released).toBe(0);
        expect(await s[2]!.barrier('BR001', 3)).toEqual({ generation: 1 });
        expect(await Promise.all(first)).toEqual([{ generation: 1 }, { generation: 1 }]);
        expect(await Promise.all(s.map((x) => x.barrier('BR001', 3)))).toEqual([{ generation: 2 }, { generation: 2 }, { generation: 2 }]);
      });

      it('refuses an arrival whose count disagrees, and releases nobody wrongly', async () => {
        const s = await setup(3);
        const a = outcome(s[0]!.barrier('mix', 2));
        await settle();
        expect(await outcome(s[1]!.barrier('mix', 3))).toMatch(/^LS5004 .*expects 3 participants, but generation 1 expects 2/);
        expect(await outcome(s[2]!.barrier('mix', 2))).toBe('ok 1');
        expect(await a).toBe('ok 1');
      });

      it('tells the others, naming who left, when a participant’s session ends before the barrier fires', async () => {
        const s = await setup(3, 'server');
        const waiting = s.slice(0, 2).map((x) => outcome(x.barrier('fragile', 3)));
        await settle();
        await s[1]!.end(new Error('connection closed'));
        expect(await waiting[0]).toMatch(/^LS5004 barrier "fragile" generation 1 is broken: server2 \(session [0-9a-f]+\) left before it fired/);
        expect(await Promise.all([s[0]!.barrier('fragile', 2), s[2]!.barrier('fragile', 2)])).toEqual([{ generation: 2 }, { generation: 2 }]);
      });

      it(`releases ${backends.barrierParticipants} participants`, async () => {
        const s = await setup(backends.barrierParticipants);
        const all = await Promise.all(s.map((x) => x.barrier('big', backends.barrierParticipants)));
        expect(new Set(all.map((r) => r.generation))).toEqual(new Set([1]));
      });
    });

    describe('locks', () => {
      it('grants an exclusive lock to one holder at a time, in arrival order, with growing fences', async () => {
        const s = await setup(3);
        const first = await s[0]!.lock('db');
        const second = track(s[1]!.lock('db'));
        await settle();
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

      it('lets shared holders in together and keeps a later exclusive request waiting for them', async () => {
        const s = await setup(3);
        const r1 = await s[0]!.lock('cfg', { mode: 'shared' });
        const r2 = await s[1]!.lock('cfg', { mode: 'shared' });
        const writer = track(s[2]!.lock('cfg'));
        await settle();
        expect(writer.done()).toBe(false);
        await r1.release();
        await r2.release();
        expect((await writer.promise).mode).toBe('exclusive');
      });

      it('allows N holders of name[N], answers a try at once, and times out a wait leaving nothing behind', async () => {
        const s = await setup(4);
        const holds = [await s[0]!.lock('pool[2]'), await s[1]!.lock('pool[2]')];
        await expect(s[2]!.lock('pool[2]', { timeoutMs: 0 })).rejects.toMatchObject({ code: 'LS5005', message: expect.stringContaining('held by client1') });
        await expect(s[2]!.lock('pool[2]', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'LS5003' });
        await holds[1]!.release();
        expect((await s[3]!.lock('pool[2]', { timeoutMs: 0 })).resource).toBe('pool[2]');
      });

      it('releases what a session held when it ends', async () => {
        const s = await setup(2);
        await s[0]!.lock('crash');
        const next = s[1]!.lock('crash');
        await settle();
        await s[0]!.end(new Error('killed'));
        expect((await next).resource).toBe('crash');
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

    describe('two coordinators over one state', () => {
      it('serve the same locks, semaphores and barriers', async () => {
        const one = await coordinator();
        const two = await coordinator({ shareWith: one.backend });
        const [a, b] = await Promise.all([one.openSession({ name: 'a' }), two.openSession({ name: 'b' })]);
        const held = await a.lock('shared-db');
        const waiting = track(b.lock('shared-db'));
        await settle();
        expect(waiting.done()).toBe(false);
        await held.release();
        expect((await waiting.promise).fence).toBeGreaterThan(held.fence);

        const down = track(b.semaphore('cross', -2));
        await settle();
        await a.semaphore('cross', 1);
        await settle();
        expect(down.done()).toBe(false);
        await a.semaphore('cross', 1);
        expect(await down.promise).toBe(0);

        expect(await Promise.all([a.barrier('meet', 2), b.barrier('meet', 2)])).toEqual([{ generation: 1 }, { generation: 1 }]);
      });
    });
  });
}
