import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshdNodes, type SshdCluster } from '@lockstep/testing';
import { runCli } from '../run-cli.js';

let cluster: SshdCluster;
let work: string;
let hosts: string[];

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3 });
  work = mkdtempSync(join(tmpdir(), 'lockstep-sync-cli-'));
  hosts = cluster.nodes.flatMap((node) => ['-o', `${node.ssh.user}@127.0.0.1:${node.port}`]);
});
afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

const sync = (args: string[]) =>
  runCli(['sync', ...hosts, '--key', cluster.identityFile, '--known-hosts', cluster.knownHostsFile, ...args], { cwd: work });

describe('lockstep sync (orgalorg) against real sshd nodes', () => {
  it('runs a command on every node with --json: one object per line naming node and stream', async () => {
    const result = await sync(['-y', '--json', '-C', '--', 'echo out-$((6*7)); echo err >&2']);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { node: string; stream: string; body: string });
    for (const node of cluster.nodes) {
      const name = `${node.ssh.user}@127.0.0.1:${node.port}`;
      expect(lines).toContainEqual({ node: name, stream: 'stdout', body: 'out-42' });
      expect(lines).toContainEqual({ node: name, stream: 'stderr', body: 'err' });
    }
  });

  it('locks, uploads relative paths into --root, and summarises failures per node after the output', async () => {
    mkdirSync(join(work, 'site'), { recursive: true });
    writeFileSync(join(work, 'site', 'index.html'), '<h1>hi</h1>\n');
    const root = join(work, 'uploaded');
    const result = await sync(['--lock-file', join(work, 'lockfile'), '-U', '-r', root, '-e', '--', 'site']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(root, 'site', 'index.html'), 'utf8')).toBe('<h1>hi</h1>\n');

    const failed = await sync(['-y', '-C', '--', 'echo before; test "$(hostname)" = nope']);
    expect(failed.exitCode).toBe(1);
    const [output, summary] = failed.stderr.split(/\nfailed on 3 nodes:\n/);
    expect(summary, failed.stderr).toBeDefined();
    expect(failed.stdout.trim().split('\n')).toHaveLength(3);
    expect(summary!.trim().split('\n').filter((line) => /^\S+@127\.0\.0\.1:\d+: LS\d{4} /.test(line.trim()))).toHaveLength(3);
    expect(output).not.toMatch(/LS4001/);
  });

  it('reads a bare number as milliseconds for orgalorg timeouts', async () => {
    const result = await sync(['-y', '--conn-timeout', '1', '-C', '--', 'true']);
    // 1 ms is too short to connect to anything: a bare number is not seconds here.
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/LS3001/);
  });

  it('runs a sync tool with the sync protocol after the upload, and a --simple one with --stdin', async () => {
    mkdirSync(join(work, 'app'), { recursive: true });
    writeFileSync(join(work, 'app', 'version'), '2\n');
    writeFileSync(join(work, 'input.txt'), 'from stdin\n');
    const tool = `read -r prefix hello; while read -r p word rest; do [ "$word" = START ] && break; done; echo "tool in $(pwd) got $hello, version $(cat app/version)"`;
    const root = join(work, 'synced');
    const protocol = await sync(['-y', '-r', root, '-e', '-n', tool, '--', 'app']);
    expect(protocol.exitCode, protocol.stderr).toBe(0);
    expect(protocol.stdout.trim().split('\n')).toHaveLength(3);
    expect(protocol.stdout).toContain(`tool in ${root} got HELLO, version 2`);

    const simple = await sync(['-y', '-r', join(work, 'simple'), '-e', '-n', 'cat - app/version', '-m', '-i', join(work, 'input.txt'), '--', 'app']);
    expect(simple.exitCode, simple.stderr).toBe(0);
    for (const node of cluster.nodes) {
      const name = `${node.ssh.user}@127.0.0.1:${node.port}`;
      expect(simple.stdout).toContain(`${name} from stdin\n${name} 2\n`);
    }
  });
});
