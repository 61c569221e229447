import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../src/coordinator/backend.js';
import { MemoryBackend } from '../../src/coordinator/memory-backend.js';

const backends: MemoryBackend[] = [];
function backend(): MemoryBackend {
  const b = new MemoryBackend();
  backends.push(b);
  return b;
}
afterEach(() => {
  for (const b of backends.splice(0)) b.dispose();
});
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('MemoryBackend', () => {
  it('gives every write a new revision and keeps create and mod revisions apart', async () => {
    const b = backend();
    await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/1', value: 'one' }] });
    await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/2', value: 'two' }] });
    await b.txn({ compare: [], success: [{ type: 'put', key: 'a/x/1', value: 'uno' }] });
    const { kvs } = await b.range({ key: 'a/x/', prefix: true });
    expect(kvs.map((kv) => [kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version])).toEqual([
      ['a/x/1', 'uno', 1, 3, 2],
      ['a/x/2', 'two', 2, 2, 1],
    ]);
  });

  it('runs the failure ops when a compare does not hold', async () => {
    const b = backend();
    const created = await b.txn({
      compare: [{ key: 'k', target: 'version', op: '==', value: 0 }],
      success: [{ type: 'put', key: 'k', value: '1' }],
    });
    const again = await b.txn({
      compare: [{ key: 'k', target: 'version', op: '==', value: 0 }],
      success: [{ type: 'put', key: 'k', value: '2' }],
      failure: [{ type: 'range', key: 'k' }],
    });
    expect(created.succeeded).toBe(true);
    expect(again.succeeded).toBe(false);
    expect(again.responses[0]).toMatchObject({ type: 'range', kvs: [{ value: '1' }] });
  });

  it('deletes a lease’s keys when it is revoked, in one revision, and refuses puts on it afterwards', async () => {
    const b = backend();
    const lease = await b.grantLease(10_000);
    await b.txn({ compare: [], success: [{ type: 'put', key: 'l/a/1', value: '', lease }, { type: 'put', key: 'l/a/2', value: '', lease }] });
    const events: WatchEvent[][] = [];
    await b.watch('l/', (e) => events.push([...e]));
    await b.revokeLease(lease);
    await tick();
    expect(b.size).toBe(0);
    expect(events).toHaveLength(1);
    expect(events[0]!.map((e) => [e.type, e.prevKv?.key])).toEqual([
      ['delete', 'l/a/1'],
      ['delete', 'l/a/2'],
    ]);
    await expect(b.txn({ compare: [], success: [{ type: 'put', key: 'x', value: '', lease }] })).rejects.toMatchObject({ code: 'LS5007' });
    expect(await b.keepAlive(lease)).toBe(false);
  });

  it('expires a lease that is not kept alive', async () => {
    const b = backend();
    const lease = await b.grantLease(50);
    await b.txn({ compare: [], success: [{ type: 'put', key: 's/x', value: '', lease }] });
    await new Promise((r) => setTimeout(r, 120));
    expect(b.size).toBe(0);
  });

  it('delivers watch events in revision order, never from inside the txn', async () => {
    const b = backend();
    const seen: string[] = [];
    await b.watch('w/', (events) => seen.push(...events.map((e) => `${e.type}:${e.kv.key}@${e.kv.modRevision}`)));
    const pending = b.txn({ compare: [], success: [{ type: 'put', key: 'w/a/1', value: '' }] });
    expect(seen).toEqual([]);
    await pending;
    await b.txn({ compare: [], success: [{ type: 'delete', key: 'w/a/', prefix: true }] });
    await b.txn({ compare: [], success: [{ type: 'put', key: 'other/a', value: '' }] });
    await tick();
    expect(seen).toEqual(['put:w/a/1@1', 'delete:w/a/1@2']);
  });
});
