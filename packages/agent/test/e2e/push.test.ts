import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRequestError, requestAgent } from '../../src/control/control-client.js';
import { encodeMessage } from '../../src/wire/messages.js';
import { Sealer, loadKeyFile } from '../../src/wire/seal.js';
import type { PushReport } from '../../src/push/push-report.js';
import { NetnsLab, buildBundle, waitForMembers } from './helpers/netns-lab.js';
import type { LabAgent } from './helpers/netns-lab.js';
import { snapshot, writeTree } from './helpers/tree.js';

const PORT = 7683;
let lab: NetnsLab;
let agents: LabAgent[];
let sender: LabAgent;
let members: LabAgent[];
let keyFile: string;
let agentArgs: string[];

function push(params: Record<string, unknown>): Promise<PushReport> {
  return requestAgent<PushReport>(sender.control, 'push', params);
}

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(5);
  const key = join(lab.dir, 'key');
  keyFile = key;
  writeFileSync(key, randomBytes(32).toString('hex'));
  const args = (agentArgs = ['--key', key, '--announce-interval', '300ms', '--member-timeout', '5s', '--retry-interval', '100ms', '--max-retries', '30']);
  agents = await Promise.all(lab.nodes.map((node) => lab.startAgent(node, args)));
  [sender, ...members] = agents as [LabAgent, ...LabAgent[]];
  await waitForMembers(sender, 4);
}, 60_000);

afterAll(() => lab?.destroy());

