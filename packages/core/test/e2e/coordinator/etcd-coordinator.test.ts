import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../../src/coordinator/etcd-backend.js';
import { startRunCoordinator } from '../../../src/coordinator/run-coordinator.js';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { runCli, startCoordinatorProcess, stopProcess, type CliProcess, type CoordinatorProcess } from '../helpers/etcd-lockstep.js';

// `lockstep coordinator --backend etcd` processes over one real etcd, driven by the real CLI
// clients (`lockstep lock`, `lockstep sem`), as users run them.
let cluster: EtcdCluster;
const token = randomBytes(16).toString('hex');
const coordinators: CoordinatorProcess[] = [];
const clients: CliProcess[] = [];

beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 1 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => stopProcess(c.process)));
  await Promise.all(coordinators.splice(0).map((c) => c.kill()));
});
afterAll(async () => {
  await cluster?.stopAll();
});

async function coordinator(prefix: string, sessionTtl = '10s', port?: number): Promise<CoordinatorProcess> {
  const c = await startCoordinatorProcess({ endpoints: cluster.endpoints, prefix, token, sessionTtl, ...(port ? { port } : {}) });
  coordinators.push(c);
  return c;
}
function cli(args: string[]): CliProcess {
  const c = runCli(args, { LOCKSTEP_TOKEN: token });
  clients.push(c);
  return c;
}
const freshPrefix = (): string => `/lockstep-e2e/${randomBytes(4).toString('hex')}/`;

