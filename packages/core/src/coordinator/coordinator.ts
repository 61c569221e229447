import { randomBytes } from 'node:crypto';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { EventEmitter, type Event } from '../event.js';
import type { CoordinatorBackend } from './backend.js';
import { Barriers } from './barriers.js';
import { Channels } from './channels.js';
import { CoordinatorError } from './coordinator-error.js';
import { CoordinatorSession } from './coordinator-session.js';
import { Locks } from './locks.js';
import { MemoryBackend } from './memory-backend.js';
import { RecipeContext } from './recipe-context.js';
import { Semaphores } from './semaphores.js';

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  /** Where state lives. Default: a new {@link MemoryBackend}, disposed with the coordinator. */
  backend?: CoordinatorBackend;
  /**
   * Lease TTL of a session. The coordinator keeps each open session's lease alive (every third
   * of the TTL); the TTL only runs out when this process stops doing so. Default 10 s.
   */
  sessionTtlMs?: number;
  /** Distinct names (semaphores, barriers, locks, channels) one session may use. Default 1000. */
  maxNamesPerSession?: number;
}

/** The recipes one coordinator runs over its backend; internal to the coordinator module. */
export interface CoordinatorRecipes {
  readonly semaphores: Semaphores;
  readonly barriers: Barriers;
  readonly locks: Locks;
  readonly channels: Channels;
}

/**
 * The broker of named semaphores, barriers, locks and channels. Clients work through sessions
 * ({@link Coordinator.openSession}); everything a session holds is released when it ends. The
 * network service ({@link CoordinatorServer}) opens one session per connection; the runner
 * opens one per node ({@link startRunCoordinator}).
 *
 * @example
 * const coordinator = new Coordinator();
 * const web1 = await coordinator.openSession({ name: 'web1' });
 * await web1.semaphore('restart', -1, { initial: 1, timeoutMs: 30_000 });
 */
export class Coordinator implements Disposable {
  /** The backend state lives in. */
  readonly backend: CoordinatorBackend;
  /** @internal the recipes, shared by every session of this coordinator */
  readonly recipes: CoordinatorRecipes;
  readonly #ownsBackend: boolean;
  readonly #ttlMs: number;
  readonly #maxNames: number;
  readonly #sessions = new Set<CoordinatorSession>();
  readonly #onDidChangeSessions = new EventEmitter<number>();
  #disposed = false;
  readonly #ctx: RecipeContext;

  /** Fires with the number of open sessions whenever a session opens or ends. */
  readonly onDidChangeSessions: Event<number> = this.#onDidChangeSessions.event;

  /**
   * @param options backend, session TTL and limits
   * @throws {TypeError} when an option is out of range
   */
  constructor(options: CoordinatorOptions = {}) {
    this.#ownsBackend = options.backend === undefined;
    this.backend = options.backend ?? new MemoryBackend();
    this.#ttlMs = options.sessionTtlMs ?? 10_000;
    this.#maxNames = options.maxNamesPerSession ?? 1000;
    if (!(this.#ttlMs >= 100)) throw new TypeError(`sessionTtlMs must be at least 100, got ${String(options.sessionTtlMs)}`);
    if (!(this.#maxNames >= 1)) throw new TypeError(`maxNamesPerSession must be at least 1, got ${String(options.maxNamesPerSession)}`);
    const ctx = new RecipeContext(this.backend);
    this.#ctx = ctx;
    this.recipes = { semaphores: new Semaphores(ctx), barriers: new Barriers(ctx), locks: new Locks(ctx), channels: new Channels(ctx) };
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Opens a session: grants a lease and records the session under it.
   * @param options.name a name for people (node name, client address), used in messages such as "web2 left the barrier"
   * @returns the session, a {@link CoordinatorClient}
   * @throws {CoordinatorError} `COORDINATOR_LOST` when the coordinator is disposed
   */
  async openSession(options: { name?: string } = {}): Promise<CoordinatorSession> {
    if (this.#disposed) throw new CoordinatorError(ErrorCodes.COORDINATOR_LOST, 'the coordinator has been disposed');
    const id = randomBytes(6).toString('hex');
    const lease = await this.backend.grantLease(this.#ttlMs);
    const name = options.name ?? id;
    await this.backend.txn({
      compare: [],
      success: [{ type: 'put', key: `session/${id}`, value: JSON.stringify({ name }), lease }],
    });
    const session = new CoordinatorSession({
      id,
      name,
      lease,
      ttlMs: this.#ttlMs,
      maxNames: this.#maxNames,
      backend: this.backend,
      recipes: this.recipes,
      onEnd: () => {
        this.#sessions.delete(session);
        this.#onDidChangeSessions.fire(this.#sessions.size);
      },
    });
    this.#sessions.add(session);
    this.#onDidChangeSessions.fire(this.#sessions.size);
    return session;
  }

  /** Ends every session and, if the coordinator created its backend, disposes it. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all([...this.#sessions].map((s) => s.dispose()));
    this.#onDidChangeSessions.dispose();
    this.#ctx.dispose();
    if (this.#ownsBackend) await this.backend.dispose();
  }
}
