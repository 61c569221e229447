import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaybook, sshdNodesYaml, startSshdNodes } from '@lockstep/testing';
import type { SshdCluster } from '@lockstep/testing';
import { buildBundle } from '../../../../packages/agent/test/e2e/helpers/netns-lab.js';

const pluginDir = fileURLToPath(new URL('../..', import.meta.url));
let cluster: SshdCluster;
const dir = mkdtempSync(join(tmpdir(), 'lockstep-agent-ssh-'));

beforeAll(async () => {
  buildBundle();
  cluster = await startSshdNodes({ count: 2, namePrefix: 'web' });
}, 60_000);

afterAll(async () => {
  await cluster?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('multicast-agent and multicast-push on SSH nodes', () => {
  it('uploads the bundle over SSH, starts the agents, pushes through the remote control socket, and stops them', async () => {
    for (const n of ['web1', 'web2']) mkdirSync(join(dir, n), { recursive: true });
    writeFileSync(join(dir, 'web1', 'release.txt'), 'v42\n');
    const group = `239.192.78.${1 + (process.pid % 250)}:${30000 + (process.pid % 20000)}`;
    const { result, events } = await runPlaybook(
      `
name: agents over ssh
${sshdNodesYaml(cluster.nodes)}phases:
  - name: agents
    steps:
      - multicast-agent: { base: "${dir}/\${{ node.name }}", control: "unix:${dir}/\${{ node.name }}.sock", group: "${group}", announce-interval: 200ms, dir: "${dir}/bin" }
  - name: push
    on: [web1]
    steps:
      - multicast-push: { paths: [release.txt], min-members: 1, control: "unix:${dir}/web1.sock" }
`,
      { plugins: [pluginDir] },
    );
    expect(result.exitCode, JSON.stringify(events.filter((e) => JSON.stringify(e).includes('error'))).slice(0, 2000)).toBe(0);
    expect(readFileSync(join(dir, 'web2', 'release.txt'), 'utf8')).toBe('v42\n');
    // Stopped at the end of the run, and the uploaded bundle removed.
    for (let i = 0; i < 50 && existsSync(join(dir, 'web1.sock')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(dir, 'web1.sock'))).toBe(false);
    expect(existsSync(join(dir, 'web2.sock'))).toBe(false);
    expect(readdirSync(join(dir, 'bin'))).toEqual([]);
  });
});