describe('lockstep coordinator --backend etcd', () => {
  it('two coordinators over one etcd serve the same lock: a client of one waits for a hold taken through the other', async () => {
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([coordinator(prefix), coordinator(prefix)]);
    expect(a.port).not.toBe(b.port);
    const first = cli(['lock', '-c', a.address, '-r', 'db', '--', 'sh', '-c', 'echo "held $LOCKSTEP_FENCE"; sleep 2; echo done']);
    await first.waitFor(/^held \d+$/);
    const second = cli(['lock', '-c', b.address, '-r', 'db', '--', 'sh', '-c', 'echo "held $LOCKSTEP_FENCE"']);
    const secondHeld = await second.waitFor(/^held \d+$/);
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
    // The second hold began only after the first command had finished.
    const firstDone = first.lines.find((l) => l.line === 'done')!.at;
    expect(secondHeld).toBeGreaterThanOrEqual(firstDone);
    const fence = (c: CliProcess) => Number(c.lines.find((l) => l.line.startsWith('held '))!.line.split(' ')[1]);
    expect(fence(second)).toBeGreaterThan(fence(first));
  });

  it('a SIGKILLed coordinator: its clients’ commands are stopped, and their locks are released after the lease TTL, not before', async () => {
    const prefix = freshPrefix();
    const ttlMs = 4000;
    const doomed = await coordinator(prefix, `${ttlMs}ms`);
    const survivor = await coordinator(prefix, `${ttlMs}ms`);
    const resources = ['k1', 'k2'];
    const holders = resources.map((r) => cli(['lock', '-c', doomed.address, '-r', r, '--', 'sh', '-c', 'echo held; sleep 60']));
    await Promise.all(holders.map((h) => h.waitFor(/^held$/)));
    const waiters = resources.map((r) => cli(['lock', '-c', survivor.address, '-r', r, '--', 'sh', '-c', 'echo acquired']));
    // The waiters have connected and queued: give them time, they must still be waiting.
    await new Promise((r) => setTimeout(r, 1000));
    expect(waiters.flatMap((w) => w.lines)).toEqual([]);

    const killedAt = Date.now();
    await doomed.kill('SIGKILL');
    // Each holder's `lockstep lock` loses its coordinator, stops its command, and exits 99.
    expect(await Promise.all(holders.map((h) => h.exited))).toEqual([99, 99]);
    for (const h of holders) expect(h.stderr()).toMatch(/no longer protects the command: stopping it/);
    const stoppedAfter = Date.now() - killedAt;

    const acquiredAt = await Promise.all(waiters.map((w) => w.waitFor(/^acquired$/, ttlMs + 20_000)));
    console.info(`SIGKILL test: commands stopped ${stoppedAfter} ms after the kill; locks re-granted ${acquiredAt.map((at) => at - killedAt).join(', ')} ms after it (TTL ${ttlMs} ms)`);
    for (const at of acquiredAt) {
      const releasedAfter = at - killedAt;
      // The sessions' leases were last renewed at most a third of the TTL before the kill, so
      // they cannot expire earlier than two thirds of the TTL after it; generous upper bound.
      expect(releasedAfter).toBeGreaterThanOrEqual((ttlMs * 2) / 3 - 300);
      expect(releasedAfter).toBeLessThan(ttlMs + 15_000);
      expect(stoppedAfter).toBeLessThan(releasedAfter);
    }
    expect(await Promise.all(waiters.map((w) => w.exited))).toEqual([0, 0]);
  });

  it('semaphore counts survive a coordinator restart exactly', async () => {
    const prefix = freshPrefix();
    const first = await coordinator(prefix, '3s');
    const ups = Array.from({ length: 12 }, () => cli(['sem', '-c', first.address, 'pool', '1']));
    const downs = Array.from({ length: 5 }, () => cli(['sem', '-c', first.address, 'pool', '-1']));
    expect(await Promise.all([...ups, ...downs].map((c) => c.exited))).toEqual(Array(17).fill(0));
    // A waiter that can never be served is still queued when the coordinator dies.
    const stuck = cli(['sem', '-c', first.address, 'pool', '-100']);
    await new Promise((r) => setTimeout(r, 1000));
    await first.kill('SIGKILL');
    expect(await stuck.exited).not.toBe(0);

    const second = await coordinator(prefix, '3s', first.port);
    const read = cli(['sem', '-c', second.address, 'pool', '0']);
    expect(await read.exited).toBe(0);
    expect(read.lines.map((l) => l.line)).toEqual(['7']);
    // And it still works: the dead waiter's request is gone (its lease expired), nothing was taken.
    await new Promise((r) => setTimeout(r, 4000));
    const take = cli(['sem', '-c', second.address, 'pool', '-7', '--timeout', '10s']);
    expect(await take.exited).toBe(0);
    expect(take.lines.map((l) => l.line)).toEqual(['0']);
  });

  it('refuses --backend etcd without endpoints, and --etcd-* options without --backend etcd', async () => {
    const missing = cli(['coordinator', '--backend', 'etcd', '--listen', '127.0.0.1:0']);
    expect(await missing.exited).not.toBe(0);
    expect(missing.stderr() + missing.lines.map((l) => l.line).join('\n')).toMatch(/--backend etcd needs --etcd-endpoints/);
    const stray = cli(['coordinator', '--etcd-endpoints', cluster.endpoints[0]!, '--listen', '127.0.0.1:0']);
    expect(await stray.exited).not.toBe(0);
    expect(stray.stderr() + stray.lines.map((l) => l.line).join('\n')).toMatch(/need --backend etcd/);
  });
});

describe('a playbook’s coordinator: {backend: etcd}', () => {
  it('keeps the run’s locks in etcd, under the playbook’s prefix', async () => {
    const prefix = freshPrefix();
    const run = await startRunCoordinator({ backend: { backend: 'etcd', endpoints: cluster.endpoints.map((e) => `http://${e}`), prefix } });
    const observer = await EtcdBackend.connect({ endpoints: cluster.endpoints, prefix });
    try {
      expect(run.coordinator.backend.kind).toBe('etcd');
      const web1 = await run.session('web1');
      const hold = await web1.lock('deploy');
      const { kvs } = await observer.range({ key: 'lock/deploy/', prefix: true });
      expect(kvs.map((kv) => kv.createRevision)).toEqual([hold.fence]);
      await hold.release();
      expect((await observer.range({ key: 'lock/deploy/', prefix: true })).count).toBe(0);
    } finally {
      await run.dispose();
      await observer.dispose();
    }
  });
});
