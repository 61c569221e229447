import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/coordinator/memory-backend.js';

// What only the in-memory backend promises; the primitives every backend shares (compares,
// leases, watch order) are in the shared suite (coordinator-suite.ts, on memory and etcd).
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
