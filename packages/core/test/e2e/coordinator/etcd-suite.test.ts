import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { EtcdBackend } from '../../../src/coordinator/etcd-backend.js';
import { coordinatorSuite } from '../../coordinator/coordinator-suite.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';

// The shared coordinator suite (test/coordinator/coordinator-suite.ts, run on memory by the unit
// project) on a real one-member etcd. Each backend gets a fresh prefix, so tests share nothing.
let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 1 });
});
afterAll(async () => {
  await cluster?.stopAll();
});

coordinatorSuite('etcd', {
  create: async (shareWith) => {
    const prefix = shareWith instanceof EtcdBackend ? shareWith.options.prefix : `/lockstep-test/${randomBytes(4).toString('hex')}/`;
    return EtcdBackend.connect({ endpoints: cluster.endpoints, prefix });
  },
  close: async (backend) => backend.dispose(),
  settleMs: 300,
  minTtlMs: 2000,
  manyWaiters: 200,
  barrierParticipants: 200,
});
