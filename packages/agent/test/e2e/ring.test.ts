import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAgent } from '../../src/control/control-client.js';
import type { RingRunReport } from '../../src/ring/ring-report.js';
import { NetnsLab, buildBundle } from './helpers/netns-lab.js';
import type { LabAgent } from './helpers/netns-lab.js';

const CONTROL_PORT = 7700;
const RING_PORT = 7701;
let lab: NetnsLab;
let agents: LabAgent[];
let ring: string[];

function run(params: Record<string, unknown>): Promise<RingRunReport> {
  return requestAgent<RingRunReport>(agents[0]!.control, 'ring.run', { members: ring, ...params });
}

/** Median UDP echo round trip between two namespaces, with plain Node sockets (no agent). */
async function udpEchoRttMs(fromIndex: number, toIndex: number, bytes: number, count: number): Promise<number> {
  const to = lab.nodes[toIndex]!;
  const from = lab.nodes[fromIndex]!;
  const server = lab.spawn(to.ns, process.execPath, '-e', `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(7800,'${to.address}',()=>console.log('ready'))`);
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  try {
    const script = `const s=require('dgram').createSocket('udp4');const t=[];let i=0,at=0;const payload=Buffer.alloc(${bytes});
      const next=()=>{if(i++>=${count}){t.sort((a,b)=>a-b);console.log(t[t.length>>1]);s.close();return;}at=performance.now();s.send(payload,7800,'${to.address}')};
      s.on('message',()=>{t.push(performance.now()-at);next()});s.bind(0,'${from.address}',next);`;
    return Number(lab.exec(from.ns, process.execPath, '-e', script).trim());
  } finally {
    await lab.kill(server);
  }
}

beforeAll(async () => {
  buildBundle();
  lab = new NetnsLab(4);
  const key = join(lab.dir, 'key');
  writeFileSync(key, randomBytes(32).toString('hex'));
  agents = await Promise.all(
    lab.nodes.map((node) => lab.startAgent(node, ['--key', key, '--control', `tcp:${node.address}:${CONTROL_PORT}`, '--ring-port', String(RING_PORT), '--announce-interval', '300ms'])),
  );
  ring = lab.nodes.map((node) => `tcp:${node.address}:${CONTROL_PORT}`);
}, 60_000);

afterAll(() => lab?.destroy());

describe('ring latency between network namespaces', () => {
  it('reports per-hop latency within 2x of a UDP echo round trip measured alongside', async () => {
    // The ring tour and the echo are measured back to back, echo before and after the tour, so
    // both see the same machine; a busy machine (CI shares two cores) can still skew one pair,
    // so up to three pairs are measured and the bound must hold for one of them.
    let ratio = Number.NaN;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = await udpEchoRttMs(0, 1, 256, 300);
      const report = await run({ msgBytes: [256], count: 300, forwardImmediately: true, memberTimeout: '1s' });
      const after = await udpEchoRttMs(0, 1, 256, 300);
      const tour = report.tours[0]!;
      expect(report.incomplete).toBe(false);
      expect(tour.lost).toBe(0);
      expect(tour.delivered).toBe(300);
      const rtt = (before + after) / 2;
      // A hop is one way plus the member's turnaround (open, check, forward); an echo round trip
      // is two ways plus a bare turnaround. Both are dominated by wake-ups and syscalls here.
      ratio = tour.perHop!.median / rtt;
      console.log(`attempt ${attempt}: per-hop median ${(tour.perHop!.median * 1000).toFixed(0)}µs, UDP echo RTT median ${(rtt * 1000).toFixed(0)}µs, ratio ${ratio.toFixed(2)}`);
      if (ratio > 0.5 && ratio < 2) break;
    }
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('sweeps message sizes, one tour each, and refuses a size over one datagram', async () => {
    const report = await run({ msgBytes: [64, 512, 1400], count: 5, forwardImmediately: true });
    expect(report.tours.map((t) => [t.msgBytes, t.delivered])).toEqual([[64, 5], [512, 5], [1400, 5]]);
    await expect(run({ msgBytes: [70_000], count: 1 })).rejects.toMatchObject({ code: 'LS6008' });
    await expect(run({ msgBytes: [10], count: 1 })).rejects.toMatchObject({ code: 'LS6008' });
  });

  it('echoes every member', async () => {
    const echoes = await requestAgent<Array<{ control: string; rttMs: Array<number | null> }>>(agents[0]!.control, 'ring.echo', { members: ring, echoCount: 3 });
    expect(echoes.map((e) => e.control)).toEqual(ring);
    for (const echo of echoes) expect(echo.rttMs.every((r) => r !== null)).toBe(true);
  });

  it('reports lost messages after the member timeout instead of hanging', async () => {
    lab.dropUdp(lab.nodes[2]!.ns, RING_PORT, 30);
    try {
      const report = await run({ msgBytes: [256], count: 30, forwardImmediately: true, memberTimeout: '200ms' });
      const tour = report.tours[0]!;
      expect(report.incomplete).toBe(true);
      expect(tour.lost).toBeGreaterThan(0);
      expect(tour.lost + tour.delivered).toBe(30);
      expect(tour.problems.join('\n')).toContain(`lost on the way to ${ring[2]}`);
    } finally {
      lab.heal(lab.nodes[2]!.ns);
    }
  });

  it('names a member killed mid-tour', async () => {
    const running = run({ msgBytes: [64, 128, 256, 512, 1024, 1400], count: 3000, forwardImmediately: true, memberTimeout: '200ms' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await lab.kill(agents[2]!.process);
    const report = await running.catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\ncoordinator log:\n${agents[0]!.stderr()}`);
    });
    expect(report.incomplete).toBe(true);
    const problems = report.tours.flatMap((t) => t.problems).join('\n');
    expect(problems).toContain(`${ring[2]} (n3) did not answer`);
  });
});
