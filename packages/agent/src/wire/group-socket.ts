import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { EventEmitter } from '@lockstep/core';
import type { Event } from '@lockstep/core';
import { isLoopback } from './address.js';
import type { GroupAddress } from './address.js';
import { decodeMessage, encodeMessageHead } from './messages.js';
import type { MessageType, WireMessage } from './messages.js';
import type { Sealer } from './seal.js';

/** A message that arrived on the group, with the sender's address. */
export interface Received extends WireMessage {
  address: string;
}

/** How to open a {@link GroupSocket}. */
export interface GroupSocketOptions {
  group: GroupAddress;
  /** Interface address to send from and join on: always explicit, never the kernel's guess. */
  interface: string;
  ttl: number;
  sealer: Sealer;
  /** This agent's id: its own datagrams (looped back) are dropped. */
  self: string;
}

/**
 * The agent's one UDP socket on the multicast group. Every agent message goes to the group
 * (replies too), so several agents can share one host's loopback with SO_REUSEADDR; anything
 * that does not open with the shared key, or is malformed, is dropped and counted.
 */
export class GroupSocket {
  readonly #socket: Socket;
  /** Sends go out of a second socket connected to the group: no address lookup per datagram. */
  readonly #out: Socket;
  readonly #options: GroupSocketOptions;
  readonly #onDidReceive = new EventEmitter<Received>();
  /** Fires for each message from another agent. */
  readonly onDidReceive: Event<Received> = this.#onDidReceive.event;
  /** Datagrams dropped because they did not open or decode. */
  dropped = 0;

  private constructor(socket: Socket, out: Socket, options: GroupSocketOptions) {
    this.#socket = socket;
    this.#out = out;
    this.#options = options;
    socket.on('message', (datagram, rinfo) => {
      const payload = options.sealer.open(datagram);
      const message = payload && decodeMessage(payload);
      if (!message) {
        this.dropped++;
        return;
      }
      if (message.header.from === options.self) return;
      this.#onDidReceive.fire({ type: message.type, header: message.header, body: message.body, address: rinfo.address });
    });
  }

  /**
   * Binds the group port, joins the group on the given interface and sets the outgoing
   * interface, TTL and buffers.
   * @param options group, interface, ttl, sealer, own id
   * @returns the open socket
   */
  static async open(options: GroupSocketOptions): Promise<GroupSocket> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // Binding the group address (not 0.0.0.0) keeps unrelated unicast traffic out.
      socket.bind({ port: options.group.port, address: options.group.address, exclusive: false }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setMulticastInterface(options.interface);
    socket.addMembership(options.group.address, options.interface);
    const out = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.bind({ port: 0, address: options.interface }, () => {
        out.off('error', reject);
        resolve();
      });
    });
    out.setMulticastInterface(options.interface);
    out.setMulticastTTL(options.ttl);
    // Looping our own datagrams back costs a full open (decrypt) of every chunk we send, only to
    // drop it: loop only on a loopback interface, where several agents share the host.
    out.setMulticastLoopback(isLoopback(options.interface));
    await new Promise<void>((resolve) => out.connect(options.group.port, options.group.address, () => resolve()));
    try {
      socket.setRecvBufferSize(32 * 1024 * 1024);
      out.setSendBufferSize(8 * 1024 * 1024);
    } catch {
      // The kernel caps buffers at net.core.{r,w}mem_max; a smaller buffer only means more NACKs.
    }
    out.on('error', () => undefined);
    return new GroupSocket(socket, out, options);
  }

  /**
   * True when a body passed to {@link send} is no longer needed once `send` returns: sealing
   * encrypts it into new buffers, so the caller may reuse its memory at once. In clear text the
   * body itself is queued for the kernel until the send completes.
   */
  get copiesBody(): boolean {
    return this.#options.sealer.sealed;
  }

  /**
   * Seals and sends a message to the group.
   * @param type message type
   * @param header header; `from` is set to this agent's id
   * @param body raw bytes
   * @returns resolves when the datagram has been handed to the kernel
   */
  send(type: MessageType, header: Record<string, unknown>, body?: Buffer): Promise<void> {
    const head = encodeMessageHead(type, { ...header, from: this.#options.self });
    // A list of buffers goes out with one sendmsg(2) gathering them: no copy joins them first.
    const parts = this.#options.sealer.sealParts(body && body.length > 0 ? [head, body] : [head]);
    return new Promise((resolve) => {
      this.#out.send(parts, () => resolve());
    });
  }

  /** Leaves the group and closes the socket. */
  close(): void {
    try {
      this.#socket.dropMembership(this.#options.group.address, this.#options.interface);
    } catch {
      // already gone
    }
    this.#socket.close();
    this.#out.close();
    this.#onDidReceive.dispose();
  }
}
