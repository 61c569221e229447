import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/coordinator.js';
import { EtcdBackend } from '../../../src/coordinator/etcd-backend.js';
import { connectCoordinator, type TcpCoordinatorClient } from '../../../src/coordinator/tcp-client.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { freePort, startCoordinatorProcess, type CoordinatorProcess } from '../helpers/etcd-lockstep.js';
import { track } from '../../coordinator/session-helpers.js';

// Faults on a three-member etcd: members killed under a running coordinator; and the history
// check, where coordinators and members are killed at random under 20 lock clients.
let cluster: EtcdCluster;
const token = randomBytes(16).toString('hex');
const disposables: Array<{ dispose(): unknown }> = [];
const processes: Array<{ kill(): Promise<void> }> = [];

beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.kill();
  for (const d of disposables.splice(0).reverse()) await d.dispose();
  for (let i = 0; i < cluster.members.length; i++) await cluster.restart(i);
});
afterAll(async () => {
  await cluster?.stopAll();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the etcd backend on a three-member cluster', () => {
  it('loses nothing held and keeps every wait when a member is killed (the leader, then a follower)', async () => {
    const backend = await EtcdBackend.connect({ endpoints: cluster.endpoints, prefix: `/faults/${randomBytes(4).toString('hex')}/` });
    disposables.push(backend);
    const ttlMs = 2000;
    const coordinator = new Coordinator({ backend, sessionTtlMs: ttlMs });
    disposables.push(coordinator);

    for (const victim of ['leader', 'follower'] as const) {
      const s = await Promise.all(Array.from({ length: 5 }, (_, i) => coordinator.openSession({ name: `${victim}${i}` })));
      const held = await s[0]!.lock(`L-${victim}`);
      const lockWait = track(s[1]!.lock(`L-${victim}`));
      const semWait = track(s[2]!.semaphore(`S-${victim}`, -1));
      const barrierWait = track(s[3]!.barrier(`B-${victim}`, 2));
      await sleep(300);

      const leader = await cluster.leader();
      const index = victim === 'leader' ? leader : (leader + 1) % 3;
      await cluster.kill(index);
      // Three lease TTLs: had keepalives stopped, every hold and wait would be gone by now.
      await sleep(3 * ttlMs);

      expect([lockWait.done(), semWait.done(), barrierWait.done()]).toEqual([false, false, false]);
      const { kvs } = await backend.range({ key: `lock/L-${victim}/`, prefix: true });
      expect(kvs.map((kv) => kv.createRevision)[0]).toBe(held.fence);
      expect(kvs).toHaveLength(2);

      await held.release();
      expect((await lockWait.promise).fence).toBeGreaterThan(held.fence);
      await s[4]!.semaphore(`S-${victim}`, 1);
      expect(await semWait.promise).toBe(0);
      expect(await s[4]!.barrier(`B-${victim}`, 2)).toEqual({ generation: 1 });
      expect(await barrierWait.promise).toEqual({ generation: 1 });
      await cluster.restart(index);
      await Promise.all(s.map((x) => x.dispose()));
    }
  });

  it('keeps semaphore counts exact while members are killed under concurrent posts and takes', async () => {
    const backend = await EtcdBackend.connect({ endpoints: cluster.endpoints, prefix: `/exact/${randomBytes(4).toString('hex')}/` });
    disposables.push(backend);
    const coordinator = new Coordinator({ backend, sessionTtlMs: 3000 });
    disposables.push(coordinator);
    const sessions = await Promise.all(Array.from({ length: 10 }, (_, i) => coordinator.openSession({ name: `worker${i}` })));
    let stop = false;
    let posts = 0;
    let takes = 0;
    const workers = sessions.map(async (s, i) => {
      while (!stop) {
        await s.semaphore('exact', 1);
        posts++;
        if (i % 2 === 0) {
          await s.semaphore('exact', -1, { timeoutMs: 30_000 });
          takes++;
        }
      }
    });
    const faults = (async () => {
      for (const victim of ['leader', 'follower', 'leader'] as const) {
        await sleep(1500);
        const leader = await cluster.leader();
        const index = victim === 'leader' ? leader : (leader + 1) % 3;
        await cluster.kill(index);
        await sleep(1500);
        await cluster.restart(index);
      }
      stop = true;
    })();
    await Promise.all([faults, ...workers]);
    expect(posts).toBeGreaterThan(20);
    // Every post and take applied exactly once: a lost answer retried blindly would be counted twice.
    expect(await sessions[0]!.semaphore('exact', 0)).toBe(posts - takes);
  });

  it('history check: 20 clients, one lock, coordinators and members killed at random: no two holds overlap, fences only grow', async () => {
    const prefix = `/history/${randomBytes(4).toString('hex')}/`;
    const ports = [await freePort(), await freePort()];
    const coordinators: Array<CoordinatorProcess | undefined> = [];
    const start = async (i: number): Promise<void> => {
      coordinators[i] = await startCoordinatorProcess({ endpoints: cluster.endpoints, prefix, token, sessionTtl: '5s', port: ports[i]! });
    };
    await Promise.all([start(0), start(1)]);
    processes.push({ kill: async () => void (await Promise.all(coordinators.map((c) => c?.kill()))) });

    const endAt = Date.now() + 30_000;
    // A client believes it holds the lock from the grant until it releases it or learns that its
    // coordinator is gone (as `lockstep lock` then stops its command); each belief is recorded.
    const holds: Array<{ fence: number; start: number; end: number; lost: boolean }> = [];
    let connectFailures = 0;
    const client = async (n: number): Promise<void> => {
      for (let round = 0; Date.now() < endAt; round++) {
        let c: TcpCoordinatorClient;
        try {
          c = await connectCoordinator({ address: `127.0.0.1:${ports[(n + round) % 2]!}`, token, name: `client${n}`, connectTimeoutMs: 2000 });
        } catch {
          connectFailures++;
          await sleep(100);
          continue;
        }
        let lost = false;
        let onLost = (): void => undefined;
        const subscription = c.onDidEnd(() => {
          lost = true;
          onLost();
        });
        try {
          while (Date.now() < endAt && !lost) {
            const hold = await c.lock('history', { timeoutMs: 20_000 });
            const began = performance.now();
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 20);
              onLost = () => {
                clearTimeout(timer);
                resolve();
              };
              if (lost) onLost();
            });
            holds.push({ fence: hold.fence, start: began, end: performance.now(), lost });
            onLost = () => undefined;
            if (!lost) await hold.release();
          }
        } catch {
          // connection lost while waiting or releasing: connect again
        } finally {
          subscription.dispose();
          await c.dispose();
        }
      }
    };

    const faults: string[] = [];
    const chaos = async (): Promise<void> => {
      while (Date.now() < endAt - 3000) {
        await sleep(1500 + Math.random() * 1500);
        if (Math.random() < 0.5) {
          const i = Math.floor(Math.random() * 2);
          faults.push(`coordinator ${i}`);
          await coordinators[i]!.kill('SIGKILL');
          await sleep(500);
          await start(i);
        } else {
          const i = Math.floor(Math.random() * 3);
          faults.push(`etcd ${i}`);
          await cluster.kill(i);
          await sleep(1500);
          await cluster.restart(i);
        }
      }
    };
    await Promise.all([chaos(), ...Array.from({ length: 20 }, (_, n) => client(n))]);

    const history = holds.sort((a, b) => a.start - b.start);
    const summary = `${history.length} holds (${history.filter((h) => h.lost).length} cut short by a lost coordinator), ${connectFailures} failed connects, faults: ${faults.join(', ')}`;
    console.info(`history check: ${summary}`);
    expect(faults.length, summary).toBeGreaterThanOrEqual(4);
    expect(history.length, summary).toBeGreaterThanOrEqual(100);
    for (const [i, h] of history.entries()) {
      const previous = history[i - 1];
      if (!previous) continue;
      expect(h.fence, `fence went backwards at hold ${i}; ${summary}`).toBeGreaterThan(previous.fence);
      expect(h.start, `hold ${h.fence} began before hold ${previous.fence} ended; ${summary}`).toBeGreaterThanOrEqual(previous.end);
    }
  });
});
