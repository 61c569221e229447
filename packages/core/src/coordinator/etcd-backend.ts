import type { Etcd3, ICompare, IRequestOp, ITxnResponse } from 'etcd3';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import {
  LeaseNotFoundError,
  type CoordinatorBackend,
  type LeaseId,
  type RangeRequest,
  type RangeResult,
  type TxnRequest,
  type TxnResult,
  type WatchEvent,
} from './backend.js';
import { CoordinatorError } from './coordinator-error.js';
import { EtcdKeySpace } from './etcd-convert.js';
import { EtcdKeepAlive } from './etcd-keepalive.js';
import { normalizeEtcdBackendOptions, type EtcdBackendOptions, type NormalizedEtcdBackendOptions } from './etcd-options.js';
import { EtcdTxnGuard, isLeaseNotFound } from './etcd-txn-guard.js';
import { EtcdWatchHub } from './etcd-watch.js';

/** TTL of the lease this process's transaction-guard keys live under. */
const GUARD_LEASE_TTL_S = 60;
/** Per-call gRPC deadline: a call to a hung member fails after this and is retried elsewhere. */
const CALL_DEADLINE_MS = 3000;

/**
 * The etcd {@link CoordinatorBackend}: coordinator state in an etcd v3 cluster, so it survives
 * the coordinator's process and machine, and several coordinators share it. Each method is one
 * etcd RPC: `grantLease`/`keepAlive`/`revokeLease` are `LeaseGrant`/`LeaseKeepAlive`/
 * `LeaseRevoke`, `range` is a linearizable `Range` sorted by create revision, `txn` is `Txn`,
 * `watch` is a prefix `Watch` with `prev_kv`. Every key is under the prefix (`/lockstep/`).
 *
 * Failures of a member are absorbed: a call that fails on one endpoint is retried on another
 * (with backoff, up to `requestTimeoutMs`), watches reconnect and resume from the last revision
 * they delivered, and a conditional write whose answer was lost is resolved exactly once
 * ({@link EtcdTxnGuard}). Lease TTLs are whole seconds: a TTL is rounded up.
 *
 * `etcd3` (and gRPC under it) is imported by {@link EtcdBackend.connect}, never at the top, so
 * importing `@lockstep/core` stays cheap.
 */
export class EtcdBackend implements CoordinatorBackend {
  readonly kind = 'etcd';
  /** The options in effect. */
  readonly options: NormalizedEtcdBackendOptions;
  readonly #client: Etcd3;
  readonly #keys: EtcdKeySpace;
  readonly #watches: EtcdWatchHub;
  readonly #keepAlive: EtcdKeepAlive;
  readonly #guard: EtcdTxnGuard;
  readonly #isRecoverable: (error: Error) => boolean;
  #guardLease: Promise<string> | undefined;
  #guardTimer: NodeJS.Timeout | undefined;
  #disposed: Promise<void> | undefined;

