import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaybook } from '@lockstep/testing';
import { NetnsLab, buildBundle, waitForMembers } from '../../../../packages/agent/test/e2e/helpers/netns-lab.js';
import type { LabAgent } from '../../../../packages/agent/test/e2e/helpers/netns-lab.js';
import { snapshot, writeTree } from '../../../../packages/agent/test/e2e/helpers/tree.js';
import { requestAgent } from '@lockstep/agent';

const pluginDir = fileURLToPath(new URL('../..', import.meta.url));
let lab: NetnsLab;
let agents: LabAgent[];

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(3);
  const key = join(lab.dir, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));
  agents = await Promise.all(lab.nodes.map((node) => lab.startAgent(node, ['--key', key, '--announce-interval', '300ms', '--member-timeout', '3s', '--retry-interval', '100ms', '--max-retries', '10'])));
  await waitForMembers(agents[0]!, 2);
}, 60_000);

afterAll(() => lab?.destroy());

describe('multicast-push step', () => {
  it('pushes a tree from the node agent to every member', async () => {
    writeTree(join(agents[0]!.base, 'site'), { 'index.html': 2000, 'img/logo.png': 300_000 });
    const { result } = await runPlaybook(
      `
nodes:
  origin: { connection: local }
phases:
  - name: deploy
    steps:
      - multicast-push: { paths: [site], recursive: true, control: "${agents[0]!.control}" }
`,
      { plugins: [pluginDir] },
    );
    expect(result.exitCode).toBe(0);
    for (const agent of agents.slice(1)) expect(snapshot(join(agent.base, 'site'))).toEqual(snapshot(join(agents[0]!.base, 'site')));
  });

  it('fails the step naming a target that is not a live member', async () => {
    const { result, events } = await runPlaybook(
      `
nodes:
  origin: { connection: local }
phases:
  - name: deploy
    steps:
      - multicast-push: { paths: [site], recursive: true, targets: [n2, ghost], control: "${agents[0]!.control}" }
`,
      { plugins: [pluginDir] },
    );
    expect(result.exitCode).toBe(1);
    const text = JSON.stringify(events);
    expect(text).toContain('LS6005');
    expect(text).toContain('ghost: not a live member');
  });
});

describe('multicast-agent step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-agent-step-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts an agent per node for the run, pushes between them, and stops them at the end', async () => {
    for (const n of ['a', 'b']) mkdirSync(join(dir, n), { recursive: true });
    writeFileSync(join(dir, 'a', 'hello.txt'), 'hello from a\n');
    const group = `239.192.76.${100 + (process.pid % 100)}:${17000 + (process.pid % 1000)}`;
    const { result } = await runPlaybook(
      `
nodes:
  a: { connection: local }
  b: { connection: local }
phases:
  - name: agents
    steps:
      - multicast-agent: { base: "${dir}/\${{ node.name }}", control: "unix:${dir}/\${{ node.name }}.sock", group: "${group}", announce-interval: 200ms }
  - name: push
    on: [a]
    steps:
      - run: for i in $(seq 50); do [ -S ${dir}/b.sock ] && break; sleep 0.1; done; sleep 0.5
      - multicast-push: { paths: [hello.txt], control: "unix:${dir}/a.sock" }
`,
      { plugins: [pluginDir] },
    );
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'b', 'hello.txt'), 'utf8')).toBe('hello from a\n');
    // Stopped with the run: the sockets are gone.
    expect(existsSync(join(dir, 'a.sock'))).toBe(false);
    expect(existsSync(join(dir, 'b.sock'))).toBe(false);
  });
});
