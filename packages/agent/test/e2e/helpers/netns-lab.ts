/**
 * A throwaway network of namespaces for e2e tests: one hub namespace holding a bridge, and one
 * namespace per member joined to it by a veth pair, addressed 10.231.<subnet>.<i>/24. Names
 * carry the PID so parallel runs do not collide; `destroy()` kills every process the lab
 * started (by PID) and deletes every namespace, which takes the links with it.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestAgent } from '../../../src/control/control-client.js';

/** Absolute path of the bundled agent the tests run in each namespace. */
export const AGENT_BUNDLE = fileURLToPath(new URL('../../../dist/lockstep-agent.mjs', import.meta.url));

/** Builds the agent bundle (esbuild, well under a second) so tests run the current code. */
export function buildBundle(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../../scripts/bundle.mjs', import.meta.url))], { stdio: 'inherit' });
}

let labCounter = 0;

/** One member namespace. */
export interface LabNode {
  index: number;
  ns: string;
  address: string;
  /** Directory for this node's files (base directory, sockets). */
  dir: string;
}

/** A running agent started by the lab. */
export interface LabAgent {
  node: LabNode;
  process: ChildProcess;
  control: string;
  base: string;
  stderr: () => string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** The namespaces, bridge and agents of one test file. */
export class NetnsLab {
  readonly hub: string;
  readonly nodes: LabNode[] = [];
  readonly subnet: number;
  readonly dir: string;
  readonly #processes = new Set<ChildProcess>();
  readonly #namespaces: string[] = [];

  /**
   * Creates `count` member namespaces on one bridge.
   * @param count members
   * @param options `mtu` of the bridge and every link (default the kernel's, 1500)
   */
  constructor(count: number, options: { mtu?: number } = {}) {
    const mtu = options.mtu === undefined ? [] : ['mtu', String(options.mtu)];
    const tag = `${process.pid % 100000}${String.fromCharCode(97 + (labCounter++ % 26))}`;
    this.subnet = 20 + ((process.pid + labCounter * 7) % 200);
    this.dir = mkdtempSync(join(tmpdir(), 'lockstep-lab-'));
    this.hub = `ls${tag}h`;
    try {
      ip('netns', 'add', this.hub);
      this.#namespaces.push(this.hub);
      ip('-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
      ip('-n', this.hub, 'link', 'set', 'br0', ...mtu, 'up');
      ip('-n', this.hub, 'link', 'set', 'lo', 'up');
      for (let i = 1; i <= count; i++) {
        const ns = `ls${tag}n${i}`;
        ip('netns', 'add', ns);
        this.#namespaces.push(ns);
        const outer = `v${tag}${i}`.slice(0, 15);
        ip('link', 'add', outer, ...mtu, 'type', 'veth', 'peer', 'name', 'eth0', ...mtu, 'netns', ns);
        ip('link', 'set', outer, 'netns', this.hub);
        ip('-n', this.hub, 'link', 'set', outer, 'master', 'br0', 'up');
        const address = `10.231.${this.subnet}.${i}`;
        ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        const dir = join(this.dir, `n${i}`);
        execFileSync('mkdir', ['-p', join(dir, 'base')]);
        this.nodes.push({ index: i, ns, address, dir });
      }
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /**
   * Runs a command inside a namespace and returns its stdout.
   * @param ns namespace
   * @param command program and arguments
   */
  exec(ns: string, ...command: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Starts a process inside a namespace; the lab kills it (by PID) on destroy.
   * @param ns namespace
   * @param command program and arguments
   */
  spawn(ns: string, ...command: string[]): ChildProcess {
    // `ip netns exec` execs the program, so the PID we hold is the program's own.
    const child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#processes.add(child);
    child.once('exit', () => this.#processes.delete(child));
    return child;
  }

  /**
   * Starts the bundled agent in a member namespace with a unix control socket (reachable from
   * the test: unix sockets are not per-namespace); `extra` may add a TCP one.
   * @param node the member
   * @param extra more agent arguments
   * @returns the agent, once its control socket answers
   */
  async startAgent(node: LabNode, extra: string[] = []): Promise<LabAgent> {
    const control = `unix:${join(node.dir, 'agent.sock')}`;
    const base = join(node.dir, 'base');
    const args = ['--control', control, ...extra];
    const child = this.spawn(node.ns, process.execPath, AGENT_BUNDLE, '--base', base, '--interface', node.address, '--name', `n${node.index}`, ...args);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!stderr.includes('lockstep-agent ')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`agent in ${node.ns} did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { node, process: child, control, base, stderr: () => stderr };
  }

  /**
   * Drops a share of incoming UDP to `port` inside a namespace (nftables; this kernel has no netem).
   * @param ns namespace
   * @param port UDP destination port
   * @param percent 0..100
   */
  dropUdp(ns: string, port: number, percent: number): void {
    this.exec(ns, 'nft', 'add', 'table', 'inet', 'chaos');
    this.exec(ns, 'nft', 'add', 'chain', 'inet', 'chaos', 'input', '{ type filter hook input priority 0; }');
    const sample = percent >= 100 ? [] : ['numgen', 'random', 'mod', '100', '<', String(percent)];
    this.exec(ns, 'nft', 'add', 'rule', 'inet', 'chaos', 'input', 'udp', 'dport', String(port), ...sample, 'drop');
  }

  /**
   * Drops a share of incoming frames to a multicast group inside a namespace, before IP
   * reassembly (the input hook of {@link dropUdp} sees whole datagrams): one lost fragment
   * loses its whole datagram, as on a real lossy link.
   * @param ns namespace
   * @param group group address
   * @param percent 0..100
   */
  dropFrames(ns: string, group: string, percent: number): void {
    this.exec(ns, 'nft', 'add', 'table', 'inet', 'chaos');
    this.exec(ns, 'nft', 'add', 'chain', 'inet', 'chaos', 'frames', '{ type filter hook prerouting priority -450; }');
    this.exec(ns, 'nft', 'add', 'rule', 'inet', 'chaos', 'frames', 'ip', 'daddr', group, 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop');
  }

  /** Removes the drop rules of {@link dropUdp} and {@link dropFrames}. */
  heal(ns: string): void {
    try {
      this.exec(ns, 'nft', 'delete', 'table', 'inet', 'chaos');
    } catch {
      // no table
    }
  }

  /** Kills one process by PID and waits for it to exit. */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.pid) process.kill(child.pid, signal);
    await exited;
  }

  /** Kills every process the lab started and deletes the namespaces and files. */
  destroy(): void {
    for (const child of this.#processes) {
      try {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of this.#namespaces.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Waits until `agent` lists at least `count` live members (announcements take a few intervals).
 * @throws {Error} naming how many it saw, after `timeoutMs`
 */
export async function waitForMembers(agent: LabAgent, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { members } = await requestAgent<{ members: unknown[] }>(agent.control, 'members');
    if (members.length >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${members.length} of ${count} members after ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
