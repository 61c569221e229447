import type { IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse, LeaseClient } from 'etcd3';

interface Pending {
  resolve: (alive: boolean) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One `LeaseKeepAlive` stream shared by every lease of an {@link EtcdBackend}: each
 * {@link EtcdKeepAlive.renew} writes one request and resolves with etcd's answer (a TTL of 0
 * means the lease is gone). The `etcd3` client's `Lease` object keeps leases alive on its own
 * timer and hides "lease gone" behind an event; here the coordinator session decides when to
 * renew and learns the answer of each renewal, which is what {@link CoordinatorBackend.keepAlive}
 * promises.
 */
export class EtcdKeepAlive {
  readonly #client: LeaseClient;
  readonly #timeoutMs: number;
  #stream: Promise<IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>> | undefined;
  readonly #pending = new Map<string, Pending[]>();
  #disposed = false;

  /**
   * @param client the raw lease RPC stub
   * @param timeoutMs how long one renewal may wait for its answer before it fails (the stream is then reopened)
   */
  constructor(client: LeaseClient, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Renews `lease` for another TTL.
   * @returns false when etcd says the lease no longer exists
   * @throws {Error} when etcd could not be asked (stream broken, no answer in time)
   */
  async renew(lease: string): Promise<boolean> {
    if (this.#disposed) throw new Error('the etcd backend was disposed');
    const stream = await this.#open();
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#drop(lease, entry);
        // No answer: the stream may be stuck on a dead member; open a new one next time.
        this.#reset(stream);
        reject(new Error(`etcd did not answer a keepalive of lease ${lease} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      const entry: Pending = { resolve, reject, timer };
      const queue = this.#pending.get(lease) ?? [];
      queue.push(entry);
      this.#pending.set(lease, queue);
      try {
        stream.write({ ID: lease } as ILeaseKeepAliveRequest);
      } catch (error) {
        this.#drop(lease, entry);
        clearTimeout(timer);
        this.#reset(stream);
        reject(error as Error);
      }
    });
  }

  /** Closes the stream and fails every renewal in flight. */
  dispose(): void {
    this.#disposed = true;
    const stream = this.#stream;
    this.#stream = undefined;
    this.#failAll(new Error('the etcd backend was disposed'));
    void stream?.then((s) => s.cancel?.(), () => undefined);
  }

  #open(): Promise<IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>> {
    if (this.#stream) return this.#stream;
    const opening = this.#client.leaseKeepAlive().then((stream) => {
      const broken = (error?: Error): void => {
        if (this.#stream !== opening) return;
        this.#stream = undefined;
        this.#failAll(error ?? new Error('the etcd keepalive stream ended'));
      };
      stream.on('data', (res: ILeaseKeepAliveResponse) => {
        const id = String(res.ID);
        const queue = this.#pending.get(id);
        const entry = queue?.shift();
        if (queue?.length === 0) this.#pending.delete(id);
        if (!entry) return;
        clearTimeout(entry.timer);
        entry.resolve(BigInt(res.TTL) > 0n);
      });
      stream.on('error', broken);
      stream.on('end', () => broken());
      return stream;
    });
    this.#stream = opening;
    opening.catch(() => {
      if (this.#stream === opening) this.#stream = undefined;
    });
    return opening;
  }

  #reset(stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>): void {
    const current = this.#stream;
    void current?.then((s) => {
      if (s !== stream || this.#stream !== current) return;
      this.#stream = undefined;
      s.cancel?.();
    });
  }

  #drop(lease: string, entry: Pending): void {
    const queue = this.#pending.get(lease);
    if (!queue) return;
    const i = queue.indexOf(entry);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) this.#pending.delete(lease);
  }

  #failAll(error: Error): void {
    for (const queue of this.#pending.values()) {
      for (const p of queue) {
        clearTimeout(p.timer);
        p.reject(error);
      }
    }
    this.#pending.clear();
  }
}
