import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAgent } from '../../src/control/control-client.js';
import { AGENT_BUNDLE, NetnsLab, buildBundle } from './helpers/netns-lab.js';
import type { LabAgent } from './helpers/netns-lab.js';

let lab: NetnsLab;
let key: string;
let agents: LabAgent[];
const args = () => ['--key', key, '--announce-interval', '200ms', '--member-timeout', '1500ms'];

async function names(agent: LabAgent): Promise<string[]> {
  const { members } = await requestAgent<{ members: Array<{ name: string }> }>(agent.control, 'members');
  return members.map((m) => m.name).sort();
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (await check()) return true;
  return check();
}

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(4);
  key = join(lab.dir, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));
  agents = await Promise.all(lab.nodes.slice(0, 3).map((node) => lab.startAgent(node, args())));
}, 60_000);

afterAll(() => lab?.destroy());

describe('agent membership on a multicast group', () => {
  it('every agent sees the others as live members', async () => {
    expect(await until(async () => (await names(agents[0]!)).join() === 'n2,n3', 5000)).toBe(true);
    expect(await names(agents[1]!)).toEqual(['n1', 'n3']);
  });

  it('ignores an agent with another key', async () => {
    const otherKey = join(lab.dir, 'other-key');
    writeFileSync(otherKey, randomBytes(32).toString('hex'));
    const stranger = await lab.startAgent(lab.nodes[3]!, ['--key', otherKey, '--announce-interval', '200ms']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await names(agents[0]!)).toEqual(['n2', 'n3']);
    expect(await names(stranger)).toEqual([]);
    const status = await requestAgent<{ dropped: number }>(agents[0]!.control, 'status');
    expect(status.dropped).toBeGreaterThan(0);
    await lab.kill(stranger.process, 'SIGTERM');
  });

  it('drops a member that says goodbye (SIGTERM) without waiting for the timeout', async () => {
    await lab.kill(agents[2]!.process, 'SIGTERM');
    expect(await until(async () => !(await names(agents[0]!)).includes('n3'), 1000)).toBe(true);
  });

  it('drops a member that falls silent (SIGKILL) after the member timeout', async () => {
    await lab.kill(agents[1]!.process, 'SIGKILL');
    expect(await names(agents[0]!)).toContain('n2');
    expect(await until(async () => !(await names(agents[0]!)).includes('n2'), 5000)).toBe(true);
  });

  it('refuses to join a non-loopback interface without a key', () => {
    const node = lab.nodes[3]!;
    const result = spawnSync('ip', ['netns', 'exec', node.ns, process.execPath, AGENT_BUNDLE, '--base', node.dir, '--interface', node.address, '--control', `unix:${join(node.dir, 'nokey.sock')}`], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('LS6002');
  });
});
