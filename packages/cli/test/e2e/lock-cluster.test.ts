import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSshdNodes, type SshdCluster } from '@lockstep/testing';
import { runCli } from '../run-cli.js';

let cluster: SshdCluster;
let work: string;

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 2 });
  work = mkdtempSync(join(tmpdir(), 'lockstep-lock-cluster-'));
});
afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

const isLocked = (path: string) => {
  try {
    execFileSync('flock', ['-n', path, 'true']);
    return false;
  } catch {
    return true;
  }
};

it('holds the cluster lock until interrupted; a second lock-cluster fails naming the holder', async () => {
  const path = join(work, 'cluster.lock');
  const nodes = cluster.nodes.map((node) => `${node.ssh.user}@127.0.0.1:${node.port}`).join(',');
  const args = ['lock-cluster', '--nodes', nodes, '--path', path, '--key', cluster.identityFile, '--known-hosts', cluster.knownHostsFile];
  const interrupt = new AbortController();
  const holder = runCli(args, { cwd: work, signal: interrupt.signal });
  for (let i = 0; i < 200 && !isLocked(path); i++) await new Promise((r) => setTimeout(r, 50));
  expect(isLocked(path)).toBe(true);

  const loser = await runCli(args, { cwd: work });
  expect(loser.exitCode).toBe(1);
  expect(loser.stderr).toMatch(/FL1001 cluster lock refused on root@127\.0\.0\.1:\d+ .*held by lockstep run \S+ on /);

  interrupt.abort(new Error('interrupted'));
  const held = await holder;
  expect(held.exitCode, held.stderr).toBe(0);
  expect(held.stderr).toMatch(/holding the cluster lock/);
  expect(isLocked(path)).toBe(false);
});

it('fails with FL1003, exit 1, when a lock holder stops answering the heartbeat', async () => {
  const path = join(work, 'frozen.lock');
  const nodes = cluster.nodes.map((node) => `${node.ssh.user}@127.0.0.1:${node.port}`).join(',');
  const args = ['lock-cluster', '--nodes', nodes, '--path', path, '--heartbeat', '300ms', '--key', cluster.identityFile, '--known-hosts', cluster.knownHostsFile];
  const holder = runCli(args, { cwd: work });
  for (let i = 0; i < 200 && !isLocked(path); i++) await new Promise((r) => setTimeout(r, 50));
  expect(isLocked(path)).toBe(true);
  // Freeze the loop that answers pings (the child of the flock process holding the lock).
  const flockPids = execFileSync('sh', ['-c', `pgrep -f -- '^flock -n -E 75 -o ${path} ' || true`]).toString().trim().split('\n').filter(Boolean);
  const loops = flockPids.flatMap((pid) => execFileSync('sh', ['-c', `pgrep -P ${pid} || true`]).toString().trim().split('\n').filter(Boolean).map(Number));
  expect(loops.length).toBeGreaterThan(0);
  for (const pid of loops) process.kill(pid, 'SIGSTOP');
  try {
    const result = await holder;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/FL1003 cluster lock lost on root@127\.0\.0\.1:\d+ \(.*frozen\.lock\): no heartbeat answer within 300ms; aborting the run/);
  } finally {
    for (const pid of loops) process.kill(pid, 'SIGCONT');
  }
});
