/**
 * Pushes over jumbo frames, where chunks grow to several fragments per datagram (a lost fragment
 * loses the whole datagram): under loss the push must still converge, byte-identical.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAgent } from '../../src/control/control-client.js';
import type { PushReport } from '../../src/push/push-report.js';
import { NetnsLab, buildBundle, waitForMembers } from './helpers/netns-lab.js';
import type { LabAgent } from './helpers/netns-lab.js';
import { snapshot, writeTree } from './helpers/tree.js';

const GROUP = '239.192.76.83';
let lab: NetnsLab;
let sender: LabAgent;
let members: LabAgent[];

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(3, { mtu: 9000 });
  const key = join(lab.dir, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));
  const args = ['--key', key, '--announce-interval', '300ms', '--member-timeout', '5s', '--retry-interval', '100ms', '--max-retries', '30'];
  [sender, ...members] = (await Promise.all(lab.nodes.map((node) => lab.startAgent(node, args)))) as [LabAgent, ...LabAgent[]];
  await waitForMembers(sender, 2);
}, 60_000);

afterAll(() => lab?.destroy());

describe('multicast push over jumbo frames', () => {
  it('sends a clean tree byte-identical in multi-fragment datagrams', async () => {
    writeTree(join(sender.base, 'clean'), { 'a.bin': 3_000_000, 'b.bin': 3_000_000, 'c.bin': 3_000_000, 'd/e.txt': 9000 });
    const report = await requestAgent<PushReport>(sender.control, 'push', { paths: ['clean'], recursive: true });
    expect(report.members.map((m) => m.status)).toEqual(['ok', 'ok']);
    for (const member of members) expect(snapshot(join(member.base, 'clean'))).toEqual(snapshot(join(sender.base, 'clean')));
  });

  it('converges byte-identical with 20% of frames (fragments) lost at every member', async () => {
    for (const member of members) lab.dropFrames(member.node.ns, GROUP, 20);
    try {
      writeTree(join(sender.base, 'lossy'), { 'big.bin': 4_000_000, 'more.bin': 2_000_000, 'small.txt': 700 });
      const report = await requestAgent<PushReport>(sender.control, 'push', { paths: ['lossy'], recursive: true });
      expect(report.members.map((m) => m.status)).toEqual(['ok', 'ok']);
      expect(report.repaired).toBeGreaterThan(0);
      for (const member of members) expect(snapshot(join(member.base, 'lossy'))).toEqual(snapshot(join(sender.base, 'lossy')));
    } finally {
      for (const member of members) lab.heal(member.node.ns);
    }
  });
});
