import { Writable } from 'node:stream';

/** One receiver of the stream. */
export interface FanOutSink {
  name: string;
  stream: Writable;
}

/** Options of {@link FanOut}. */
export interface FanOutOptions {
  /** A sink that accepts no data for this long is dropped (and reported failed). */
  sendTimeoutMs?: number;
  /** Called once per sink that is dropped, with the reason. */
  onDrop: (name: string, reason: Error) => void;
}

/**
 * A writable that copies every chunk to all its sinks and asks for the next chunk only when
 * every live sink has taken this one: the stream goes at the pace of the slowest node, and
 * memory holds at most one chunk per sink beyond the sinks' own buffers. A sink that errors,
 * closes, or (with `sendTimeoutMs`) stalls is dropped so that the others go on; when none is
 * left, the writable is destroyed (a premature close for whoever pipes into it).
 */
export class FanOut extends Writable {
  readonly #sinks: FanOutSink[];
  readonly #options: FanOutOptions;
  readonly #dropped = new Set<string>();
  readonly #dropListeners = new Set<() => void>();
  /** Bytes accepted so far. */
  bytes = 0;

  /**
   * @param sinks the receivers
   * @param options send timeout and drop notification
   */
  constructor(sinks: FanOutSink[], options: FanOutOptions) {
    super({ highWaterMark: 256 * 1024 });
    this.#sinks = sinks;
    this.#options = options;
    for (const sink of sinks) {
      sink.stream.on('error', (error: Error) => this.drop(sink.name, error));
      sink.stream.on('close', () => {
        if (!sink.stream.writableFinished) this.drop(sink.name, new Error('the receiver closed its input'));
      });
    }
  }

  /** Names of the sinks still receiving. */
  get live(): string[] {
    return this.#sinks.filter((sink) => !this.#dropped.has(sink.name)).map((sink) => sink.name);
  }

  /**
   * Stops sending to a sink (its node failed or is being cancelled).
   *
   * @param name the sink
   * @param reason why, passed to `onDrop`
   */
  drop(name: string, reason: Error): void {
    if (this.#dropped.has(name)) return;
    this.#dropped.add(name);
    this.#sinks.find((sink) => sink.name === name)?.stream.destroy();
    this.#options.onDrop(name, reason);
    for (const listener of [...this.#dropListeners]) listener();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    const waits: Array<Promise<void>> = [];
    for (const sink of this.#sinks) {
      if (this.#dropped.has(sink.name)) continue;
      if (!sink.stream.write(chunk)) waits.push(this.#drained(sink));
    }
    const finish = (): void => {
      // With no receiver left, stop the pipeline (it sees a premature close; the caller reads
      // `live` to tell why) rather than erroring: a late error would have no listener left.
      if (this.live.length === 0) this.destroy();
      else callback();
    };
    if (waits.length === 0) finish();
    else void Promise.all(waits).then(finish);
  }

  override _final(callback: (error?: Error | null) => void): void {
    for (const sink of this.#sinks) if (!this.#dropped.has(sink.name)) sink.stream.end();
    if (this.live.length === 0) this.destroy();
    else callback();
  }

  /** Resolves when the sink drained or was dropped; drops it after the send timeout. */
  #drained(sink: FanOutSink): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        sink.stream.off('drain', done);
        this.#dropListeners.delete(onDrop);
        resolve();
      };
      const onDrop = (): void => {
        if (this.#dropped.has(sink.name)) done();
      };
      sink.stream.on('drain', done);
      this.#dropListeners.add(onDrop);
      if (this.#options.sendTimeoutMs !== undefined) {
        const ms = this.#options.sendTimeoutMs;
        timer = setTimeout(() => this.drop(sink.name, new Error(`accepted no data for ${ms}ms (send timeout)`)), ms);
      }
    });
  }
}
