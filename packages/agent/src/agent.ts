import { randomBytes } from 'node:crypto';
import { EventEmitter } from '@lockstep/core';
import type { Event } from '@lockstep/core';
import { ControlServer } from './control/control-server.js';
import { MemberList } from './membership/member-list.js';
import type { Announcement } from './membership/member-list.js';
import { normalizeAgentOptions } from './options.js';
import type { AgentOptions, NormalizedAgentOptions } from './options.js';
import { PushReceiver } from './push/receiver.js';
import { PushService } from './push/push-service.js';
import { RingMember } from './ring/ring-member.js';
import { RingCoordinator } from './ring/ring-coordinator.js';
import { formatControlAddress } from './wire/address.js';
import { GroupSocket } from './wire/group-socket.js';
import { Sealer } from './wire/seal.js';

/**
 * The node agent (makuosan's daemon and a stillepost member in one): it announces itself on
 * the multicast group, keeps the live-member list, receives and sends pushes, serves a ring
 * member's UDP socket, and answers its control socket.
 *
 * @example
 * const agent = await Agent.start({ base: '/srv/www', key: '/etc/lockstep/key', interface: '10.0.0.5' });
 * // …
 * await agent.dispose();
 */
export class Agent {
  /** Random id, new at every start. */
  readonly id = randomBytes(4).toString('hex');
  readonly options: NormalizedAgentOptions;
  readonly members: MemberList;
  /** The first control address actually listened on (a TCP port 0 is resolved). */
  control = '';
  /** Every control address listened on. */
  controls: string[] = [];
  #socket: GroupSocket | undefined;
  #server = new ControlServer();
  #receiver: PushReceiver | undefined;
  #push: PushService | undefined;
  #ring: RingMember | undefined;
  #coordinator: RingCoordinator | undefined;
  #timers: NodeJS.Timeout[] = [];
  readonly #onDidLog = new EventEmitter<string>();
  /** Log lines (joins, leaves, failures) for the daemon's stderr. */
  readonly onDidLog: Event<string> = this.#onDidLog.event;

  private constructor(options: NormalizedAgentOptions) {
    this.options = options;
    this.members = new MemberList(options.memberTimeoutMs);
  }

  /**
   * Starts an agent: binds the group and ring sockets and the control socket, then drops
   * privileges if asked.
   * @param raw options
   * @returns the running agent
   * @throws {LockstepError} for invalid options, a missing key beyond loopback, or a busy address
   */
  static async start(raw: AgentOptions): Promise<Agent> {
    const agent = new Agent(normalizeAgentOptions(raw));
    try {
      await agent.#start();
    } catch (error) {
      await agent.dispose();
      throw error;
    }
    return agent;
  }

  async #start(): Promise<void> {
    const o = this.options;
    const sealer = new Sealer(o.key);
    this.#socket = await GroupSocket.open({ group: o.group, interface: o.interface, ttl: o.ttl, sealer, self: this.id });
    this.#ring = await RingMember.open({ interface: o.interface, port: o.ringPort, sealer, self: this.id, name: o.name });
    this.#receiver = new PushReceiver(this.#socket, o.base, this.id);
    this.#push = new PushService(this.#socket, this.members, o, this.id);
    this.#coordinator = new RingCoordinator(this.#ring);
    this.members.onDidJoin((m) => this.#onDidLog.fire(`member ${m.name} (${m.address}) joined`));
    this.members.onDidLeave(({ member, reason }) => this.#onDidLog.fire(`member ${member.name} (${member.address}) dropped: ${reason}`));
    this.#socket.onDidReceive((message) => {
      this.members.touch(String(message.header.from));
      if (message.type === 'announce') {
        // Answer a newcomer at once so it learns the group without waiting a full interval.
        if (this.members.heard(message.header as unknown as Announcement)) void this.#announce();
      } else if (message.type === 'open' || message.type === 'data' || message.type === 'end') this.#receiver!.handle(message);
      else if (message.type === 'openAck' || message.type === 'nack' || message.type === 'done') {
        if (message.header.to === this.id) this.#push!.handle(message);
      }
    });
    this.#registerMethods();
    for (const address of o.control) {
      const port = await this.#server.listen(address);
      this.controls.push(formatControlAddress(address.kind === 'tcp' ? { ...address, port } : address));
    }
    this.control = this.controls[0]!;
    if (o.groupOwner) process.setgid?.(o.groupOwner);
    if (o.user) process.setuid?.(o.user);
    await this.#announce();
    this.#timers.push(setInterval(() => void this.#announce(), o.announceIntervalMs));
    this.#timers.push(setInterval(() => this.members.expire(), Math.min(1000, o.announceIntervalMs)));
  }

  #announce(leaving = false): Promise<void> {
    const announcement: Announcement = {
      id: this.id,
      name: this.options.name,
      address: this.options.interface,
      control: this.controls.find((c) => c.startsWith('tcp:')),
      ring: this.#ring?.endpoint,
      leaving,
    };
    return this.#socket?.send('announce', { ...announcement }) ?? Promise.resolve();
  }

  #registerMethods(): void {
    const server = this.#server;
    server.handle('members', async () => ({
      self: { id: this.id, name: this.options.name, address: this.options.interface, control: this.control, controls: this.controls, ring: this.#ring?.endpoint },
      members: this.members.list().map((m) => ({ ...m, silentMs: Math.round(performance.now() - m.lastSeen) })),
    }));
    server.handle('status', async () => ({
      id: this.id,
      name: this.options.name,
      base: this.options.base,
      group: `${this.options.group.address}:${this.options.group.port}`,
      interface: this.options.interface,
      sealed: this.options.key !== undefined,
      members: this.members.list().length,
      sending: this.#push?.status(),
      receiving: this.#receiver?.active() ?? [],
      received: this.#receiver?.stats,
      dropped: this.#socket?.dropped ?? 0,
      ring: this.#ring?.status(),
    }));
    server.handle('push', (params, emit, signal) => this.#push!.push(params, emit, signal));
    this.#ring!.register(server);
    this.#coordinator!.register(server);
  }

  /** Says goodbye on the group (so members drop this one at once) and closes everything. */
  async dispose(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    if (this.#socket) await this.#announce(true).catch(() => undefined);
    await this.#server.close().catch(() => undefined);
    this.#receiver?.dispose();
    this.#ring?.close();
    this.#socket?.close();
    this.members.dispose();
    this.#onDidLog.dispose();
  }
}
