import { createInterface } from 'node:readline';
import type { RemoteProcess, StepNode } from '@lockstep/core';
import { FlockLockCodes, FlockLockError } from './errors.js';
import { HolderMarks, holderScript } from './holder-script.js';

/** How long a released holder may take to exit before its channel is closed. */
const RELEASE_GRACE_MS = 5000;

/** What a lock attempt on one node found. */
export type HolderState = { state: 'locked' } | { state: 'shared' } | { state: 'busy'; holders: string[] } | { state: 'failed'; reason: string };

/**
 * The process on one node that holds the lock (see {@link holderScript}). Created by
 * {@link LockHolder.start}; {@link LockHolder.acquired} settles once the node answered.
 */
export class LockHolder {
  readonly node: StepNode;
  readonly path: string;
  readonly #process: RemoteProcess;
  readonly #pongs = new Map<string, () => void>();
  readonly #holders: string[] = [];
  readonly #stderr: string[] = [];
  #state: 'starting' | 'locked' | 'busy' | 'released' | 'exited' = 'starting';
  #onExit: ((reason: string) => void) | undefined;
  /** Settles with the outcome of the attempt; never rejects. */
  readonly acquired: Promise<HolderState>;

  private constructor(node: StepNode, path: string, process: RemoteProcess) {
    this.node = node;
    this.path = path;
    this.#process = process;
    // A holder whose node went away must not crash the runner with EPIPE.
    process.stdin.on('error', () => {});
    let settle!: (state: HolderState) => void;
    this.acquired = new Promise((resolve) => (settle = resolve));
    const lines = createInterface({ input: process.stdout, crlfDelay: Infinity });
    const stdoutClosed = new Promise<void>((resolve) => lines.once('close', resolve));
    lines.on('line', (line) => {
      if (line === HolderMarks.locked) {
        this.#state = 'locked';
        settle({ state: 'locked' });
      } else if (line === HolderMarks.shared) {
        this.#state = 'released';
        settle({ state: 'shared' });
      } else if (line === HolderMarks.busy) this.#state = 'busy';
      else if (line.startsWith(HolderMarks.holder)) this.#holders.push(line.slice(HolderMarks.holder.length));
      else if (line.startsWith(HolderMarks.pong)) {
        const id = line.slice(HolderMarks.pong.length);
        this.#pongs.get(id)?.();
        this.#pongs.delete(id);
      }
    });
    createInterface({ input: process.stderr, crlfDelay: Infinity }).on('line', (line) => {
      if (this.#stderr.length < 20) this.#stderr.push(line);
    });
    // The busy marker and holder lines may still be in flight when the exit is reported.
    const settled = process.exited.then(async (exit) => {
      await Promise.race([stdoutClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      return exit;
    });
    void settled.then(({ exitCode, signal }) => {
      const was = this.#state;
      if (was === 'busy') settle({ state: 'busy', holders: [...this.#holders] });
      const reason = this.#stderr.join('\n').trim() || (exitCode === null ? `connection lost${signal ? ` (${signal})` : ''}` : `exit code ${exitCode}`);
      if (was === 'starting') settle({ state: 'failed', reason });
      if (was !== 'released' && was !== 'busy') this.#state = 'exited';
      if (was === 'locked') this.#onExit?.(reason);
    });
  }

  /**
   * Starts the holder script on a node.
   *
   * @param node the node
   * @param path the file or directory to lock
   * @param owner how this run describes itself to others who find the lock busy
   * @param waitMs how long to wait for a busy lock (0: not at all)
   * @returns the holder; await {@link LockHolder.acquired}
   */
  static start(node: StepNode, path: string, owner: string, waitMs: number): LockHolder {
    return new LockHolder(node, path, node.spawn(holderScript(path, owner, waitMs)));
  }

  /** True while the lock is held. */
  get locked(): boolean {
    return this.#state === 'locked';
  }

  /**
   * Calls `listener` once if the holder dies while it holds the lock (the lock is then gone).
   *
   * @param listener gets a reason such as `connection lost`
   */
  onDidLose(listener: (reason: string) => void): void {
    this.#onExit = listener;
  }

  /**
   * Asks the holder to answer, proving it is alive and so the lock is still held.
   *
   * @param id a token echoed back
   * @param timeoutMs how long the answer may take
   * @throws {FlockLockError} `HEARTBEAT_FAILED` when no answer came in time
   */
  async ping(id: string, timeoutMs: number): Promise<void> {
    if (this.#state !== 'locked') throw this.#lost(`the lock holder is gone`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pongs.delete(id);
        reject(this.#lost(`no heartbeat answer within ${timeoutMs}ms`));
      }, timeoutMs);
      this.#pongs.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.#process.stdin.write(`${id}\n`);
    });
  }

  /** Releases the lock: closes the holder's stdin, then its channel if it lingers. */
  async release(): Promise<void> {
    if (this.#state === 'released') return;
    this.#state = 'released';
    this.#pongs.clear();
    if (!this.#process.stdin.writableEnded) this.#process.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const lingered = await Promise.race([
      this.#process.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), RELEASE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (lingered) this.#process.kill();
  }

  #lost(reason: string): FlockLockError {
    return new FlockLockError(
      FlockLockCodes.HEARTBEAT_FAILED,
      `cluster lock lost on ${this.node.name} (${this.path}): ${reason}; aborting the run`,
      { node: this.node.name, path: this.path },
    );
  }
}
