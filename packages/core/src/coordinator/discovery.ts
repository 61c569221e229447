import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { CoordinatorError } from './coordinator-error.js';

/** Where discovery happens: a multicast group and port, and the local interface to use. */
export interface DiscoveryEndpoint {
  /** IPv4 multicast group, e.g. `239.255.0.1` (flom's `-A`). */
  group: string;
  /** UDP port (flom's `-P`), e.g. 28015. */
  port: number;
  /**
   * Address of the local interface to send and join on. Always explicit, never the default
   * route: `127.0.0.1` keeps discovery on this machine.
   */
  interface: string;
}

const QUERY = 'LOCKSTEP-DISCOVER 1';
const ANSWER = 'LOCKSTEP-COORDINATOR 1';

/**
 * Parses `--discover group:port`.
 * @param text e.g. `239.255.0.1:28015`; a bare group uses port 28015 (flom's default)
 * @param iface the interface address (`--interface`)
 * @returns the endpoint
 * @throws {CoordinatorError} `COORDINATOR_PROTOCOL` for a group that is not IPv4 multicast or a bad port
 */
export function parseDiscoveryEndpoint(text: string, iface = '127.0.0.1'): DiscoveryEndpoint {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  const group = match?.[1] ?? '';
  const port = match?.[2] === undefined ? 28015 : Number(match[2]);
  const first = Number(group.split('.')[0]);
  if (!match || !isIPv4(group) || first < 224 || first > 239 || !(port > 0 && port < 65536)) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, `invalid discovery address "${text}": expected an IPv4 multicast group and port, e.g. 239.255.0.1:28015`);
  }
  if (!isIPv4(iface)) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, `invalid discovery interface "${iface}": expected the IPv4 address of a local interface, e.g. 127.0.0.1`);
  }
  return { group, port, interface: iface };
}

/**
 * Answers discovery queries on a multicast group with the coordinator's address, signed with
 * HMAC-SHA256 under the token so a client can tell a genuine answer from a stray or forged one.
 */
export class DiscoveryResponder implements Disposable {
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * Joins the group on the interface and starts answering.
   * @param endpoint group, port, interface
   * @param answer the coordinator's `host:port` and token
   * @returns the running responder
   * @throws {CoordinatorError} `COORDINATOR_UNREACHABLE` when the port cannot be bound or the group joined
   */
  static async start(endpoint: DiscoveryEndpoint, answer: { address: string; token: string }): Promise<DiscoveryResponder> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const startedAt = String(Date.now());
    socket.on('message', (message, from) => {
      const text = message.toString('utf8');
      if (!text.startsWith(QUERY + ' ')) return;
      const nonce = text.slice(QUERY.length + 1).trim();
      if (!/^[0-9a-f]{16,64}$/.test(nonce)) return;
      const reply = `${ANSWER} ${nonce} ${answer.address} ${startedAt} ${sign(answer.token, nonce, answer.address, startedAt)}`;
      socket.send(reply, from.port, from.address);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(endpoint.port, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.addMembership(endpoint.group, endpoint.interface);
      socket.setMulticastInterface(endpoint.interface);
    } catch (error) {
      socket.close();
      throw new CoordinatorError(
        ErrorCodes.COORDINATOR_UNREACHABLE,
        `cannot answer discovery on ${endpoint.group}:${endpoint.port} via ${endpoint.interface}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    socket.on('error', () => undefined);
    return new DiscoveryResponder(socket);
  }

  /** Leaves the group and closes the socket. */
  dispose(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * Asks the group for a coordinator and returns the first answer signed with `token`.
 * @param endpoint group, port, interface
 * @param options.token the shared token answers must be signed with
 * @param options.timeoutMs how long to wait for an answer (default 1 s); the query is sent 3 times in that time (UDP may drop one)
 * @returns the `host:port` of the oldest coordinator that answered within 100 ms of the first answer, or undefined when none answered
 */
export async function discoverCoordinator(endpoint: DiscoveryEndpoint, options: { token: string; timeoutMs?: number }): Promise<string | undefined> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const nonce = randomBytes(16).toString('hex');
  const socket = createSocket({ type: 'udp4' });
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, endpoint.interface, () => resolve());
    });
    socket.setMulticastInterface(endpoint.interface);
    socket.setMulticastLoopback(true);
    socket.setMulticastTTL(1);
    return await new Promise<string | undefined>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const answers: Array<{ address: string; startedAt: number }> = [];
      const finish = (): void => {
        for (const t of timers) clearTimeout(t);
        // Two coordinators may answer (two clients started one each at the same moment);
        // every client picks the oldest, so they all end up on the same one.
        answers.sort((a, b) => a.startedAt - b.startedAt || (a.address < b.address ? -1 : 1));
        resolve(answers[0]?.address);
      };
      socket.on('message', (message) => {
        const words = message.toString('utf8').split(' ');
        // LOCKSTEP-COORDINATOR 1 <nonce> <address> <startedAt> <hmac>
        if (words.length !== 6 || `${words[0]} ${words[1]}` !== ANSWER || words[2] !== nonce) return;
        const [address, startedAt, mac] = [words[3]!, words[4]!, words[5]!];
        if (!/^\d{1,16}$/.test(startedAt) || !verify(options.token, nonce, address, startedAt, mac)) return;
        if (answers.some((a) => a.address === address)) return;
        answers.push({ address, startedAt: Number(startedAt) });
        if (answers.length === 1) timers.push(setTimeout(finish, Math.min(100, timeoutMs)));
      });
      const send = (): void => socket.send(`${QUERY} ${nonce}`, endpoint.port, endpoint.group);
      send();
      timers.push(setTimeout(send, timeoutMs / 3), setTimeout(send, (2 * timeoutMs) / 3), setTimeout(finish, timeoutMs));
    });
  } catch (error) {
    throw new CoordinatorError(
      ErrorCodes.COORDINATOR_UNREACHABLE,
      `cannot send a discovery query to ${endpoint.group}:${endpoint.port} via ${endpoint.interface}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    socket.close();
  }
}

function sign(token: string, nonce: string, address: string, startedAt: string): string {
  return createHmac('sha256', token).update(`${nonce} ${address} ${startedAt}`).digest('hex');
}

function verify(token: string, nonce: string, address: string, startedAt: string, mac: string): boolean {
  const expected = Buffer.from(sign(token, nonce, address, startedAt), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
