import { randomBytes } from 'node:crypto';
import { Etcd3, type ICompare, type IRequestOp, type ITxnResponse } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdKeySpace } from '../../../src/coordinator/etcd-convert.js';
import { EtcdTxnGuard, type TxnGuardHost } from '../../../src/coordinator/etcd-txn-guard.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';

// The exactly-once guard against a real etcd, with lost answers injected between it and etcd:
// some transactions are applied and their answer dropped, others are dropped before sending.
let cluster: EtcdCluster;
let client: Etcd3;
beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 1 });
  client = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
});
afterAll(async () => {
  client?.close();
  await cluster?.stopAll();
});

class LostAnswer extends Error {
  override name = 'LostAnswer';
}

function guardWithFaults(keys: EtcdKeySpace, fault: (attempt: number) => 'none' | 'lose-answer' | 'lose-request'): EtcdTxnGuard {
  let attempts = 0;
  let lease: Promise<string> | undefined;
  const host: TxnGuardHost = {
    keys,
    txnOnce: async (request) => {
      const kind = fault(attempts++);
      if (kind === 'lose-request') throw new LostAnswer('request lost before it reached etcd');
      const response = await client.kv.txn(request);
      if (kind === 'lose-answer') throw new LostAnswer('answer lost after etcd applied the request');
      return response;
    },
    retryable: (error) => error instanceof LostAnswer,
    retry: async (_what, attempt) => {
      for (;;) {
        try {
          return await attempt();
        } catch (error) {
          if (!(error instanceof LostAnswer)) throw error;
        }
      }
    },
    guardLease: () => (lease ??= client.leaseClient.leaseGrant({ TTL: 60, ID: 0 } as never).then((r) => String(r.ID))),
    leaseNotFound: async () => 'other',
  };
  return new EtcdTxnGuard(host);
}

/** A compare-and-set increment of `counter`, as the semaphore recipe does, through `guard`. */
async function increment(guard: EtcdTxnGuard, keys: EtcdKeySpace): Promise<void> {
  for (;;) {
    const current = await client.kv.range({ key: keys.key('counter') } as never);
    const kv = current.kvs[0];
    const value = kv ? Number(kv.value.toString()) : 0;
    const compare = [keys.compare({ key: 'counter', target: 'modRevision', op: '==', value: kv ? Number(kv.mod_revision) : 0 })] as ICompare[];
    const success = [keys.op({ type: 'put', key: 'counter', value: String(value + 1) })] as IRequestOp[];
    const { response }: { response: ITxnResponse } = await guard.run(compare, success, []);
    if (response.succeeded) return;
  }
}

describe('EtcdTxnGuard', () => {
  it('applies a conditional write exactly once when its answer is lost, and retries one whose request was lost', async () => {
    const keys = new EtcdKeySpace(`/guard/${randomBytes(4).toString('hex')}/`);
    // Every third attempt loses its answer after etcd applied it; every fifth never reaches etcd.
    const guard = guardWithFaults(keys, (n) => (n % 3 === 1 ? 'lose-answer' : n % 5 === 2 ? 'lose-request' : 'none'));
    for (let i = 0; i < 30; i++) await increment(guard, keys);
    const { kvs } = await client.kv.range({ key: keys.key('counter') } as never);
    // Blind retries would have counted each lost answer twice.
    expect(kvs[0]?.value.toString()).toBe('30');
  });

  it('increments concurrently from 10 callers, exactly once each, under lost answers', async () => {
    const keys = new EtcdKeySpace(`/guard/${randomBytes(4).toString('hex')}/`);
    const guard = guardWithFaults(keys, (n) => (n % 4 === 3 ? 'lose-answer' : 'none'));
    await Promise.all(Array.from({ length: 10 }, async () => {
      for (let i = 0; i < 5; i++) await increment(guard, keys);
    }));
    const { kvs } = await client.kv.range({ key: keys.key('counter') } as never);
    expect(kvs[0]?.value.toString()).toBe('50');
  });
});
