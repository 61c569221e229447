import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaybook } from '@lockstep/testing';
import { NetnsLab, buildBundle } from '../../../../packages/agent/test/e2e/helpers/netns-lab.js';
import type { LabAgent } from '../../../../packages/agent/test/e2e/helpers/netns-lab.js';

const pluginDir = fileURLToPath(new URL('../..', import.meta.url));
let lab: NetnsLab;
let agents: LabAgent[];
let members: string;

function playbook(args: string): string {
  return `
nodes:
  origin: { connection: local }
phases:
  - name: check the network
    steps:
      - ring-latency: { members: [${members}], control: "${agents[0]!.control}", ${args} }
`;
}

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(3);
  const key = join(lab.dir, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));
  agents = await Promise.all(lab.nodes.map((node) => lab.startAgent(node, ['--key', key, '--control', `tcp:${node.address}:7700`, '--ring-port', '7701'])));
  members = lab.nodes.map((node) => `"tcp:${node.address}:7700"`).join(', ');
}, 60_000);

afterAll(() => lab?.destroy());

describe('ring-latency step', () => {
  it('passes when the per-hop p99 meets the expectation, over a size sweep', async () => {
    const { result, events } = await runPlaybook(playbook('msg-bytes: [64, 512], count: 100, forward-immediately: true, expect: { p99: 100ms }'), { plugins: [pluginDir] });
    expect(result.exitCode).toBe(0);
    expect(JSON.stringify(events)).toMatch(/64B per hop median .* p99 .*512B per hop median/);
  });

  it('fails the step when an expectation is missed, saying which', async () => {
    const { result, events } = await runPlaybook(playbook('msg-bytes: 256, count: 20, forward-immediately: true, expect: { median: 0ms }'), { plugins: [pluginDir] });
    expect(result.exitCode).toBe(1);
    const text = JSON.stringify(events);
    expect(text).toContain('LS6009');
    expect(text).toContain('per-hop median');
  });

  it('fails with lost messages named, after the member timeout', async () => {
    lab.dropUdp(lab.nodes[1]!.ns, 7701, 100);
    try {
      const { result, events } = await runPlaybook(playbook('msg-bytes: 256, count: 5, forward-immediately: true, member-timeout: 200ms'), { plugins: [pluginDir] });
      expect(result.exitCode).toBe(1);
      const text = JSON.stringify(events);
      expect(text).toContain('LS6007');
      expect(text).toContain('5 lost');
      expect(text).toContain(`lost on the way to tcp:${lab.nodes[1]!.address}:7700`);
    } finally {
      lab.heal(lab.nodes[1]!.ns);
    }
  });
});