describe('multicast push between network namespaces', () => {
  it('pushes a tree to 4 members, byte-identical, with modes and times', async () => {
    writeTree(join(sender.base, 'site'), { 'index.html': 5000, 'a/b/c.bin': 3_000_000, 'a/empty': 0, 'x.txt': 1299, 'y.txt': 1300, 'z.txt': 1301 });
    const report = await push({ paths: ['site'], recursive: true });
    expect(report.members.map((m) => [m.name, m.status])).toEqual([['n2', 'ok'], ['n3', 'ok'], ['n4', 'ok'], ['n5', 'ok']]);
    const expected = snapshot(join(sender.base, 'site'));
    for (const member of members) expect(snapshot(join(member.base, 'site'))).toEqual(expected);
    // No temp files left behind.
    for (const member of members) expect(readdirSync(join(member.base, 'site')).filter((n) => n.includes('.lockstep-'))).toEqual([]);
  });

  it('sends nothing the second time (size and mtime match)', async () => {
    const report = await push({ paths: ['site'], recursive: true });
    for (const member of report.members) expect(member.sent).toBe(0);
  });

  for (const loss of [5, 20]) {
    it(`delivers byte-identical files with ${loss}% packet loss at every member`, async () => {
      for (const member of members) lab.dropUdp(member.node.ns, PORT, loss);
      try {
        writeTree(join(sender.base, `lossy${loss}`), { 'big.bin': 2_000_000, 'small.txt': 700, 'd/e.bin': 400_000 });
        const report = await push({ paths: [`lossy${loss}`], recursive: true });
        expect(report.members.every((m) => m.status === 'ok')).toBe(true);
        expect(report.repaired).toBeGreaterThan(0);
        const expected = snapshot(join(sender.base, `lossy${loss}`));
        for (const member of members) expect(snapshot(join(member.base, `lossy${loss}`))).toEqual(expected);
      } finally {
        for (const member of members) lab.heal(member.node.ns);
      }
    });
  }

  it('dry run lists what would go to whom and changes nothing', async () => {
    writeTree(join(sender.base, 'dry'), { 'new.txt': 100 });
    const before = members.map((m) => snapshot(m.base));
    const report = await push({ paths: ['dry'], recursive: true, dryRun: true });
    expect(report.plan.find((p) => p.path === 'dry/new.txt')?.to.sort()).toEqual(['n2', 'n3', 'n4', 'n5']);
    expect(members.map((m) => snapshot(m.base))).toEqual(before);
  });

  it('--delete removes what the source no longer has; -t limits the targets', async () => {
    writeTree(join(members[0]!.base, 'site'), { 'stale.txt': 10 });
    writeTree(join(members[1]!.base, 'site'), { 'stale.txt': 10 });
    const report = await push({ paths: ['site'], recursive: true, delete: true, targets: ['n2'] });
    expect(report.members.map((m) => m.name)).toEqual(['n2']);
    expect(report.members[0]!.deleted).toEqual(['site/stale.txt']);
    expect(existsSync(join(members[0]!.base, 'site/stale.txt'))).toBe(false);
    expect(existsSync(join(members[1]!.base, 'site/stale.txt'))).toBe(true);
  });

  it('--checksum sends a file whose content differs even when size and mtime match', async () => {
    const target = join(members[2]!.base, 'site/x.txt');
    const { mtime } = await import('node:fs').then((fs) => fs.statSync(target));
    writeFileSync(target, randomBytes(1299));
    await import('node:fs').then((fs) => fs.utimesSync(target, mtime, mtime));
    const quick = await push({ paths: ['site/x.txt'] });
    expect(quick.members.find((m) => m.name === 'n4')!.sent).toBe(0);
    const thorough = await push({ paths: ['site/x.txt'], checksum: true });
    expect(thorough.members.find((m) => m.name === 'n4')!.sent).toBe(1);
    expect(snapshot(join(members[2]!.base, 'site'))).toEqual(snapshot(join(sender.base, 'site')));
  });

  it('ignores forged, altered and unsealed datagrams, and accepts genuine ones', async () => {
    const victim = members[0]!;
    const { self } = await requestAgent<{ self: { id: string } }>(victim.control, 'members');
    const before = await requestAgent<{ dropped: number }>(victim.control, 'status');
    const content = Buffer.from('hello');
    const transfer = (path: string) => {
      const sid = randomBytes(4).toString('hex');
      const entry = { path, kind: 'file', size: content.length, mode: 0o644, mtimeMs: 1_600_000_000_000, uid: 0, gid: 0, sha256: createHash('sha256').update(content).digest('hex') };
      return [
        encodeMessage('open', { from: 'feedface', sid, fid: 1, targets: [self.id], entry, dry: false, checksum: false, chunkBytes: 1300, chunks: 1 }),
        encodeMessage('data', { from: 'feedface', sid, fid: 1, seq: 0 }, content),
        encodeMessage('end', { from: 'feedface', sid, fid: 1, targets: [self.id] }),
      ];
    };
    const right = new Sealer(loadKeyFile(keyFile));
    const wrong = new Sealer(randomBytes(32));
    const plain = new Sealer(undefined);
    const forged = transfer('forged.txt').map((m) => wrong.seal(m));
    const altered = transfer('altered.txt').map((m) => {
      const d = right.seal(m);
      d[d.length - 20] ^= 0x01;
      return d;
    });
    const unsealed = transfer('unsealed.txt').map((m) => plain.seal(m));
    const genuine = transfer('genuine.txt').map((m) => right.seal(m));
    const from = sender.node;
    const script = `const s=require('dgram').createSocket('udp4');s.bind(0,'${from.address}',()=>{s.setMulticastInterface('${from.address}');const d=process.argv.slice(1).map(h=>Buffer.from(h,'hex'));let i=0;const next=()=>{if(i>=d.length)return s.close();s.send(d[i++],${PORT},'239.192.76.83',()=>setTimeout(next,30))};next()})`;
    lab.exec(from.ns, process.execPath, '-e', script, ...[...forged, ...altered, ...unsealed, ...genuine].map((d) => d.toString('hex')));
    const deadline = Date.now() + 5000;
    while (!existsSync(join(victim.base, 'genuine.txt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(victim.base, 'genuine.txt'))).toBe(true);
    for (const name of ['forged.txt', 'altered.txt', 'unsealed.txt']) expect(existsSync(join(victim.base, name))).toBe(false);
    const after = await requestAgent<{ dropped: number }>(victim.control, 'status');
    expect(after.dropped - before.dropped).toBeGreaterThanOrEqual(9);
  });

  it('names a member killed mid-push; the others finish byte-identical', async () => {
    writeTree(join(sender.base, 'killed'), { 'big.bin': 16_000_000 });
    const victim = members[3]!;
    const pushing = push({ paths: ['killed'], recursive: true, bwlimit: '8M' });
    await new Promise((r) => setTimeout(r, 700));
    await lab.kill(victim.process);
    const error = await pushing.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AgentRequestError);
    expect((error as AgentRequestError).code).toBe('LS6005');
    expect((error as AgentRequestError).message).toContain('n5');
    const report = (error as AgentRequestError).data as PushReport;
    expect(report.members.filter((m) => m.status === 'failed').map((m) => m.name)).toEqual(['n5']);
    const expected = snapshot(join(sender.base, 'killed'));
    for (const member of members.slice(0, 3)) expect(snapshot(join(member.base, 'killed'))).toEqual(expected);
  });

  it('--sync catches up a member that was down', async () => {
    const restarted = await lab.startAgent(members[3]!.node, agentArgs);
    members[3] = restarted;
    await waitForMembers(sender, 4);
    const report = await push({ sync: true, targets: ['n5'] });
    expect(report.members.map((m) => [m.name, m.status])).toEqual([['n5', 'ok']]);
    expect(report.members[0]!.sent).toBeGreaterThan(0);
    for (const dir of ['site', 'killed', 'lossy5']) expect(snapshot(join(restarted.base, dir))).toEqual(snapshot(join(sender.base, dir)));
  });
});
