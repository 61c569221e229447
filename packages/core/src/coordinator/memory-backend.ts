import type { Disposable } from '../disposable.js';
import {
  LeaseNotFoundError,
  type Compare,
  type CoordinatorBackend,
  type KeyValue,
  type LeaseId,
  type RangeRequest,
  type RangeResult,
  type TxnOp,
  type TxnOpResult,
  type TxnRequest,
  type TxnResult,
  type WatchEvent,
} from './backend.js';

interface Lease {
  keys: Set<string>;
  timer: NodeJS.Timeout;
}

interface Watcher {
  prefix: string;
  listener: (events: readonly WatchEvent[]) => void;
}

/**
 * The in-memory {@link CoordinatorBackend}: one process's map, with etcd's semantics (global
 * revision, create/mod revisions, leases that delete their keys, atomic transactions, ordered
 * prefix watches). State is lost when the process exits, as with flom and dissem.
 *
 * Keys are grouped in buckets by their first two `/`-separated segments (`sem/<name>`), so a
 * prefix read inside one name costs the size of that name, not of the whole store. A Map keeps
 * insertion order, and a key keeps its position on update and is re-inserted at the end when
 * re-created, so iteration order is create-revision order without sorting.
 */
export class MemoryBackend implements CoordinatorBackend {
  readonly kind = 'memory';
  #revision = 0;
  #nextLease = 1;
  #all = new Map<string, KeyValue>();
  #buckets = new Map<string, Map<string, KeyValue>>();
  #leases = new Map<LeaseId, Lease>();
  /** Watchers whose prefix lies inside one bucket, by bucket (most: one name's prefix). */
  #bucketWatchers = new Map<string, Set<Watcher>>();
  /** Watchers whose prefix spans buckets. */
  #wideWatchers = new Set<Watcher>();
  #disposed = false;

  /** The current revision (for tests and diagnostics). */
  get revision(): number {
    return this.#revision;
  }

  /** Number of keys stored (for tests: a dead session must leave nothing behind). */
  get size(): number {
    return this.#all.size;
  }

