import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { isLockstepError } from '../errors/lockstep-error.js';
import { parseDuration } from '../util/parse-duration.js';
import type { LockHold } from './client.js';
import type { Coordinator } from './coordinator.js';
import { CoordinatorError } from './coordinator-error.js';
import type { CoordinatorSession } from './coordinator-session.js';
import { LineSplitter } from '../util/line-splitter.js';
import { checkName } from './names.js';
import type { InternalWaitOptions } from './pending-wait.js';
import { formatError, formatReply, parseRequest, type ProtocolRequest } from './protocol.js';

/** Cancels one request's wait; `run` is set once the request has started waiting. */
interface Cancel {
  run?: (reason: Error) => void;
}

/** Limits and credentials of one connection, from the server's options. */
export interface ConnectionLimits {
  token: string;
  maxLineBytes: number;
  maxPending: number;
  authTimeoutMs: number;
}

/**
 * One TCP connection of the {@link CoordinatorServer}: authenticates, then holds one session
 * and answers its requests. Requests without an id run one after another, as in a shell
 * conversation; requests with `#id` run concurrently and are answered as they finish. When the
 * socket closes, the session ends: its waits are withdrawn and everything it held is released.
 */
export class ServerConnection {
  readonly #socket: Socket;
  readonly #coordinator: Coordinator;
  readonly #limits: ConnectionLimits;
  /** Requests with an id in flight, with the function that cancels their wait once it exists. */
  readonly #pending = new Map<string, Cancel>();
  /** Every wait in flight (with or without id), cancelled when the connection closes. */
  readonly #waits = new Set<Cancel>();
  readonly #holds = new Map<string, LockHold[]>();
  readonly #subscriptions = new Map<string, Disposable>();
  #session: CoordinatorSession | undefined;
  #authenticating = false;
  /** Lines that arrived while AUTH was being checked, answered in order once it is. */
  #early: string[] = [];
  #serial: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #closed = false;
  #authTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, coordinator: Coordinator, limits: ConnectionLimits) {
    this.#socket = socket;
    this.#coordinator = coordinator;
    this.#limits = limits;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    const splitter = new LineSplitter((line) => this.#onLine(line), {
      maxBytes: limits.maxLineBytes,
      onTooLong: () =>
        this.#write(formatError(undefined, ErrorCodes.COORDINATOR_LIMIT, `line too long: at most ${limits.maxLineBytes} bytes; the rest of it was dropped`)),
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => void this.close());
    this.#authTimer = setTimeout(() => {
      if (this.#session) return;
      this.#write(formatError(undefined, ErrorCodes.COORDINATOR_AUTH_FAILED, 'no AUTH within the time allowed; closing'));
      socket.end();
    }, limits.authTimeoutMs);
    this.#authTimer.unref();
  }

  /** The session, once authenticated. */
  get session(): CoordinatorSession | undefined {
    return this.#session;
  }

  /** Closes the connection and ends its session. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    const closed = new CoordinatorError(ErrorCodes.COORDINATOR_LOST, 'connection closed');
    for (const cancel of this.#waits) cancel.run?.(closed);
    this.#socket.destroy();
    await this.#session?.end(new CoordinatorError(ErrorCodes.COORDINATOR_LOST, `connection of session ${this.#session.id} (${this.#session.name}) closed`));
  }

  #write(line: string): void {
    if (!this.#closed && this.#socket.writable) this.#socket.write(line + '\n');
  }

  #onLine(line: string): void {
    if (this.#closed || line.trim() === '') return;
    let request: ProtocolRequest;
    try {
      request = parseRequest(line);
    } catch (error) {
      this.#write(errorReply(undefined, error));
      return;
    }
    if (!this.#session) {
      // `printf 'AUTH t\nSEM x 1\n' > /dev/tcp/…` sends both lines at once: the request waits
      // for the session rather than being refused because AUTH has not finished yet.
      if (this.#authenticating) {
        if (this.#early.length >= this.#limits.maxPending) {
          this.#write(formatError(request.id, ErrorCodes.COORDINATOR_LIMIT, `too many requests before authentication completed (at most ${this.#limits.maxPending})`));
        } else {
          this.#early.push(line);
        }
        return;
      }
      this.#beforeAuth(request);
      return;
    }
    if (this.#inFlight >= this.#limits.maxPending) {
      this.#write(formatError(request.id, ErrorCodes.COORDINATOR_LIMIT, `too many requests in flight on this connection (at most ${this.#limits.maxPending})`));
      return;
    }
    if (request.id !== undefined && this.#pending.has(request.id)) {
      this.#write(formatError(request.id, ErrorCodes.COORDINATOR_PROTOCOL, `request id #${request.id} is already in flight`));
      return;
    }
    const cancel: Cancel = {};
    if (request.id !== undefined) this.#pending.set(request.id, cancel);
    this.#waits.add(cancel);
    this.#inFlight++;
    const run = async (): Promise<void> => {
      let reply: string;
      try {
        reply = formatReply(request.id, await this.#handle(request, cancel));
      } catch (error) {
        reply = errorReply(request.id, error);
      }
      this.#inFlight--;
      this.#waits.delete(cancel);
      if (request.id !== undefined) this.#pending.delete(request.id);
      this.#write(reply);
    };
    if (request.id === undefined) this.#serial = this.#serial.then(run);
    else void run();
  }

  #beforeAuth(request: ProtocolRequest): void {
    if (request.verb === 'PING') return this.#write(formatReply(request.id, 'PONG'));
    if (request.verb === 'QUIT') {
      this.#write(formatReply(request.id, 'OK bye'));
      this.#socket.end();
      return;
    }
    if (request.verb !== 'AUTH') {
      return this.#write(formatError(request.id, ErrorCodes.COORDINATOR_AUTH_FAILED, 'authenticate first: AUTH <token>'));
    }
    if (this.#authenticating) return this.#write(formatError(request.id, ErrorCodes.COORDINATOR_PROTOCOL, 'AUTH already in progress'));
    if (!tokenMatches(request.args[0] ?? '', this.#limits.token)) {
      this.#write(formatError(request.id, ErrorCodes.COORDINATOR_AUTH_FAILED, 'the coordinator refused the token'));
      this.#socket.end();
      return;
    }
    this.#authenticating = true;
    const name = request.options.name ?? `${this.#socket.remoteAddress ?? '?'}:${this.#socket.remotePort ?? '?'}`;
    this.#coordinator.openSession({ name }).then(
      (session) => {
        clearTimeout(this.#authTimer);
        if (this.#closed) return void session.dispose();
        this.#session = session;
        session.onDidEnd(() => void this.close());
        this.#write(formatReply(request.id, `OK ${session.id}`));
        this.#replayEarly();
      },
      (error: unknown) => {
        this.#authenticating = false;
        this.#write(errorReply(request.id, error));
        this.#replayEarly();
      },
    );
  }

  #replayEarly(): void {
    const early = this.#early;
    this.#early = [];
    for (const line of early) this.#onLine(line);
  }

  async #handle(request: ProtocolRequest, cancel: Cancel): Promise<string> {
    const session = this.#session!;
    const { args, options } = request;
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
    const wait: InternalWaitOptions & { initial?: number; mode?: 'exclusive' | 'shared'; capacity?: number } = {
      exposeCancel: (run) => (cancel.run = run),
    };
    if (timeoutMs !== undefined) wait.timeoutMs = timeoutMs;
    switch (request.verb) {
      case 'PING':
        return 'PONG';
      case 'SEM': {
        const [name, delta] = need(request, 2, 'SEM <name> <delta> [timeout=<duration>] [initial=<n>]');
        const initial = options.initial === undefined ? undefined : integer('initial', options.initial);
        if (initial !== undefined) wait.initial = initial;
        const value = await session.semaphore(name, integer('delta', delta), wait);
        return `OK ${value}`;
      }
      case 'BARRIER': {
        const [name, count] = need(request, 2, 'BARRIER <name> <count> [timeout=<duration>]');
        const { generation } = await session.barrier(name, integer('count', count), wait);
        return `OK ${generation}`;
      }
      case 'LOCK': {
        const [resource] = need(request, 1, 'LOCK <resource> [mode=exclusive|shared] [capacity=<n>] [timeout=<duration>]');
        const mode = options.mode ?? 'exclusive';
        if (mode !== 'exclusive' && mode !== 'shared') throw protocol(`mode must be exclusive or shared, got "${mode}"`);
        const capacity = options.capacity === undefined ? undefined : integer('capacity', options.capacity);
        wait.mode = mode;
        if (capacity !== undefined) wait.capacity = capacity;
        const hold = await session.lock(resource, wait);
        const list = this.#holds.get(resource) ?? [];
        list.push(hold);
        this.#holds.set(resource, list);
        return `OK ${hold.fence}`;
      }
      case 'UNLOCK': {
        const [resource] = need(request, 1, 'UNLOCK <resource> [<fence>]');
        const fence = request.args[1];
        const list = this.#holds.get(resource) ?? [];
        const index = fence === undefined ? list.length - 1 : list.findIndex((h) => String(h.fence) === fence);
        const hold = list[index];
        if (!hold) throw protocol(`this session holds no lock "${resource}"${fence === undefined ? '' : ` with fence ${fence}`}`);
        list.splice(index, 1);
        if (list.length === 0) this.#holds.delete(resource);
        await hold.release();
        return 'OK';
      }
      case 'PUB': {
        const [channel] = need(request, 1, 'PUB <channel> <data>');
        await session.publish(channel, request.tail);
        return 'OK';
      }
      case 'SUB': {
        const [channel] = need(request, 1, 'SUB <channel>');
        if (!this.#subscriptions.has(channel)) {
          const sub = await session.subscribe(channel, (m) => this.#write(`MSG ${m.channel} ${m.from} ${m.data}`));
          this.#subscriptions.set(channel, sub);
        }
        return 'OK';
      }
      case 'UNSUB': {
        const [channel] = need(request, 1, 'UNSUB <channel>');
        const sub = this.#subscriptions.get(channel);
        this.#subscriptions.delete(channel);
        await sub?.dispose();
        return 'OK';
      }
      case 'INFO': {
        const [kind, name] = need(request, 2, 'INFO sem|barrier|lock <name>');
        checkName(kind, name);
        const recipes = this.#coordinator.recipes;
        if (kind === 'sem') {
          const { value, waiting } = await recipes.semaphores.info(name);
          return `OK value=${value} waiting=${waiting}`;
        }
        if (kind === 'barrier') {
          const b = await recipes.barriers.info(name);
          return `OK generation=${b.generation} count=${b.count} arrived=${b.arrived} state=${b.state}`;
        }
        if (kind === 'lock') {
          const { holders, waiting } = await recipes.locks.info(name);
          const held = holders.map((h) => `${h.name.replace(/[\s,]/g, '_')}:${h.mode}:${h.fence}`).join(',');
          return `OK holders=${holders.length} waiting=${waiting}${held ? ` held-by=${held}` : ''}`;
        }
        throw protocol(`INFO takes sem, barrier or lock, got "${kind}"`);
      }
      case 'CANCEL': {
        const [id] = need(request, 1, 'CANCEL <request-id>');
        const key = id.replace(/^#/, '');
        const target = this.#pending.get(key);
        target?.run?.(new CoordinatorError(ErrorCodes.COORDINATOR_TIMED_OUT, `request #${key} cancelled`));
        return target ? 'OK' : 'OK not-pending';
      }
      case 'AUTH':
        throw protocol('already authenticated');
      case 'QUIT':
        setImmediate(() => this.#socket.end());
        return 'OK bye';
      default:
        throw protocol(`unknown verb "${request.verb}": expected SEM, BARRIER, LOCK, UNLOCK, INFO, PUB, SUB, UNSUB, CANCEL, PING or QUIT`);
    }
  }
}

function need(request: ProtocolRequest, count: number, usage: string): [string, string, ...string[]] {
  if (request.args.length < count) throw protocol(`usage: ${usage}`);
  return request.args as [string, string, ...string[]];
}

function integer(what: string, text: string): number {
  if (!/^[+-]?\d{1,15}$/.test(text)) throw protocol(`${what} must be an integer, got "${text}"`);
  return Number(text);
}

function protocol(message: string): CoordinatorError {
  return new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, message);
}

function errorReply(id: string | undefined, error: unknown): string {
  if (isLockstepError(error)) return formatError(id, error.code, error.message);
  return formatError(id, ErrorCodes.COORDINATOR_PROTOCOL, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