  private constructor(client: Etcd3, options: NormalizedEtcdBackendOptions, isRecoverable: (error: Error) => boolean) {
    this.#client = client;
    this.options = options;
    this.#isRecoverable = isRecoverable;
    this.#keys = new EtcdKeySpace(options.prefix);
    this.#watches = new EtcdWatchHub(client.watchClient, this.#keys);
    this.#keepAlive = new EtcdKeepAlive(client.leaseClient, CALL_DEADLINE_MS);
    this.#guard = new EtcdTxnGuard({
      keys: this.#keys,
      txnOnce: (request) => this.#client.kv.txn(request),
      retryable: (error) => this.#retryable(error),
      retry: (what, attempt) => this.#retry(what, attempt),
      guardLease: () => this.#leaseForGuard(),
      leaseNotFound: async () => {
        const current = this.#guardLease;
        const lease = await current?.catch(() => undefined);
        if (lease !== undefined && (await this.#keepAlive.renew(lease).catch(() => true))) return 'other';
        if (this.#guardLease === current) this.#guardLease = undefined;
        return 'guard';
      },
    });
  }

  /**
   * Connects to etcd and checks that it answers.
   * @param options endpoints, prefix, TLS files, timeouts
   * @returns the backend; dispose it to close the connection
   * @throws {TypeError} for invalid options
   * @throws {CoordinatorError} `COORDINATOR_BACKEND_UNAVAILABLE` when no endpoint answers within `dialTimeoutMs`, or a TLS file cannot be read
   * @example
   * const backend = await EtcdBackend.connect({ endpoints: ['10.0.0.1:2379', '10.0.0.2:2379', '10.0.0.3:2379'] });
   * const coordinator = new Coordinator({ backend });
   */
  static async connect(options: EtcdBackendOptions): Promise<EtcdBackend> {
    const normalized = normalizeEtcdBackendOptions(options);
    const etcd3 = await import('etcd3');
    let credentials: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer } | undefined;
    if (normalized.tls) {
      const { readFile } = await import('node:fs/promises');
      const read = async (file: string | undefined, what: string): Promise<Buffer | undefined> => {
        if (file === undefined) return undefined;
        try {
          return await readFile(file);
        } catch (error) {
          throw new CoordinatorError(ErrorCodes.COORDINATOR_BACKEND_UNAVAILABLE, `etcd TLS ${what} ${file} could not be read: ${(error as Error).message}`, { cause: error });
        }
      };
      const [ca, cert, key] = await Promise.all([read(normalized.tls.ca, 'CA'), read(normalized.tls.cert, 'certificate'), read(normalized.tls.key, 'key')]);
      const { rootCertificates } = await import('node:tls');
      credentials = { rootCertificate: ca ?? Buffer.from(rootCertificates.join('\n')), ...(key ? { privateKey: key } : {}), ...(cert ? { certChain: cert } : {}) };
    }
    const client = new etcd3.Etcd3({
      hosts: normalized.hosts,
      dialTimeout: normalized.dialTimeoutMs,
      ...(credentials ? { credentials } : {}),
      // HTTP/2 pings find a member that vanished without closing its connections (partition,
      // power loss), so the watch and keepalive streams move on. etcd accepts pings every 5 s
      // or slower, and only while a call is open (its default enforcement policy).
      grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5_000 },
      // Retries are ours (#retry and the guard): etcd3's global policy would retry writes blindly.
      faultHandling: { global: { execute: (fn: (context: { signal: AbortSignal }) => unknown) => fn({ signal: new AbortController().signal }) } as never },
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
    });
    const backend = new EtcdBackend(client, normalized, etcd3.isRecoverableError);
    try {
      await backend.#retry('connect', () => client.kv.range({ key: backend.#keys.key(''), count_only: true } as never), normalized.dialTimeoutMs);
    } catch (error) {
      client.close();
      throw error;
    }
    return backend;
  }

  async grantLease(ttlMs: number): Promise<LeaseId> {
    const ttl = Math.max(1, Math.ceil(ttlMs / 1000));
    const res = await this.#retry('lease grant', () => this.#client.leaseClient.leaseGrant({ TTL: ttl, ID: 0 } as never));
    if (res.error) throw this.#unavailable(`lease grant: ${res.error}`);
    return String(res.ID);
  }

  async keepAlive(lease: LeaseId): Promise<boolean> {
    return this.#retry('lease keepalive', () => this.#keepAlive.renew(lease));
  }

  async revokeLease(lease: LeaseId): Promise<void> {
    await this.#retry('lease revoke', async () => {
      try {
        await this.#client.leaseClient.leaseRevoke({ ID: lease } as never);
      } catch (error) {
        if (!isLeaseNotFound(error)) throw error;
      }
    });
  }

  async range(request: RangeRequest): Promise<RangeResult> {
    const res = await this.#retry('range', () =>
      this.#client.kv.range(this.#keys.rangeRequest(request.key, request.prefix ?? false, request.countOnly ?? false) as never),
    );
    return {
      kvs: request.countOnly ? [] : res.kvs.map((kv) => this.#keys.keyValue(kv)),
      count: Number(res.count),
      revision: Number(res.header.revision),
    };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    const compare: ICompare[] = request.compare.map((c) => this.#keys.compare(c));
    const success: IRequestOp[] = request.success.map((op) => this.#keys.op(op));
    const failure: IRequestOp[] = (request.failure ?? []).map((op) => this.#keys.op(op));
    const writes = request.success.some((op) => op.type !== 'range');
    let response: ITxnResponse;
    try {
      if (compare.length > 0 && writes) {
        // A conditional write: exactly once, even when its answer is lost.
        const guarded = await this.#guard.run(compare, success, failure);
        response = guarded.response;
        if (guarded.recovered) return this.#recovered(request, Number(response.header.revision));
      } else {
        // Reads, and unconditional puts and deletes of one caller's own keys: repeating them is harmless.
        response = await this.#retry('transaction', () => this.#client.kv.txn({ compare, success, failure }));
      }
    } catch (error) {
      if (isLeaseNotFound(error)) {
        const put = request.success.find((op) => op.type === 'put' && op.lease !== undefined);
        throw new LeaseNotFoundError(put?.type === 'put' ? (put.lease ?? '0') : '0');
      }
      throw error;
    }
    const revision = Number(response.header.revision);
    const ops = response.succeeded ? request.success : (request.failure ?? []);
    return { succeeded: response.succeeded, revision, responses: ops.map((op, i) => this.#keys.opResult(op, response.responses[i], revision)) };
  }

  async watch(prefix: string, listener: (events: readonly WatchEvent[]) => void): Promise<Disposable> {
    return this.#watches.watch(prefix, listener);
  }

  /** Revokes this process's own lease (its guard keys), closes watches, streams and connections. Sessions' leases are the coordinator's to revoke. */
  dispose(): Promise<void> {
    return (this.#disposed ??= (async () => {
      clearInterval(this.#guardTimer);
      this.#watches.dispose();
      const lease = await this.#guardLease?.catch(() => undefined);
      if (lease !== undefined) await this.#client.leaseClient.leaseRevoke({ ID: lease } as never).catch(() => undefined);
      this.#keepAlive.dispose();
      this.#client.close();
    })());
  }

  /** A committed transaction whose answer was lost: its revision is known; put results are read back. */
  async #recovered(request: TxnRequest, revision: number): Promise<TxnResult> {
    const responses = await Promise.all(
      request.success.map(async (op): Promise<TxnResult['responses'][number]> => {
        if (op.type === 'delete') return { type: 'delete', deleted: 1 };
        if (op.type === 'range') return { type: 'range', kvs: [], count: 0 };
        const { kvs } = await this.range({ key: op.key });
        const kv = kvs[0];
        return { type: 'put', createRevision: kv && kv.modRevision === revision ? kv.createRevision : revision };
      }),
    );
    return { succeeded: true, revision, responses };
  }

  #leaseForGuard(): Promise<string> {
    if (this.#guardLease) return this.#guardLease;
    const granted = this.grantLease(GUARD_LEASE_TTL_S * 1000);
    this.#guardLease = granted;
    granted.catch(() => {
      if (this.#guardLease === granted) this.#guardLease = undefined;
    });
    if (!this.#guardTimer) {
      this.#guardTimer = setInterval(() => {
        const current = this.#guardLease;
        void current
          ?.then((lease) => this.#keepAlive.renew(lease))
          .then((alive) => {
            if (alive === false && this.#guardLease === current) this.#guardLease = undefined;
          })
          .catch(() => undefined);
      }, (GUARD_LEASE_TTL_S * 1000) / 4);
      this.#guardTimer.unref();
    }
    return granted;
  }

  #retryable(error: unknown): boolean {
    if (!(error instanceof Error)) return false;
    if (this.#isRecoverable(error)) return true;
    // cockatiel's open circuit breaker (every endpoint recently failed): try again after the backoff.
    if ((error as { isBrokenCircuitError?: boolean }).isBrokenCircuitError) return true;
    const text = `${error.name} ${error.message}`;
    return /circuit breaker is open|No connection established|ECONNREFUSED|keepalive stream|did not answer a keepalive|etcdserver: (leader changed|no leader|request timed out|too many requests|not capable)/.test(text);
  }

  /** Runs `attempt`, retrying retryable failures with backoff (50 ms doubling to 1 s) until `timeoutMs`. */
  async #retry<T>(what: string, attempt: () => Promise<T>, timeoutMs = this.options.requestTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let n = 0; ; n++) {
      if (this.#disposed) throw new CoordinatorError(ErrorCodes.COORDINATOR_LOST, `etcd ${what}: the etcd backend was disposed`);
      try {
        return await attempt();
      } catch (error) {
        if (!this.#retryable(error)) throw error;
        if (Date.now() >= deadline) throw this.#unavailable(`${what} failed for ${timeoutMs} ms: ${(error as Error).message}`, error);
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** n)));
      }
    }
  }

  #unavailable(message: string, cause?: unknown): CoordinatorError {
    return new CoordinatorError(ErrorCodes.COORDINATOR_BACKEND_UNAVAILABLE, `etcd at ${this.options.hosts.join(',')}: ${message}`, { cause });
  }
}
