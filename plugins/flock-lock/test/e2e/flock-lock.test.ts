import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flockLockStep, type FlockLockArgs } from '../../src/steps/flock-lock.js';
import { startManualRun, startSshdNodes, type ManualRun, type SshdCluster } from '@lockstep/testing';

let cluster: SshdCluster;
const runs: ManualRun[] = [];

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3 });
});
afterAll(async () => {
  await cluster?.stopAll();
});
afterEach(async () => {
  await Promise.all(runs.splice(0).map((run) => run.end()));
});

async function newRun(): Promise<ManualRun> {
  const run = await startManualRun(cluster.nodes);
  runs.push(run);
  return run;
}

/** Runs the step on every node of a fresh phase, as the runner would (one handler per node). */
function lockAll(run: ManualRun, args: (node: string) => FlockLockArgs) {
  return Promise.allSettled(run.contexts('lock').map((context) => flockLockStep(args(context.node.name), context)));
}

describe('flock-lock on real sshd nodes', () => {
  it('lets exactly one of two racing runs take the cluster lock; the loser names the holder', async () => {
    const path = join(cluster.baseDir, 'race.lock');
    const [a, b] = await Promise.all([newRun(), newRun()]);
    const [resultsA, resultsB] = await Promise.all([lockAll(a, () => ({ path })), lockAll(b, () => ({ path }))]);
    const winsA = resultsA.every((r) => r.status === 'fulfilled');
    const winsB = resultsB.every((r) => r.status === 'fulfilled');
    expect(winsA !== winsB).toBe(true);
    const [winner, loserResults] = winsA ? [a, resultsB] : [b, resultsA];
    for (const result of loserResults) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as Error & { code: string };
      expect(error.code).toBe('FL1001');
      expect(error.message).toMatch(/cluster lock refused on node\d/);
      expect(error.message).toContain(`lockstep run ${winner.run.id}`);
    }
  });

  it('releases every lock when the run ends, so the next run can lock', async () => {
    const path = join(cluster.baseDir, 'release.lock');
    const first = await newRun();
    expect((await lockAll(first, () => ({ path }))).every((r) => r.status === 'fulfilled')).toBe(true);
    await first.end();
    const second = await newRun();
    const results = await lockAll(second, () => ({ path }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('takes all locks or none: a node held by someone else leaves no lock behind on the others', async () => {
    const dir = join(cluster.baseDir, 'partial');
    mkdirSync(dir, { recursive: true });
    const pathOf = (node: string) => join(dir, `${node}.lock`);
    // A stranger (not lockstep) holds node3's lock.
    const stranger = execFileSync('sh', ['-c', `flock -n ${pathOf('node3')} sleep 60 >/dev/null 2>&1 & echo $!`]).toString().trim();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const run = await newRun();
      const results = await lockAll(run, (node) => ({ path: pathOf(node) }));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      const error = (results[0] as PromiseRejectedResult).reason as Error;
      expect(error.message).toMatch(/refused on node3 .*held by pid \d+ of root: flock -n .*node3\.lock sleep 60/);
      // node1 and node2 were released: plain flock can take them at once.
      for (const node of ['node1', 'node2']) {
        expect(() => execFileSync('flock', ['-n', '-w', '5', pathOf(node), 'true'])).not.toThrow();
      }
    } finally {
      process.kill(Number(stranger), 'SIGKILL');
    }
  });

  it('aborts the run when a holder connection is killed, and the lock is free again', async () => {
    const dir = join(cluster.baseDir, 'killed');
    mkdirSync(dir, { recursive: true });
    const pathOf = (node: string) => join(dir, `${node}.lock`);
    const run = await newRun();
    const results = await lockAll(run, (node) => ({ path: pathOf(node), heartbeat: '500ms' }));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    // Kill node2's sshd with every session it serves: the holder's connection drops.
    await cluster.stop('node2');
    try {
      const error = (await run.onAbort) as Error & { code: string };
      expect(error.code).toBe('FL1003');
      expect(error.message).toMatch(/cluster lock lost on node2/);
      // The holder died with its connection: the lock can be taken again (wait for the kernel to drop it).
      expect(() => execFileSync('flock', ['-w', '10', pathOf('node2'), 'true'])).not.toThrow();
    } finally {
      await cluster.startAgain('node2');
    }
  });

  it('aborts the run when a holder stops answering the heartbeat', async () => {
    const path = join(cluster.baseDir, 'frozen.lock');
    const run = await newRun();
    const results = await lockAll(run, () => ({ path, heartbeat: '300ms' }));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    // Freeze the holder's answering loop (not flock itself) without closing its connection.
    const frozen = execFileSync('sh', ['-c', `pgrep -f -- '^flock -n -E 75 -o ${path} ' || true`]).toString().trim().split('\n').filter(Boolean).map(Number);
    expect(frozen.length).toBeGreaterThan(0);
    const loops = frozen.flatMap((pid) => execFileSync('sh', ['-c', `pgrep -P ${pid} || true`]).toString().trim().split('\n').filter(Boolean).map(Number));
    expect(loops.length).toBeGreaterThan(0);
    for (const pid of loops) process.kill(pid, 'SIGSTOP');
    try {
      const error = (await run.onAbort) as Error & { code: string };
      expect(error.code).toBe('FL1003');
      expect(error.message).toMatch(/no heartbeat answer within 300ms; aborting the run/);
    } finally {
      for (const pid of loops) process.kill(pid, 'SIGCONT');
    }
  });

  it('waits for a busy lock when told to', async () => {
    const path = join(cluster.baseDir, 'wait.lock');
    const holder = execFileSync('sh', ['-c', `flock -n ${path} sleep 1 >/dev/null 2>&1 & echo $!`]).toString().trim();
    await new Promise((r) => setTimeout(r, 200));
    const run = await newRun();
    const results = await lockAll(run, () => ({ path, wait: '10s' }));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(Number(holder)).toBeGreaterThan(0);
  });
});
