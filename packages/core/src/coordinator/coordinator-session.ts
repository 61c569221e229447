import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { EventEmitter, type Event } from '../event.js';
import type { CoordinatorBackend, LeaseId } from './backend.js';
import type { ChannelMessage, CoordinatorClient, LockHold, WaitOptions } from './client.js';
import type { CoordinatorRecipes } from './coordinator.js';
import { CoordinatorError } from './coordinator-error.js';
import { capacityOf, checkInteger, checkName } from './names.js';
import type { Cancellable } from './pending-wait.js';
import type { SessionInfo } from './session-info.js';

/** What a {@link CoordinatorSession} is built from; made by {@link Coordinator.openSession}. */
export interface CoordinatorSessionInit {
  id: string;
  name: string;
  lease: LeaseId;
  ttlMs: number;
  maxNames: number;
  backend: CoordinatorBackend;
  recipes: CoordinatorRecipes;
  onEnd: () => void;
}

/**
 * One session of a {@link Coordinator}, used in-process (the runner's per-node sessions) and
 * behind each TCP connection of the {@link CoordinatorServer}. Its lease is kept alive while it
 * is open; when it ends (dispose, {@link CoordinatorSession.end}, lease lost) its pending waits
 * are withdrawn, then the lease is revoked, which deletes every key it held: locks are
 * released, barrier generations it waited in are broken for the others.
 */
export class CoordinatorSession implements CoordinatorClient, SessionInfo {
  readonly id: string;
  readonly name: string;
  readonly lease: LeaseId;
  readonly #init: CoordinatorSessionInit;
  readonly #pending = new Set<Cancellable>();
  readonly #subscriptions = new Set<Disposable>();
  readonly #names = new Set<string>();
  readonly #onDidEnd = new EventEmitter<Error>();
  readonly #keepAlive: NodeJS.Timeout;
  #requests = 0;
  #ended: Promise<void> | undefined;

  /** Fires when the session ends for a reason other than dispose (its lease was lost, its connection dropped). */
  readonly onDidEnd: Event<Error> = this.#onDidEnd.event;

  constructor(init: CoordinatorSessionInit) {
    this.#init = init;
    this.id = init.id;
    this.name = init.name;
    this.lease = init.lease;
    this.#keepAlive = setInterval(() => {
      init.backend.keepAlive(init.lease).then(
        (alive) => {
          if (!alive) void this.end(new CoordinatorError(ErrorCodes.COORDINATOR_LOST, `session ${this.id} (${this.name}): its lease expired`));
        },
        () => undefined,
      );
    }, Math.max(50, Math.floor(init.ttlMs / 3)));
    this.#keepAlive.unref();
  }

  /** Same as {@link CoordinatorSession.id}. */
  get sessionId(): string {
    return this.id;
  }

  /** True once the session has ended. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** @internal a request id unique in this session */
  nextRequestId(): string {
    return (++this.#requests).toString(36);
  }

  /** @internal registers a wait to cancel when the session ends */
  track(wait: Cancellable): boolean {
    if (this.#ended) {
      void wait.cancel(this.#lost());
      return false;
    }
    this.#pending.add(wait);
    wait.promise.then(
      () => this.#pending.delete(wait),
      () => this.#pending.delete(wait),
    );
    return true;
  }

  async semaphore(name: string, delta: number, options: WaitOptions & { initial?: number } = {}): Promise<number> {
    this.#use('semaphore', name);
    checkInteger('semaphore delta', delta);
    if (options.initial !== undefined) checkInteger('semaphore initial value', options.initial, 0);
    return this.#init.recipes.semaphores.apply(this, name, delta, checkWait(options));
  }

  async barrier(name: string, count: number, options: WaitOptions = {}): Promise<{ generation: number }> {
    this.#use('barrier', name);
    checkInteger('barrier count', count, 1);
    return this.#init.recipes.barriers.arrive(this, name, count, checkWait(options));
  }

  async lock(resource: string, options: WaitOptions & { mode?: 'exclusive' | 'shared'; capacity?: number } = {}): Promise<LockHold> {
    this.#use('lock', resource);
    const mode = options.mode ?? 'exclusive';
    if (mode !== 'exclusive' && mode !== 'shared') throw protocol(`lock mode must be "exclusive" or "shared", got "${String(mode)}"`);
    const capacity = checkInteger('lock capacity', options.capacity ?? capacityOf(resource) ?? 1, 1);
    return this.#init.recipes.locks.acquire(this, resource, { mode, capacity }, checkWait(options));
  }

  async publish(channel: string, data: string): Promise<void> {
    this.#use('channel', channel);
    await this.#init.recipes.channels.publish(this, channel, data);
  }

  async subscribe(channel: string, listener: (message: ChannelMessage) => void): Promise<Disposable> {
    this.#use('channel', channel);
    const watch = await this.#init.recipes.channels.subscribe(channel, listener);
    const subscription: Disposable = {
      dispose: async () => {
        if (!this.#subscriptions.delete(subscription)) return;
        await watch.dispose();
      },
    };
    if (this.#ended) await watch.dispose();
    else this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Ends the session normally: waits withdrawn, holds released. */
  dispose(): Promise<void> {
    return this.end();
  }

  /**
   * Ends the session. With a `reason` (connection lost, lease expired) {@link onDidEnd} fires
   * with it and pending waits are rejected with it.
   */
  end(reason?: Error): Promise<void> {
    this.#ended ??= this.#finish(reason);
    return this.#ended;
  }

  async #finish(reason: Error | undefined): Promise<void> {
    clearInterval(this.#keepAlive);
    const error = reason ?? this.#lost();
    // Withdraw waits first, so barrier partners learn who left, then revoke the lease, which
    // deletes everything else the session held in one revision.
    await Promise.all([...this.#pending].map((w) => w.cancel(error)));
    await Promise.all([...this.#subscriptions].map((s) => s.dispose()));
    await this.#init.backend.revokeLease(this.lease).catch(() => undefined);
    this.#init.onEnd();
    if (reason) this.#onDidEnd.fire(reason);
    this.#onDidEnd.dispose();
  }

  #use(kind: string, name: string): void {
    if (this.#ended) throw this.#lost();
    checkName(kind, name);
    const key = `${kind}:${name}`;
    if (this.#names.has(key)) return;
    if (this.#names.size >= this.#init.maxNames) {
      throw new CoordinatorError(
        ErrorCodes.COORDINATOR_LIMIT,
        `session ${this.id} (${this.name}) may use at most ${this.#init.maxNames} names; "${name}" would be one more`,
      );
    }
    this.#names.add(key);
  }

  #lost(): CoordinatorError {
    return new CoordinatorError(ErrorCodes.COORDINATOR_LOST, `session ${this.id} (${this.name}) has ended`);
  }
}

function checkWait<T extends WaitOptions>(options: T): T {
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0)) {
    throw protocol(`timeout must be a duration ≥ 0, got ${String(options.timeoutMs)}`);
  }
  return options;
}

function protocol(message: string): CoordinatorError {
  return new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, message);
}
