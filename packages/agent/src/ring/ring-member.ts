import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { ErrorCodes, LockstepError } from '@lockstep/core';
import type { ControlServer } from '../control/control-server.js';
import { decodeMessage, encodeMessage } from '../wire/messages.js';
import type { Sealer } from '../wire/seal.js';

/** Consecutive lost messages after which a tour stops: the ring is broken. */
const BROKEN_AFTER = 3;

/** Largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD = 65_507;

/** A member's part in one tour, set by the coordinator before the tour starts. */
export interface RingPrepare {
  tour: string;
  /** Ring socket of the next member, `HOST:PORT`. */
  next: string;
  origin: boolean;
  count: number;
  msgBytes: number;
  forwardImmediately: boolean;
  memberTimeoutMs: number;
  /** Members in the ring (hops of a tour). */
  hops: number;
}

interface TourState extends RingPrepare {
  received: number;
  forwarded: number;
  held: Buffer[];
  flushTimer?: NodeJS.Timeout;
  arrivals: Map<number, number>;
  wake?: () => void;
}

/** How to open a {@link RingMember}. */
export interface RingMemberOptions {
  interface: string;
  port: number;
  sealer: Sealer;
  self: string;
  name: string;
}

function throwIfTooLarge(error: NodeJS.ErrnoException | undefined, msgBytes: number): void {
  if (error?.code === 'EMSGSIZE') throw new LockstepError(ErrorCodes.RING_MESSAGE_SIZE, `msg-bytes ${msgBytes} is too large to send (EMSGSIZE)`);
}

function splitEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) };
}

/**
 * The agent as a ring member (stillepost's member mode): a UDP socket on the interface address
 * that forwards tour messages to the next member (at once, or after all `count` arrived or the
 * member timeout passed), answers echo requests, and, on the origin, times each message's tour.
 */
export class RingMember {
  readonly #socket: Socket;
  readonly #options: RingMemberOptions;
  readonly #tours = new Map<string, TourState>();
  readonly #echoes = new Map<string, (at: number) => void>();
  /** `HOST:PORT` of the ring socket. */
  readonly endpoint: string;

