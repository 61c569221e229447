import type { IDuplexStream, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import type { Disposable } from '../disposable.js';
import type { WatchEvent } from './backend.js';
import type { EtcdKeySpace } from './etcd-convert.js';

interface Watch {
  id: number;
  prefix: string;
  listener: (events: readonly WatchEvent[]) => void;
  /** The revision to resume from after a reconnect: one past the last revision delivered. */
  next: string | undefined;
  created: () => void;
  failed: (error: Error) => void;
}

/** Reconnect delays: quick first, capped at a second (the `etcd3` watch manager backs off to 30 s). */
const BACKOFF_MS = [50, 100, 200, 500, 1000];

/**
 * Every prefix watch of one {@link EtcdBackend}, multiplexed on one etcd `Watch` stream, as
 * etcd's own clients do. Each watch asks for `prev_kv` and has a client-chosen `watch_id`
 * (etcd ≥ 3.4), so responses are matched by id, not by arrival order. When the stream breaks
 * (a member killed, a leader change), it reconnects, on any endpoint, and re-creates every
 * watch from one past the last revision it delivered, so no event is lost or repeated.
 *
 * It is written over the raw `Watch` RPC rather than `etcd3`'s `Watcher` because that one
 * resumes from the revision in the *created* response header after a reconnect, which skips
 * events if the stream breaks again before it catches up, and because its reconnect backoff
 * grows to 30 s, longer than a session lease.
 */
export class EtcdWatchHub {
  readonly #client: WatchClient;
  readonly #keys: EtcdKeySpace;
  readonly #watches = new Map<number, Watch>();
  #stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  #connecting = false;
  #attempt = 0;
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(client: WatchClient, keys: EtcdKeySpace) {
    this.#client = client;
    this.#keys = keys;
  }

  /**
   * Watches every key under `prefix` from the current revision on.
   * @returns once etcd has created the watch; dispose it to cancel
   */
  async watch(prefix: string, listener: (events: readonly WatchEvent[]) => void): Promise<Disposable> {
    const id = this.#nextId++;
    const ready = new Promise<void>((resolve, reject) => {
      const watch: Watch = { id, prefix, listener, next: undefined, created: resolve, failed: reject };
      this.#watches.set(id, watch);
    });
    if (this.#stream) this.#create(this.#watches.get(id)!);
    else this.#connect();
    await ready;
    return { dispose: () => this.#cancel(id) };
  }

  /** Closes the stream; no watch is re-created. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watches.values()) w.failed(new Error('the etcd backend was disposed'));
    this.#watches.clear();
    this.#stream?.cancel?.();
    this.#stream = undefined;
  }

  #cancel(id: number): void {
    if (!this.#watches.delete(id)) return;
    try {
      this.#stream?.write({ cancel_request: { watch_id: String(id) } } as IWatchRequest);
    } catch {
      // the stream is gone; the watch goes with it
    }
  }

  #create(w: Watch): void {
    const request = {
      ...this.#keys.prefixRange(w.prefix),
      prev_kv: true,
      watch_id: String(w.id),
      ...(w.next !== undefined ? { start_revision: w.next } : {}),
    };
    this.#stream!.write({ create_request: request } as unknown as IWatchRequest);
  }

  #connect(): void {
    if (this.#connecting || this.#stream || this.#disposed || this.#watches.size === 0) return;
    this.#connecting = true;
    this.#client.watch().then(
      (stream) => {
        this.#connecting = false;
        if (this.#disposed) {
          stream.cancel?.();
          return;
        }
        this.#stream = stream;
        let broken = false;
        const onBroken = (): void => {
          if (broken) return;
          broken = true;
          if (this.#stream === stream) this.#stream = undefined;
          this.#reconnectLater();
        };
        stream.on('data', (res: IWatchResponse) => this.#onResponse(res));
        stream.on('error', onBroken);
        stream.on('end', onBroken);
        for (const w of this.#watches.values()) this.#create(w);
      },
      () => {
        this.#connecting = false;
        this.#reconnectLater();
      },
    );
  }

  #reconnectLater(): void {
    if (this.#disposed) return;
    const delay = BACKOFF_MS[Math.min(this.#attempt++, BACKOFF_MS.length - 1)]!;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), delay);
    this.#timer.unref();
  }

  #onResponse(res: IWatchResponse): void {
    this.#attempt = 0;
    const w = this.#watches.get(Number(res.watch_id));
    if (!w) return;
    if (res.created) {
      // The first creation fixes where this watch starts; a re-creation resumes from `next`.
      w.next ??= (BigInt(res.header.revision) + 1n).toString();
      w.created();
    }
    if (res.canceled) {
      // Cancelled by etcd: compaction passed our revision, or the watch was refused. Start
      // again (same id: etcd freed it) from the current revision; what was compacted away
      // cannot be replayed.
      if (this.#watches.get(w.id) === w && this.#stream) {
        w.next = undefined;
        this.#create(w);
      }
      return;
    }
    if (res.events.length === 0) return;
    // Deliver one batch per revision, as the interface promises.
    let batch: WatchEvent[] = [];
    let revision = '';
    const flush = (): void => {
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      if (this.#watches.get(w.id) === w) w.listener(events);
    };
    for (const e of res.events) {
      const rev = String(e.kv.mod_revision);
      if (rev !== revision) flush();
      revision = rev;
      const event: WatchEvent = { type: String(e.type) === 'Delete' || String(e.type) === '1' ? 'delete' : 'put', kv: this.#keys.keyValue(e.kv) };
      if (e.prev_kv) event.prevKv = this.#keys.keyValue(e.prev_kv);
      batch.push(event);
    }
    flush();
    w.next = (BigInt(revision) + 1n).toString();
  }
}