  async grantLease(ttlMs: number): Promise<LeaseId> {
    const id = String(this.#nextLease++);
    const timer = setTimeout(() => this.#expire(id), Math.max(1, ttlMs));
    timer.unref();
    this.#leases.set(id, { keys: new Set(), timer });
    return id;
  }

  async keepAlive(lease: LeaseId): Promise<boolean> {
    const entry = this.#leases.get(lease);
    if (!entry) return false;
    entry.timer.refresh();
    return true;
  }

  async revokeLease(lease: LeaseId): Promise<void> {
    this.#expire(lease);
  }

  async range(request: RangeRequest): Promise<RangeResult> {
    const kvs = this.#read(request.key, request.prefix ?? false);
    return { kvs: request.countOnly ? [] : kvs.map(copy), count: kvs.length, revision: this.#revision };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    const succeeded = request.compare.every((c) => this.#holds(c));
    const ops = succeeded ? request.success : (request.failure ?? []);
    // Check leases before applying anything, so a bad put never leaves a half-applied transaction.
    for (const op of ops) {
      if (op.type === 'put' && op.lease !== undefined && !this.#leases.has(op.lease)) throw new LeaseNotFoundError(op.lease);
    }
    const writes = ops.some((op) => op.type !== 'range');
    const revision = writes ? this.#revision + 1 : this.#revision;
    const events: WatchEvent[] = [];
    const responses: TxnOpResult[] = ops.map((op) => this.#apply(op, revision, events));
    if (events.length > 0) {
      this.#revision = revision;
      this.#notify(events);
    }
    return { succeeded, revision: this.#revision, responses };
  }

  async watch(prefix: string, listener: (events: readonly WatchEvent[]) => void): Promise<Disposable> {
    const watcher: Watcher = { prefix, listener };
    const bucket = prefixBucket(prefix);
    let set = this.#wideWatchers;
    if (bucket !== undefined) {
      set = this.#bucketWatchers.get(bucket) ?? new Set();
      this.#bucketWatchers.set(bucket, set);
    }
    set.add(watcher);
    return {
      dispose: () => {
        set.delete(watcher);
        if (bucket !== undefined && set.size === 0 && this.#bucketWatchers.get(bucket) === set) this.#bucketWatchers.delete(bucket);
      },
    };
  }

  /** Drops every key, lease and watch. */
  dispose(): void {
    this.#disposed = true;
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
    this.#bucketWatchers.clear();
    this.#wideWatchers.clear();
    this.#all.clear();
    this.#buckets.clear();
  }

  #apply(op: TxnOp, revision: number, events: WatchEvent[]): TxnOpResult {
    switch (op.type) {
      case 'range': {
        const kvs = this.#read(op.key, op.prefix ?? false);
        return { type: 'range', kvs: op.countOnly ? [] : kvs.map(copy), count: kvs.length };
      }
      case 'put': {
        const old = this.#all.get(op.key);
        if (old?.lease !== undefined && old.lease !== op.lease) this.#leases.get(old.lease)?.keys.delete(op.key);
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: old?.createRevision ?? revision,
          modRevision: revision,
          version: (old?.version ?? 0) + 1,
        };
        if (op.lease !== undefined) {
          kv.lease = op.lease;
          this.#leases.get(op.lease)!.keys.add(op.key);
        }
        this.#store(kv);
        const event: WatchEvent = { type: 'put', kv: copy(kv) };
        if (old) event.prevKv = copy(old);
        events.push(event);
        return { type: 'put', createRevision: kv.createRevision };
      }
      case 'delete': {
        const victims = this.#read(op.key, op.prefix ?? false);
        for (const kv of victims) this.#remove(kv, revision, events);
        return { type: 'delete', deleted: victims.length };
      }
    }
  }

  #remove(kv: KeyValue, revision: number, events: WatchEvent[]): void {
    this.#all.delete(kv.key);
    const bucket = this.#buckets.get(bucketOf(kv.key));
    bucket?.delete(kv.key);
    if (bucket?.size === 0) this.#buckets.delete(bucketOf(kv.key));
    if (kv.lease !== undefined) this.#leases.get(kv.lease)?.keys.delete(kv.key);
    events.push({
      type: 'delete',
      kv: { key: kv.key, value: '', createRevision: 0, modRevision: revision, version: 0 },
      prevKv: copy(kv),
    });
  }

  #store(kv: KeyValue): void {
    this.#all.set(kv.key, kv);
    const name = bucketOf(kv.key);
    let bucket = this.#buckets.get(name);
    if (!bucket) this.#buckets.set(name, (bucket = new Map()));
    bucket.set(kv.key, kv);
  }

  #read(key: string, prefix: boolean): KeyValue[] {
    if (!prefix) {
      const kv = this.#all.get(key);
      return kv ? [kv] : [];
    }
    const bucket = prefixBucket(key);
    const source = bucket === undefined ? this.#all : (this.#buckets.get(bucket) ?? new Map<string, KeyValue>());
    const out: KeyValue[] = [];
    for (const kv of source.values()) if (kv.key.startsWith(key)) out.push(kv);
    return out;
  }

  #holds(compare: Compare): boolean {
    const kv = this.#all.get(compare.key);
    const actual: number | string =
      compare.target === 'value'
        ? (kv?.value ?? '')
        : compare.target === 'lease'
          ? (kv?.lease ?? '0')
          : (kv?.[compare.target] ?? 0);
    switch (compare.op) {
      case '==':
        return actual === compare.value;
      case '!=':
        return actual !== compare.value;
      case '<':
        return actual < compare.value;
      case '>':
        return actual > compare.value;
    }
  }

  #expire(lease: LeaseId): void {
    const entry = this.#leases.get(lease);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#leases.delete(lease);
    if (entry.keys.size === 0 || this.#disposed) return;
    const revision = this.#revision + 1;
    const events: WatchEvent[] = [];
    for (const key of [...entry.keys]) {
      const kv = this.#all.get(key);
      if (kv) this.#remove(kv, revision, events);
    }
    if (events.length > 0) {
      this.#revision = revision;
      this.#notify(events);
    }
  }

  #notify(events: WatchEvent[]): void {
    // Only watchers of the buckets these events touch (plus wide ones) are looked at, so a write
    // costs the same however many other names are watched.
    const candidates = new Set<Watcher>(this.#wideWatchers);
    for (const event of events) {
      const set = this.#bucketWatchers.get(bucketOf(event.kv.key));
      if (set) for (const w of set) candidates.add(w);
    }
    for (const watcher of candidates) {
      const mine = events.filter((e) => e.kv.key.startsWith(watcher.prefix));
      if (mine.length === 0) continue;
      // Asynchronous, as etcd's are: a listener never runs inside the txn that caused it.
      queueMicrotask(() => {
        if (this.#isWatching(watcher)) watcher.listener(mine);
      });
    }
  }

  #isWatching(watcher: Watcher): boolean {
    if (this.#wideWatchers.has(watcher)) return true;
    const bucket = prefixBucket(watcher.prefix);
    return bucket !== undefined && (this.#bucketWatchers.get(bucket)?.has(watcher) ?? false);
  }
}

function copy(kv: KeyValue): KeyValue {
  const out: KeyValue = { key: kv.key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version };
  if (kv.lease !== undefined) out.lease = kv.lease;
  return out;
}

/** The bucket of a key: its first two segments (`sem/<name>`). */
function bucketOf(key: string): string {
  const first = key.indexOf('/');
  if (first < 0) return key;
  const second = key.indexOf('/', first + 1);
  return second < 0 ? key : key.slice(0, second);
}

/** The bucket a prefix lies in, or undefined when it spans buckets (fewer than two full segments). */
function prefixBucket(prefix: string): string | undefined {
  const first = prefix.indexOf('/');
  if (first < 0) return undefined;
  const second = prefix.indexOf('/', first + 1);
  return second < 0 ? undefined : prefix.slice(0, second);
}
