import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverCoordinator, DiscoveryResponder, parseDiscoveryEndpoint } from '../../../src/coordinator/discovery.js';

// Discovery on the loopback interface only: group joined and sent on 127.0.0.1.
const mainJs = fileURLToPath(new URL('../../../../cli/dist/main.js', import.meta.url));
const processes: ChildProcess[] = [];
const responders: DiscoveryResponder[] = [];
const spawnedPids: number[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const r of responders.splice(0)) await r.dispose();
  for (const pid of spawnedPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone: it exited at the end of its lifespan
    }
  }
});

/** A group and port of their own per test, so tests never see each other's coordinators. */
function endpointText(): string {
  return `239.255.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}:${20000 + Math.floor(Math.random() * 20000)}`;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [mainJs, ...args], { env: { ...process.env, LOCKSTEP_COORDINATOR: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
}

/** PIDs of `lockstep coordinator` processes answering on this discovery group (the ones a client started). */
function coordinatorPids(group: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(mainJs) && l.includes(' coordinator ') && l.includes(group))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('multicast discovery on 127.0.0.1', () => {
  it('finds a responder whose answer is signed with the token, and ignores one signed with another', async () => {
    const endpoint = parseDiscoveryEndpoint(endpointText(), '127.0.0.1');
    responders.push(await DiscoveryResponder.start(endpoint, { address: '127.0.0.1:1111', token: 'right' }));
    expect(await discoverCoordinator(endpoint, { token: 'right', timeoutMs: 1000 })).toBe('127.0.0.1:1111');
    expect(await discoverCoordinator(endpoint, { token: 'wrong', timeoutMs: 300 })).toBeUndefined();
  });

  it('rejects a group that is not multicast and an interface that is not an address', () => {
    expect(() => parseDiscoveryEndpoint('10.0.0.1:28015')).toThrow(/IPv4 multicast group/);
    expect(() => parseDiscoveryEndpoint('239.255.0.1:28015', 'eth0')).toThrow(/IPv4 address of a local interface/);
  });

  it('lets `lockstep sem --discover` find `lockstep coordinator --discover`', async () => {
    const group = endpointText();
    const coordinator = spawn(
      process.execPath,
      [mainJs, 'coordinator', '--listen', '127.0.0.1:0', '--discover', group, '--interface', '127.0.0.1'],
      { env: { ...process.env, LOCKSTEP_TOKEN: 'disc' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    processes.push(coordinator);
    await once(coordinator.stdout!, 'data');
    const env = { LOCKSTEP_TOKEN: 'disc' };
    expect(await run(['sem', 'found', '5', '--discover', group, '--interface', '127.0.0.1', '--lifespan', '0'], env)).toMatchObject({ code: 0, stdout: '5\n' });
  });

  it('with none answering: --lifespan 0 fails; otherwise a coordinator is started, used, and exits when idle', async () => {
    const group = endpointText();
    const env = { LOCKSTEP_TOKEN: 'dyn' };
    expect(await run(['sem', 'x', '0', '--discover', group, '--lifespan', '0'], env)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`LS5001 no coordinator answered discovery on ${group} via 127.0.0.1`),
    });
    expect(await run(['sem', 'x', '3', '--discover', group, '--lifespan', '2'], env)).toMatchObject({ code: 0, stdout: '3\n' });
    const pids = coordinatorPids(group);
    spawnedPids.push(...pids);
    expect(pids).toHaveLength(1);
    // A second client finds the same coordinator: the value is still there.
    expect(await run(['sem', 'x', '0', '--discover', group, '--lifespan', '0'], env)).toMatchObject({ code: 0, stdout: '3\n' });
    // After two idle seconds the started coordinator exits on its own.
    for (let i = 0; i < 100 && coordinatorPids(group).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(coordinatorPids(group)).toEqual([]);
  });
});