  private constructor(socket: Socket, options: RingMemberOptions) {
    this.#socket = socket;
    this.#options = options;
    const address = socket.address();
    this.endpoint = `${options.interface}:${address.port}`;
    socket.on('message', (datagram, rinfo) => this.#receive(datagram, rinfo));
    socket.on('error', () => undefined);
  }

  /**
   * Binds the ring socket.
   * @param options interface address, port (0 for any), sealer
   */
  static async open(options: RingMemberOptions): Promise<RingMember> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: options.port, address: options.interface }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      // capped by the kernel; fine
    }
    return new RingMember(socket, options);
  }

  /** What the member holds, for `--status`. */
  status(): { endpoint: string; tours: number } {
    return { endpoint: this.endpoint, tours: this.#tours.size };
  }

  #receive(datagram: Buffer, rinfo: RemoteInfo): void {
    const payload = this.#options.sealer.open(datagram);
    const message = payload && decodeMessage(payload);
    if (!message) return;
    const at = performance.now();
    if (message.type === 'echo') {
      this.#send(this.#options.sealer.seal(encodeMessage('echoReply', { nonce: message.header.nonce })), `${rinfo.address}:${rinfo.port}`);
    } else if (message.type === 'echoReply') {
      this.#echoes.get(String(message.header.nonce))?.(at);
    } else if (message.type === 'ring') {
      const tour = this.#tours.get(String(message.header.t));
      if (!tour) return;
      const seq = Number(message.header.s);
      if (tour.origin) {
        if (!tour.arrivals.has(seq)) tour.arrivals.set(seq, at);
        tour.wake?.();
        return;
      }
      tour.received++;
      if (tour.forwardImmediately) {
        tour.forwarded++;
        this.#send(datagram, tour.next);
        return;
      }
      tour.held.push(datagram);
      tour.flushTimer ??= setTimeout(() => this.#flush(tour), tour.memberTimeoutMs);
      if (tour.held.length >= tour.count) this.#flush(tour);
    }
  }

  #flush(tour: TourState): void {
    clearTimeout(tour.flushTimer);
    for (const datagram of tour.held.splice(0)) {
      tour.forwarded++;
      this.#send(datagram, tour.next);
    }
  }

  /**
   * Sends a datagram. Resolves with the send error instead of rejecting: a forward to a dead
   * member (ICMP port unreachable surfaces as ECONNREFUSED on the next send) is a lost
   * message, not a crash.
   */
  #send(datagram: Buffer, endpoint: string): Promise<NodeJS.ErrnoException | undefined> {
    const { host, port } = splitEndpoint(endpoint);
    return new Promise((resolve) => {
      try {
        this.#socket.send(datagram, port, host, (error) => resolve(error ?? undefined));
      } catch (error) {
        resolve(error as NodeJS.ErrnoException);
      }
    });
  }

  /**
   * Sends echo requests to a ring socket and times the replies.
   * @param endpoint `HOST:PORT`
   * @param count requests, one after another
   * @param timeoutMs how long to wait for each reply
   * @returns round-trip times in ms, `null` for a lost one
   */
  async echo(endpoint: string, count: number, timeoutMs: number): Promise<Array<number | null>> {
    const times: Array<number | null> = [];
    for (let i = 0; i < count; i++) {
      const nonce = randomBytes(6).toString('hex');
      const sentAt = performance.now();
      const rtt = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), timeoutMs);
        this.#echoes.set(nonce, (at) => {
          clearTimeout(timer);
          resolve(at - sentAt);
        });
        void this.#send(this.#options.sealer.seal(encodeMessage('echo', { nonce })), endpoint);
      });
      this.#echoes.delete(nonce);
      times.push(rtt);
    }
    return times;
  }

  /**
   * Builds a tour message of exactly `msgBytes` on the wire.
   * @throws {LockstepError} `RING_MESSAGE_SIZE` when it cannot fit one datagram or the header
   */
  message(tour: string, seq: number, msgBytes: number): Buffer {
    // Short keys: a 64-byte message must still fit its header and the seal.
    const bare = encodeMessage('ring', { t: tour, s: seq });
    const minimum = bare.length + this.#options.sealer.overhead;
    if (msgBytes > MAX_UDP_PAYLOAD) throw new LockstepError(ErrorCodes.RING_MESSAGE_SIZE, `msg-bytes ${msgBytes} does not fit one UDP datagram (at most ${MAX_UDP_PAYLOAD})`);
    if (msgBytes < minimum) throw new LockstepError(ErrorCodes.RING_MESSAGE_SIZE, `msg-bytes ${msgBytes} is below the ${minimum} bytes a tour message's header and seal take`);
    return this.#options.sealer.seal(encodeMessage('ring', { t: tour, s: seq }, Buffer.alloc(msgBytes - minimum, 0x2e)));
  }

  /**
   * Registers the member's control methods: `ring.info`, `ring.prepare`, `ring.start`
   * (origin), `ring.stats`.
   * @param server the agent's control server
   */
  register(server: ControlServer): void {
    server.handle('ring.info', async () => ({ endpoint: this.endpoint, name: this.#options.name }));
    server.handle('ring.prepare', async (params) => {
      const prepare = params as unknown as RingPrepare;
      if (prepare.origin) this.message(prepare.tour, 0, prepare.msgBytes);
      for (const old of this.#tours.values()) clearTimeout(old.flushTimer);
      this.#tours.clear();
      this.#tours.set(prepare.tour, { ...prepare, received: 0, forwarded: 0, held: [], arrivals: new Map() });
      return { ok: true };
    });
    server.handle('ring.stats', async (params) => {
      const tour = this.#tours.get(String(params.tour));
      return tour ? { received: tour.received, forwarded: tour.forwarded } : { received: 0, forwarded: 0, unknown: true };
    });
    server.handle('ring.start', async (params) => this.#runTour(String(params.tour)));
  }

  async #runTour(id: string): Promise<{ times: Array<number | null>; totalMs: number }> {
    const tour = this.#tours.get(id);
    if (!tour?.origin) throw new LockstepError(ErrorCodes.RING_NOT_CONFIGURED, `this member is not the origin of tour ${id}`);
    const waitFor = (ready: () => boolean, until: number) =>
      new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          clearTimeout(timer);
          if (ready() || performance.now() >= until) {
            tour.wake = undefined;
            resolve();
            return;
          }
          // Timers may fire a fraction of a millisecond early: re-arm until the deadline.
          timer = setTimeout(check, Math.max(1, Math.ceil(until - performance.now())));
        };
        tour.wake = check;
        check();
      });
    const sent: number[] = [];
    const started = performance.now();
    {
      if (tour.forwardImmediately) {
        // One message at a time: each tour time is then free of queueing behind the others.
        let lostInARow = 0;
        for (let seq = 0; seq < tour.count; seq++) {
          const datagram = this.message(id, seq, tour.msgBytes);
          sent[seq] = performance.now();
          throwIfTooLarge(await this.#send(datagram, tour.next), tour.msgBytes);
          await waitFor(() => tour.arrivals.has(seq), sent[seq]! + tour.memberTimeoutMs);
          lostInARow = tour.arrivals.has(seq) ? 0 : lostInARow + 1;
          // Several losses in a row mean a broken ring (a dead member): stop rather than wait
          // out the member timeout for every remaining message; the rest count as lost.
          if (lostInARow >= BROKEN_AFTER) {
            for (let rest = seq + 1; rest < tour.count; rest++) sent[rest] = performance.now();
            break;
          }
        }
      } else {
        for (let seq = 0; seq < tour.count; seq++) {
          const datagram = this.message(id, seq, tour.msgBytes);
          sent[seq] = performance.now();
          throwIfTooLarge(await this.#send(datagram, tour.next), tour.msgBytes);
        }
        await waitFor(() => tour.arrivals.size >= tour.count, performance.now() + tour.memberTimeoutMs * (tour.hops + 1));
      }
    }
    const times = sent.map((at, seq) => {
      const back = tour.arrivals.get(seq);
      return back === undefined ? null : back - at;
    });
    return { times, totalMs: performance.now() - started };
  }

  /** Closes the socket. */
  close(): void {
    for (const tour of this.#tours.values()) clearTimeout(tour.flushTimer);
    this.#socket.close();
  }
}
