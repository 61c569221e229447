import { MemoryBackend } from '../../src/coordinator/memory-backend.js';
import { coordinatorSuite } from './coordinator-suite.js';

// The shared coordinator suite on the in-memory backend; test/e2e/coordinator/etcd-suite.test.ts
// runs the same suite on a real etcd.
coordinatorSuite('memory', {
  create: async (shareWith) => shareWith ?? new MemoryBackend(),
  close: async (backend) => backend.dispose(),
  settleMs: 20,
  minTtlMs: 100,
  manyWaiters: 600,
  barrierParticipants: 1000,
});
