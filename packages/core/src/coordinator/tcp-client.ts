import { connect, type Socket } from 'node:net';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { EventEmitter, type Event } from '../event.js';
import { formatDuration } from '../util/parse-duration.js';
import type { ChannelMessage, CoordinatorClient, LockHold, WaitOptions } from './client.js';
import { CoordinatorError } from './coordinator-error.js';
import { LineSplitter } from '../util/line-splitter.js';
import { parseReply } from './protocol.js';

/** Options of {@link connectCoordinator}. */
export interface ConnectCoordinatorOptions {
  /** `host:port` (IPv6 as `[::1]:port`), e.g. the value of `LOCKSTEP_COORDINATOR`. */
  address: string;
  /** The coordinator's token, e.g. `LOCKSTEP_TOKEN`. */
  token: string;
  /** Give up connecting and authenticating after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** A name for the session, shown in other clients' errors ("web2 left the barrier"). */
  name?: string;
  /** Interval of PING heartbeats; the session counts as lost after two unanswered. 0 disables. Default 5 s. */
  heartbeatMs?: number;
}

interface Pending {
  resolve: (value: string) => void;
  reject: (error: Error) => void;
}

/**
 * Connects to a coordinator over TCP and authenticates, giving a {@link CoordinatorClient} bound
 * to a new session. The session lasts as long as the connection.
 *
 * @param options address, token, timeouts
 * @returns the connected client
 * @throws {CoordinatorError} `COORDINATOR_UNREACHABLE` naming the address when it cannot connect within the timeout; `COORDINATOR_AUTH_FAILED` for a refused token
 * @example
 * const client = await connectCoordinator({ address: process.env.LOCKSTEP_COORDINATOR!, token: process.env.LOCKSTEP_TOKEN! });
 * const hold = await client.lock('db', { timeoutMs: 10_000 });
 */
