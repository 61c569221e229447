import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/coordinator/coordinator.js';
import { EtcdBackend } from '../../../src/coordinator/etcd-backend.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { freePort, runCli, startCoordinatorProcess, stopProcess, type CliProcess, type CoordinatorProcess } from '../helpers/etcd-lockstep.js';

// Faults on a three-member etcd: members killed under a running coordinator; and the history
// check, where coordinators and members are killed at random under 20 lock clients.
let cluster: EtcdCluster;
let scratch: string;
const token = randomBytes(16).toString('hex');
const disposables: Array<{ dispose(): unknown }> = [];
const processes: Array<{ kill(): Promise<void> }> = [];

beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
  scratch = mkdtempSync(join(tmpdir(), 'lockstep-etcd-faults-'));
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.kill();
  for (const d of disposables.splice(0).reverse()) await d.dispose();
  for (let i = 0; i < cluster.members.length; i++) await cluster.restart(i);
});
afterAll(async () => {
  await cluster?.stopAll();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { done: () => done, promise };
}
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

  it('history check: 20 clients, one lock, coordinators and members killed at random: no two holds overlap, fences only grow', async () => {
    const prefix = `/history/${randomBytes(4).toString('hex')}/`;
    const log = join(scratch, 'history.log');
    writeFileSync(log, '');
    const ports = [await freePort(), await freePort()];
    const coordinators: Array<CoordinatorProcess | undefined> = [];
    const start = async (i: number): Promise<void> => {
      coordinators[i] = await startCoordinatorProcess({ endpoints: cluster.endpoints, prefix, token, sessionTtl: '5s', port: ports[i]! });
    };
    await Promise.all([start(0), start(1)]);
    processes.push({ kill: async () => void (await Promise.all(coordinators.map((c) => c?.kill()))) });

    const runForMs = 30_000;
    const endAt = Date.now() + runForMs;
    const running = new Set<CliProcess>();
    processes.push({ kill: async () => void (await Promise.all([...running].map((c) => stopProcess(c.process)))) });
    // The command records its hold; on SIGTERM (its lock lost) it records the end before exiting.
    const script = [
      `trap 'echo end $LOCKSTEP_FENCE $(date +%s%N) >> ${log}; exit 143' TERM`,
      `echo start $LOCKSTEP_FENCE $(date +%s%N) >> ${log}`,
      'sleep 0.05 & wait $!',
      `echo end $LOCKSTEP_FENCE $(date +%s%N) >> ${log}`,
    ].join('; ');
    const exitCodes = new Map<number, number>();
    const client = async (n: number): Promise<void> => {
      for (let round = 0; Date.now() < endAt; round++) {
        const port = ports[(n + round) % 2]!;
        const c = runCli(['lock', '-c', `127.0.0.1:${port}`, '-r', 'history', '--wait', '20s', '--connect-timeout', '2s', '--', 'sh', '-c', script], { LOCKSTEP_TOKEN: token });
        running.add(c);
        const code = await c.exited;
        running.delete(c);
        exitCodes.set(code, (exitCodes.get(code) ?? 0) + 1);
        if (code !== 0) await sleep(100);
      }
    };

    const faults: string[] = [];
    const chaos = async (): Promise<void> => {
      while (Date.now() < endAt - 3000) {
        await sleep(2000 + Math.random() * 2000);
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

    const holds = new Map<number, { start: bigint; end?: bigint }>();
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const [kind, fence, at] = line.split(' ');
      if (!kind) continue;
      const entry = holds.get(Number(fence)) ?? { start: 0n };
      if (kind === 'start') entry.start = BigInt(at!);
      else entry.end = BigInt(at!);
      holds.set(Number(fence), entry);
    }
    const history = [...holds.entries()].map(([fence, h]) => ({ fence, ...h })).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const summary = `${history.length} holds, faults: ${faults.join(', ')}, exit codes: ${JSON.stringify([...exitCodes])}`;
    expect(faults.length, summary).toBeGreaterThanOrEqual(4);
    expect(history.length, summary).toBeGreaterThanOrEqual(40);
    for (const [i, h] of history.entries()) {
      expect(h.end, `hold with fence ${h.fence} never ended; ${summary}`).toBeDefined();
      const previous = history[i - 1];
      if (!previous) continue;
      expect(h.fence, `fence went backwards at hold ${i}; ${summary}`).toBeGreaterThan(previous.fence);
      expect(h.start >= previous.end!, `hold ${h.fence} began before hold ${previous.fence} ended; ${summary}`).toBe(true);
    }
  });
});
