import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';

/**
 * The storage a {@link Coordinator} keeps its state in. It is deliberately the subset of etcd v3
 * the coordinator needs, and nothing more: a flat, ordered key space with a global revision,
 * leases, multi-key transactions guarded by compares, and prefix watches. Semaphores, barriers,
 * locks and channels are recipes over these primitives (in `semaphores.ts`, `barriers.ts`,
 * `locks.ts`, `channels.ts`), so a backend never learns what a semaphore is, and an etcd backend
 * maps each call to one etcd RPC:
 *
 * | this interface            | etcd v3                                   |
 * | ------------------------- | ----------------------------------------- |
 * | `grantLease` / `keepAlive` / `revokeLease` | `LeaseGrant` / `LeaseKeepAlive` / `LeaseRevoke` |
 * | `range`                   | `Range` (prefix, sorted by create revision) |
 * | `txn`                     | `Txn` (compares, then success or failure ops) |
 * | `watch`                   | `Watch` on a prefix with `prev_kv`          |
 *
 * Every method may be called concurrently; a backend does not serialize callers. All values are
 * strings (the recipes store JSON).
 */
export interface CoordinatorBackend extends Disposable {
  /** A short name for messages and benchmarks: `memory`, `etcd`. */
  readonly kind: string;
  /**
   * Grants a lease. Keys put with it are deleted when it is revoked or not kept alive for `ttlMs`.
   * @param ttlMs time to live; backends may round up (etcd counts whole seconds)
   * @returns the lease id
   */
  grantLease(ttlMs: number): Promise<LeaseId>;
  /**
   * Renews a lease for another TTL.
   * @returns false when the lease is gone (expired or revoked): what it held was released
   */
  keepAlive(lease: LeaseId): Promise<boolean>;
  /** Revokes a lease, deleting its keys in one revision. Revoking an unknown lease is harmless. */
  revokeLease(lease: LeaseId): Promise<void>;
  /**
   * Reads one key, or every key under a prefix, sorted by create revision (oldest first).
   * @returns the keys and the store's revision at the time of the read
   */
  range(request: RangeRequest): Promise<RangeResult>;
  /** Runs a transaction: if every compare holds, the `success` ops, else the `failure` ops, atomically in one revision. */
  txn(request: TxnRequest): Promise<TxnResult>;
  /**
   * Watches every key under `prefix`. Events are delivered in revision order, each batch from
   * one revision, after the watch is established (when the returned promise settles).
   * Listeners are called asynchronously, never from inside `txn`.
   * @returns a disposable that cancels the watch
   */
  watch(prefix: string, listener: (events: readonly WatchEvent[]) => void): Promise<Disposable>;
}

/** A lease id (etcd's are 64-bit integers; kept as a decimal string). */
export type LeaseId = string;

/** One stored key with etcd's metadata. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the put that created this key; the lock recipes use it as the fencing token. */
  createRevision: number;
  /** Revision of the last put of this key. */
  modRevision: number;
  /** Number of puts since creation (1 after the first). */
  version: number;
  /** Lease the key is attached to, if any. */
  lease?: LeaseId;
}

/** A read of one key or a prefix. */
export interface RangeRequest {
  key: string;
  /** Read every key starting with `key`. */
  prefix?: boolean;
  /** Return only the count, not the keys (etcd `count_only`). */
  countOnly?: boolean;
}

/** The answer to a {@link RangeRequest}. */
export interface RangeResult {
  /** Keys sorted by create revision, oldest first (empty with `countOnly`). */
  kvs: KeyValue[];
  count: number;
  /** The store's revision when the read happened. */
  revision: number;
}

/** A guard of a transaction, on one key. A missing key has version, create and mod revision 0 and value ''. */
export interface Compare {
  key: string;
  target: 'version' | 'createRevision' | 'modRevision' | 'value' | 'lease';
  op: '==' | '!=' | '<' | '>';
  value: number | string;
}

/** One operation of a transaction. */
export type TxnOp =
  | { type: 'put'; key: string; value: string; lease?: LeaseId }
  | { type: 'delete'; key: string; prefix?: boolean }
  | { type: 'range'; key: string; prefix?: boolean; countOnly?: boolean };

/** A transaction: compares, then one of two op lists. */
export interface TxnRequest {
  compare: Compare[];
  success: TxnOp[];
  failure?: TxnOp[];
}

/** The result of one op: a range gives keys, a put its key's create revision, a delete the number deleted. */
export type TxnOpResult =
  | { type: 'range'; kvs: KeyValue[]; count: number }
  | { type: 'put'; createRevision: number }
  | { type: 'delete'; deleted: number };

/** What a transaction did. */
export interface TxnResult {
  succeeded: boolean;
  /** The store's revision after the transaction. */
  revision: number;
  responses: TxnOpResult[];
}

/** A change seen by a watch. Deletes carry the deleted key's last value in `prevKv` (etcd `prev_kv`). */
export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/**
 * Thrown by a backend when a lease used in a put does not exist (etcd: `lease not found`): the
 * session it belonged to has ended, so the coordinator reports `COORDINATOR_LOST`.
 */
export class LeaseNotFoundError extends LockstepError {
  override name = 'LeaseNotFoundError';
  /** The lease that was not found. */
  readonly lease: LeaseId;

  constructor(lease: LeaseId) {
    super(ErrorCodes.COORDINATOR_LOST, `session lease ${lease} not found: the session has ended`);
    this.lease = lease;
  }
}
