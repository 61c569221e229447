import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { EventEmitter, type Event } from '../event.js';
import type { NodeSpec } from '../playbook/model.js';
import { LineSplitter } from '../util/line-splitter.js';
import { groupAlive, signalGroup, terminateGroup } from './process-group.js';
import type { ExecOptions, ExecResult, ExposedPort, RemoteProcess, Transport } from './transport.js';

/** How long an aborted command may take to exit after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 2000;

/**
 * The `local` transport: each command is a child process (`sh -c`) in the node's own working
 * directory, which `connect()` creates. Loaded by {@link createTransport} only when a local node
 * connects, since it imports execa.
 *
 * Each command leads its own process group, so aborting it ends everything it started.
 */
export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  readonly node: NodeSpec;
  /** Absolute working directory of the node. */
  readonly workdir: string;
  readonly #disconnect = new EventEmitter<Error>();
  /** Fires never: a local node has no connection to lose. */
  readonly onDidDisconnect: Event<Error> = this.#disconnect.event;
  readonly #running = new Set<number>();
  #connected = false;

  /**
   * @param node the node; `workdir` defaults to `.lockstep/nodes/<name>`
   * @param options `baseDir` that a relative workdir resolves against (default: the process cwd)
   */
  constructor(node: NodeSpec, options: { baseDir?: string } = {}) {
    this.node = node;
    this.workdir = resolve(options.baseDir ?? process.cwd(), node.workdir ?? `.lockstep/nodes/${node.name}`);
  }

  /** Creates the working directory. */
  async connect(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await mkdir(this.workdir, { recursive: true });
    this.#connected = true;
  }

  /** Runs `sh -c command`; resolves with the exit code (non-zero included), rejects on abort. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.#assertConnected();
    const { signal, onLine } = options;
    signal?.throwIfAborted();
    const started = Date.now();
    const subprocess = execa('sh', ['-c', command], {
      cwd: resolve(this.workdir, options.cwd ?? '.'),
      env: options.env,
      ...(options.stdin === undefined ? { stdin: 'ignore' as const } : { input: options.stdin }),
      detached: true,
      cancelSignal: signal,
      forceKillAfterDelay: KILL_GRACE_MS,
      reject: false,
    });
    if (onLine) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const splitter = new LineSplitter((line) => onLine(stream, line));
        subprocess[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk)).on('end', () => splitter.end());
      }
    }
    const result = await this.#track(subprocess, signal);
    if (signal?.aborted) throw signal.reason;
    if (result.exitCode === undefined && result.signal === undefined) {
      // The shell never ran (missing cwd, no `sh`): not a command result, a failure to start.
      throw result;
    }
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      durationMs: Date.now() - started,
    };
  }

  /** Starts `sh -c command` with piped streams. */
  spawn(command: string, options: Omit<ExecOptions, 'stdin' | 'onLine'> = {}): RemoteProcess {
    this.#assertConnected();
    const subprocess = execa('sh', ['-c', command], {
      cwd: resolve(this.workdir, options.cwd ?? '.'),
      env: options.env,
      stdin: 'pipe',
      buffer: false,
      detached: true,
      cancelSignal: options.signal,
      forceKillAfterDelay: KILL_GRACE_MS,
      reject: false,
    });
    const exited = this.#track(subprocess, options.signal).then(
      (result) => ({ exitCode: result.exitCode ?? null, signal: result.signal ?? null }),
      () => ({ exitCode: null, signal: null }),
    );
    const pid = subprocess.pid;
    return {
      stdin: subprocess.stdin!,
      stdout: subprocess.stdout!,
      stderr: subprocess.stderr!,
      exited,
      kill: (killSignal: NodeJS.Signals = 'SIGTERM') => {
        if (pid !== undefined) signalGroup(pid, killSignal);
      },
    };
  }

  /** A local node reaches the runner's loopback directly. */
  async expose(localPort: number): Promise<ExposedPort> {
    return { address: `127.0.0.1:${localPort}`, dispose() {} };
  }

  /** Ends every command still running (SIGTERM, then SIGKILL). */
  async dispose(): Promise<void> {
    this.#connected = false;
    await Promise.all([...this.#running].map((pid) => terminateGroup(pid, KILL_GRACE_MS)));
    this.#disconnect.dispose();
  }

  /** Awaits a subprocess; on abort ends its whole process group before settling. */
  async #track<T extends ResultPromise>(subprocess: T, signal: AbortSignal | undefined): Promise<Awaited<T>> {
    const pid = subprocess.pid;
    if (pid === undefined) return await subprocess;
    this.#running.add(pid);
    let ending: Promise<void> | undefined;
    const onAbort = () => {
      ending = terminateGroup(pid, KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await subprocess;
      // The shell is gone; what it started may not be yet.
      if (ending) await ending;
      if (signal?.aborted && groupAlive(pid)) await terminateGroup(pid, KILL_GRACE_MS);
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#running.delete(pid);
    }
  }

  #assertConnected(): void {
    if (!this.#connected) throw new Error(`node ${this.node.name}: transport is not connected; call connect() first`);
  }
}