export async function connectCoordinator(options: ConnectCoordinatorOptions): Promise<TcpCoordinatorClient> {
  const { host, port } = parseAddress(options.address);
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  const client = new TcpCoordinatorClient(socket, options.address, options.heartbeatMs ?? 5000);
  let timer: NodeJS.Timeout | undefined;
  // One deadline covers connecting and authenticating: a server that accepts but never
  // answers is as unreachable as one that does not accept.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreachable(options.address, `no answer within ${formatDuration(timeoutMs)}`)), timeoutMs);
  });
  deadline.catch(() => undefined);
  try {
    await Promise.race([
      deadline,
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', (error: NodeJS.ErrnoException) => reject(unreachable(options.address, describeSocketError(error), error)));
      }),
    ]);
    const auth = `AUTH ${options.token}${options.name ? ` name=${options.name.replace(/\s+/g, '_')}` : ''}`;
    const sessionId = await Promise.race([deadline, client.request(auth)]);
    client.start(sessionId);
    return client;
  } catch (error) {
    socket.destroy();
    if (error instanceof CoordinatorError && error.code === ErrorCodes.COORDINATOR_AUTH_FAILED) {
      throw new CoordinatorError(ErrorCodes.COORDINATOR_AUTH_FAILED, `coordinator at ${options.address}: ${error.message}`);
    }
    if (error instanceof CoordinatorError && error.code === ErrorCodes.COORDINATOR_LOST) {
      throw unreachable(options.address, 'the connection closed before authentication completed (is it a lockstep coordinator?)', error);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A {@link CoordinatorClient} speaking the line protocol over one TCP connection. */
export class TcpCoordinatorClient implements CoordinatorClient {
  readonly #socket: Socket;
  readonly #address: string;
  readonly #pending = new Map<string, Pending>();
  readonly #channels = new Map<string, Set<(message: ChannelMessage) => void>>();
  readonly #onDidEnd = new EventEmitter<Error>();
  readonly #heartbeatMs: number;
  #sessionId = '';
  #nextId = 1;
  #disposed = false;
  #ended: Error | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  /** Fires once when the connection is lost (not on dispose). */
  readonly onDidEnd: Event<Error> = this.#onDidEnd.event;

  /** @internal use {@link connectCoordinator} */
  constructor(socket: Socket, address: string, heartbeatMs: number) {
    this.#socket = socket;
    this.#address = address;
    this.#heartbeatMs = heartbeatMs;
    const splitter = new LineSplitter((line) => this.#onLine(line), { maxBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#onClose());
  }

  /** The session id the coordinator gave this connection. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The address this client is connected to. */
  get address(): string {
    return this.#address;
  }

  /** @internal */
  start(sessionId: string): void {
    this.#sessionId = sessionId;
    if (this.#heartbeatMs > 0) {
      let unanswered = 0;
      this.#heartbeat = setInterval(() => {
        if (++unanswered > 2) {
          this.#socket.destroy();
          return;
        }
        this.request('PING').then(
          () => (unanswered = 0),
          () => undefined,
        );
      }, this.#heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /**
   * Sends one request line (without id; one is added) and resolves with the text after `OK`.
   * @throws {CoordinatorError} with the code of the server's `ERR` reply, or `COORDINATOR_LOST`
   */
  request(body: string, signal?: AbortSignal): Promise<string> {
    if (this.#ended) return Promise.reject(this.#ended);
    if (body.includes('\n') || body.includes('\r')) return Promise.reject(new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, 'a request cannot contain a newline'));
    const id = (this.#nextId++).toString(36);
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.#pending.has(id)) this.#socket.write(`CANCEL ${id}\n`);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      this.#socket.write(`#${id} ${body}\n`);
      if (signal?.aborted) onAbort();
    });
  }

  async semaphore(name: string, delta: number, options: WaitOptions & { initial?: number } = {}): Promise<number> {
    const initial = options.initial === undefined ? '' : ` initial=${options.initial}`;
    return Number(await this.request(`SEM ${word(name)} ${delta}${timeout(options)}${initial}`, options.signal));
  }

  async barrier(name: string, count: number, options: WaitOptions = {}): Promise<{ generation: number }> {
    return { generation: Number(await this.request(`BARRIER ${word(name)} ${count}${timeout(options)}`, options.signal)) };
  }

  async lock(resource: string, options: WaitOptions & { mode?: 'exclusive' | 'shared'; capacity?: number } = {}): Promise<LockHold> {
    const mode = options.mode ?? 'exclusive';
    const capacity = options.capacity === undefined ? '' : ` capacity=${options.capacity}`;
    const fence = Number(await this.request(`LOCK ${word(resource)} mode=${mode}${capacity}${timeout(options)}`, options.signal));
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => (released ??= this.#ended ? Promise.resolve() : this.request(`UNLOCK ${resource} ${fence}`).then(() => undefined));
    return { resource, mode, fence, release, dispose: release };
  }

  async publish(channel: string, data: string): Promise<void> {
    await this.request(`PUB ${word(channel)} ${data}`);
  }

  async subscribe(channel: string, listener: (message: ChannelMessage) => void): Promise<Disposable> {
    let listeners = this.#channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
      try {
        await this.request(`SUB ${word(channel)}`);
      } catch (error) {
        this.#channels.delete(channel);
        throw error;
      }
    }
    listeners.add(listener);
    const set = listeners;
    return {
      dispose: async () => {
        if (!set.delete(listener) || set.size > 0) return;
        this.#channels.delete(channel);
        if (!this.#ended) await this.request(`UNSUB ${channel}`).catch(() => undefined);
      },
    };
  }

  /** Closes the connection; the coordinator ends the session and releases what it held. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    clearInterval(this.#heartbeat);
    if (this.#socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.end();
      setTimeout(() => this.#socket.destroy(), 1000).unref();
    });
  }

  #onLine(line: string): void {
    let reply;
    try {
      reply = parseReply(line);
    } catch {
      return;
    }
    if (reply.kind === 'msg') {
      const message: ChannelMessage = { channel: reply.channel, from: reply.from, data: reply.data };
      for (const listener of [...(this.#channels.get(reply.channel) ?? [])]) listener(message);
      return;
    }
    if (reply.id === undefined) {
      if (reply.kind === 'err' && reply.code === ErrorCodes.COORDINATOR_AUTH_FAILED) this.#ended ??= new CoordinatorError(reply.code, reply.message);
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.kind === 'err') pending.reject(new CoordinatorError(reply.code, reply.message));
    else pending.resolve(reply.kind === 'ok' ? reply.value : 'PONG');
  }

  #onClose(): void {
    clearInterval(this.#heartbeat);
    const error = new CoordinatorError(
      ErrorCodes.COORDINATOR_LOST,
      this.#disposed ? `connection to the coordinator at ${this.#address} closed` : `lost the connection to the coordinator at ${this.#address}`,
    );
    this.#ended ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    if (!this.#disposed) this.#onDidEnd.fire(error);
    this.#onDidEnd.dispose();
  }
}

/**
 * Splits `host:port` (or `[v6]:port`).
 * @param address the text
 * @param options.listening allow port 0 (any free port), for an address to listen on
 * @returns host and port
 * @throws {CoordinatorError} `COORDINATOR_UNREACHABLE` for an address without a valid port
 */
export function parseAddress(address: string, options: { listening?: boolean } = {}): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= (options.listening ? 0 : 1) && port < 65536)) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_UNREACHABLE, `invalid coordinator address "${address}": expected host:port`);
  }
  return { host: match[1] ?? match[2]!, port };
}

function unreachable(address: string, reason: string, cause?: unknown): CoordinatorError {
  return new CoordinatorError(ErrorCodes.COORDINATOR_UNREACHABLE, `coordinator at ${address} unreachable: ${reason}`, { cause });
}

function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is `lockstep coordinator` running there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to host';
    default:
      return error.message;
  }
}

function timeout(options: WaitOptions): string {
  return options.timeoutMs === undefined ? '' : ` timeout=${Math.max(0, Math.round(options.timeoutMs))}ms`;
}

function word(name: string): string {
  if (name.length === 0 || /[\s]/.test(name)) throw new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, `name "${name}" is empty or contains whitespace`);
  return name;
}
