import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshdNodes, sshdNodesYaml, type SshdCluster } from '@lockstep/testing';

// The CLI as a user runs it: the `lockstep` bin in a real process, against three real sshd nodes.
const bin = resolve(import.meta.dirname, '../../bin/lockstep.cjs');
const run = promisify(execFile);
async function lockstep(args: string[], cwd: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [bin, ...args], { cwd, env: { ...process.env, CI: 'true' } });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { exitCode: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let cluster: SshdCluster;
let work: string;

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3, namePrefix: 'web' });
  work = mkdtempSync(join(tmpdir(), 'lockstep-cli-ssh-'));
});
afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('lockstep run and exec against three sshd nodes', () => {
  it('runs a playbook on every node, with templates, the coordinator and a JUnit report', async () => {
    writeFileSync(
      join(work, 'playbook.yml'),
      `name: three sshd nodes
vars: { greeting: hi }
${sshdNodesYaml(cluster.nodes)}groups:
  front: [web1, web2]
phases:
  - name: greet
    steps:
      - run: echo "\${{ vars.greeting }} from \${{ node.name }} on $(hostname) at $LOCKSTEP_NODE"
  - name: meet
    steps:
      - barrier: { name: met, timeout: 30s }
      - run: echo "past the barrier"
  - name: front only
    on: front
    steps:
      - run: "false"
        ignore-errors: true
      - run: echo front
`,
    );
    const junit = join(work, 'report.xml');
    const result = await lockstep(['run', 'playbook.yml', '--plain', '--junit', junit], work);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    for (const node of ['web1', 'web2', 'web3']) {
      expect(result.stdout).toContain(`${node} | hi from ${node} on`);
      expect(result.stdout).toMatch(new RegExp(`${node} \\| past the barrier`));
    }
    expect(result.stdout).toContain('web1 | front');
    expect(result.stdout).not.toContain('web3 | front');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite');
    // 3 nodes x 3 steps in the first two phases, 2 nodes x 2 steps in the last.
    expect(xml.match(/<testcase /g)).toHaveLength(3 + 6 + 4);
  });

  it('fails the run with exit 1 and names the failed node; the others finish', async () => {
    writeFileSync(
      join(work, 'failing.yml'),
      `name: one fails
${sshdNodesYaml(cluster.nodes)}phases:
  - name: p
    steps:
      - run: '[ "$LOCKSTEP_NODE" != web2 ] || { echo broken >&2; exit 3; }'
      - run: echo still here
`,
    );
    const result = await lockstep(['run', 'failing.yml', '--plain'], work);
    expect(result.exitCode).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('web1 | still here');
    expect(output).toContain('web3 | still here');
    expect(output).not.toContain('web2 | still here');
    expect(output).toMatch(/web2.*exit code 3/);
  });

  it('exec runs an ad-hoc command on the selected nodes of an inventory', async () => {
    writeFileSync(join(work, 'hosts.yml'), `${sshdNodesYaml(cluster.nodes)}groups:\n  back: [web3]\n`);
    const result = await lockstep(['exec', '--inventory', 'hosts.yml', '--nodes', 'web1,back', '--', 'echo', 'up:$LOCKSTEP_NODE'], work);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain('web1 | up:web1');
    expect(result.stdout).toContain('web3 | up:web3');
    expect(result.stdout).not.toContain('web2 |');
  });

  it('refuses a node whose host key is not in known_hosts, naming the node and the address', async () => {
    const strangers = join(work, 'empty_known_hosts');
    writeFileSync(strangers, '');
    const yaml = sshdNodesYaml(cluster.nodes.slice(0, 1)).replaceAll(cluster.knownHostsFile, strangers);
    writeFileSync(join(work, 'unknown.yml'), `name: unknown key\n${yaml}phases:\n  - name: p\n    steps:\n      - run: "true"\n`);
    const result = await lockstep(['run', 'unknown.yml', '--plain'], work);
    expect(result.exitCode).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('LS3003');
    expect(output).toContain(`web1 (127.0.0.1:${cluster.nodes[0]!.port})`);
  });
});
