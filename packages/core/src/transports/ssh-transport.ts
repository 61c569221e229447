import { connect as netConnect, type Socket } from 'node:net';
import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import type { AcceptConnection, Client, ClientChannel, RejectConnection, TcpConnectionDetails } from 'ssh2';
import { ConnectionError } from '../errors/connection-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { EventEmitter, type Event } from '../event.js';
import type { NodeSpec } from '../playbook/model.js';
import { LineSplitter } from '../util/line-splitter.js';
import { stripFinalNewline } from './strip-final-newline.js';
import { DEFAULT_MAX_SESSIONS, SessionSlots } from './session-slots.js';
import { remoteCommandLine, SshCommand } from './ssh-command.js';
import { connectSsh } from './ssh-connect.js';
import { resolveSshTarget, type SshTarget } from './ssh-target.js';
import type { ExecOptions, ExecResult, ExposedPort, RemoteProcess, Transport } from './transport.js';

/** How often a refused channel open is retried (about 3 s in all). */
const OPEN_RETRIES = 15;

/** Tuning of {@link SshTransport}; the defaults are what a run uses. */
export interface SshTransportOptions {
  /** TCP_NODELAY on the connection (default true). Only the latency benchmark turns it off. */
  noDelay?: boolean;
  /** Commands open at once on the connection (default 10, sshd's MaxSessions default); more wait. */
  maxSessions?: number;
  /** Environment for `SSH_AUTH_SOCK` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The `ssh` transport: one ssh2 connection per node for the whole run, one channel per command.
 * Commands run as `sh -c '…'` whatever the login shell, with their environment exported in the
 * script (sshd ignores environment requests unless AcceptEnv allows them). Loaded by
 * {@link createTransport} only when an ssh node connects, since it imports ssh2.
 */
export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  readonly node: NodeSpec;
  readonly #options: SshTransportOptions;
  readonly #disconnect = new EventEmitter<Error>();
  /** Fires once when the live connection drops (remote close, keepalive timeout); not on dispose. */
  readonly onDidDisconnect: Event<Error> = this.#disconnect.event;
  readonly #slots: SessionSlots;
  /** Reverse-forwarded port on the node -> port on the runner's loopback. */
  readonly #forwards = new Map<number, number>();
  readonly #sockets = new Set<Socket>();
  #client: Client | undefined;
  #target: SshTarget | undefined;
  #state: 'idle' | 'connecting' | 'ready' | 'lost' | 'disposed' = 'idle';
  #lastError: Error | undefined;
  #lost: ConnectionError | undefined;
  #connecting: Promise<void> | undefined;

  /**
   * @param node an ssh node
   * @param options tuning; the defaults are right for runs
   */
  constructor(node: NodeSpec, options: SshTransportOptions = {}) {
    this.node = node;
    this.#options = options;
    this.#slots = new SessionSlots(options.maxSessions ?? DEFAULT_MAX_SESSIONS);
  }

  /** `host:port` dialled (after `~/.ssh/config`), or the node's host before connecting. */
  get address(): string {
    return this.#target?.address ?? `${this.node.host}:${this.node.port ?? 22}`;
  }

  /** Opens the node's one connection. */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'ready') return;
    if (this.#state === 'disposed') throw new Error(`node ${this.node.name}: transport was disposed`);
    if (this.#state === 'lost') throw this.#lost!;
    // Concurrent callers share one attempt: one connection per node.
    this.#connecting ??= this.#connect(signal).finally(() => (this.#connecting = undefined));
    await this.#connecting;
  }

  async #connect(signal: AbortSignal | undefined): Promise<void> {
    this.#state = 'connecting';
    let client: Client;
    try {
      this.#target = await resolveSshTarget(this.node, this.#options.env);
      client = await connectSsh(this.node.name, this.#target, { noDelay: this.#options.noDelay, signal });
    } catch (error) {
      if (this.#state === 'connecting') this.#state = 'idle';
      throw error;
    }
    if (this.#state !== 'connecting') {
      client.end();
      throw new Error(`node ${this.node.name}: transport was disposed while connecting`);
    }
    this.#client = client;
    this.#state = 'ready';
    client.on('error', (error: Error) => (this.#lastError = error));
    client.on('close', () => this.#onClose());
    client.on('tcp connection', (info: TcpConnectionDetails, accept: AcceptConnection<ClientChannel>, reject: RejectConnection) =>
      this.#onForwardedConnection(info, accept, reject),
    );
  }

  /** Runs a command on its own channel; a lost connection resolves it with exitCode null. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const client = this.#readyClient();
    const { signal, onLine } = options;
    signal?.throwIfAborted();
    const line = remoteCommandLine(command, this.#where(options));
    const release = await this.#slots.acquire(signal);
    const started = Date.now();
    try {
      const remote = await this.#start(client, line);
      if (remote === undefined) return { exitCode: null, signal: null, stdout: '', stderr: '', durationMs: Date.now() - started };
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const lines = onLine && { stdout: new LineSplitter((l) => onLine('stdout', l)), stderr: new LineSplitter((l) => onLine('stderr', l)) };
      const drained = Promise.all(
        (['stdout', 'stderr'] as const).map(
          (name) =>
            new Promise<void>((resolve) => {
              const sink = name === 'stdout' ? out : err;
              remote[name].on('data', (chunk: Buffer) => {
                sink.push(chunk);
                lines?.[name].push(chunk);
              });
              remote[name].once('end', resolve).once('close', resolve);
            }),
        ),
      );
      const onAbort = () => remote.kill('SIGTERM');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.stdin === undefined) remote.stdin.end();
      else remote.stdin.end(options.stdin);
      const status = await remote.closed;
      signal?.removeEventListener('abort', onAbort);
      await drained;
      lines?.stdout.end();
      lines?.stderr.end();
      if (signal?.aborted) throw signal.reason;
      return {
        ...status,
        stdout: stripFinalNewline(Buffer.concat(out).toString('utf8')),
        stderr: stripFinalNewline(Buffer.concat(err).toString('utf8')),
        durationMs: Date.now() - started,
      };
    } finally {
      release();
    }
  }

  /** Starts a command on its own channel with its streams open; stdin honours the channel's window. */
  spawn(command: string, options: Omit<ExecOptions, 'stdin' | 'onLine'> = {}): RemoteProcess {
    const client = this.#readyClient();
    const line = remoteCommandLine(command, this.#where(options));
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let remote: (SshCommand & { stdin: ClientChannel }) | undefined;
    let pendingKill: NodeJS.Signals | undefined;
    const kill = (name: NodeJS.Signals = 'SIGTERM') => {
      if (remote === undefined) pendingKill = name;
      else remote.kill(name);
    };
    const exited = (async (): Promise<{ exitCode: number | null; signal: string | null }> => {
      let release: (() => void) | undefined;
      try {
        release = await this.#slots.acquire(options.signal);
        remote = await this.#start(client, line);
        if (remote === undefined) throw new Error('connection lost');
      } catch {
        release?.();
        stdout.end();
        stderr.end();
        stdin.resume(); // whatever the caller still writes goes nowhere, without errors
        return { exitCode: null, signal: null };
      }
      const running = remote;
      stdin.pipe(running.stdin);
      running.stdout.pipe(stdout);
      running.stderr.pipe(stderr);
      const onAbort = () => running.kill('SIGTERM');
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      if (pendingKill) running.kill(pendingKill);
      const status = await running.closed;
      options.signal?.removeEventListener('abort', onAbort);
      stdin.unpipe(running.stdin);
      stdin.resume();
      release();
      return status;
    })();
    return { stdin, stdout, stderr, exited, kill };
  }

  /** Reverse-forwards a loopback port on the node to `localPort` on the runner's loopback. */
  async expose(localPort: number): Promise<ExposedPort> {
    const client = this.#readyClient();
    const remotePort = await new Promise<number>((resolve, reject) =>
      client.forwardIn('127.0.0.1', 0, (error, port) => (error ? reject(error) : resolve(port))),
    ).catch((error: Error) => {
      throw new LockstepError(
        ErrorCodes.FORWARD_REFUSED,
        `${this.node.name} (${this.address}): sshd refused a reverse port forward (${error.message}); allow it with AllowTcpForwarding yes (or remote) in sshd_config`,
        { cause: error },
      );
    });
    this.#forwards.set(remotePort, localPort);
    let disposed = false;
    return {
      address: `127.0.0.1:${remotePort}`,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        this.#forwards.delete(remotePort);
        if (this.#state !== 'ready') return;
        await new Promise<void>((resolve) => client.unforwardIn('127.0.0.1', remotePort, () => resolve()));
      },
    };
  }

  /** Closes the connection; running commands end with exitCode null. */
  async dispose(): Promise<void> {
    if (this.#state === 'disposed') return;
    const wasOpen = this.#state === 'ready';
    this.#state = 'disposed';
    for (const socket of this.#sockets) socket.destroy();
    const client = this.#client;
    if (client && wasOpen) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, 2000);
        client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        client.end();
      });
    }
    this.#disconnect.dispose();
  }

  #readyClient(): Client {
    if (this.#state === 'ready' && this.#client) return this.#client;
    if (this.#state === 'lost' && this.#lost) throw this.#lost;
    throw new Error(`node ${this.node.name}: transport is not connected; call connect() first`);
  }

  /** Where a command runs: its cwd, or the node's workdir; a relative cwd is taken from the workdir. */
  #where(options: { env?: Record<string, string>; cwd?: string }): { env?: Record<string, string>; cwd?: string } {
    const workdir = this.node.workdir;
    const cwd = options.cwd === undefined ? workdir : workdir !== undefined && !posix.isAbsolute(options.cwd) ? posix.join(workdir, options.cwd) : options.cwd;
    return { env: options.env, cwd };
  }

  /** Starts a command; undefined when the connection dropped meanwhile. */
  async #start(client: Client, line: string): Promise<(SshCommand & { stdin: ClientChannel }) | undefined> {
    return this.#openExec(client, line, (channel) =>
      Object.assign(new SshCommand(channel, (pid, name) => void this.#killGroup(pid, name)), { stdin: channel }),
    );
  }

  /**
   * Opens an exec channel. sshd may still count a just-closed session against MaxSessions for a
   * moment, so a refused open is retried briefly before it counts as a failure.
   *
   * `wrap` runs inside ssh2's callback, before anything else: a fast command's exit status and
   * close can arrive in the same read as the exec's success, and ssh2 emits them synchronously,
   * so listeners attached after an `await` would miss the exit status.
   */
  async #openExec<T = ClientChannel>(
    client: Client,
    line: string,
    wrap: (channel: ClientChannel) => T = (channel) => channel as T,
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<T>((resolve, reject) =>
          client.exec(line, (error, channel) => (error ? reject(error) : resolve(wrap(channel)))),
        );
      } catch (error) {
        if (this.#state !== 'ready') return undefined;
        if (attempt < OPEN_RETRIES && /open failure/i.test((error as Error).message)) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 250)));
          continue;
        }
        throw new ConnectionError(this.node.name, this.address, 'other', `could not open a channel: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** Signals a remote process group from a separate channel (root sessions ignore channel signals). */
  async #killGroup(pid: number, name: string): Promise<void> {
    if (this.#state !== 'ready' || !/^[A-Z0-9]+$/.test(name)) return;
    try {
      const channel = await this.#openExec(this.#client!, `kill -s ${name} -- -${pid} 2>/dev/null || kill -s ${name} ${pid} 2>/dev/null`);
      channel?.on('error', () => {});
      channel?.resume();
      channel?.stderr.resume();
      channel?.end();
    } catch {
      // best effort: the grace timer closes the channel anyway
    }
  }

  #onClose(): void {
    if (this.#state !== 'ready') return; // disposed on purpose
    this.#state = 'lost';
    const target = this.#target!;
    const reason =
      this.#lastError?.message === 'Keepalive timeout'
        ? `no answer to ${target.keepaliveCountMax} keepalives sent ${target.keepaliveIntervalMs}ms apart`
        : (this.#lastError?.message ?? 'closed by the remote host');
    this.#lost = new ConnectionError(this.node.name, this.address, 'lost', `connection lost: ${reason}`, { cause: this.#lastError });
    for (const socket of this.#sockets) socket.destroy();
    this.#disconnect.fire(this.#lost);
  }

  #onForwardedConnection(info: TcpConnectionDetails, accept: AcceptConnection<ClientChannel>, reject: RejectConnection): void {
    const localPort = this.#forwards.get(info.destPort);
    if (localPort === undefined) return reject();
    const socket = netConnect({ host: '127.0.0.1', port: localPort });
    socket.once('error', () => reject());
    socket.once('connect', () => {
      socket.setNoDelay(true);
      const channel = accept();
      this.#sockets.add(socket);
      socket.removeAllListeners('error');
      socket.on('error', () => channel.close());
      channel.on('error', () => socket.destroy());
      socket.once('close', () => {
        this.#sockets.delete(socket);
        channel.close();
      });
      channel.once('close', () => socket.destroy());
      channel.pipe(socket).pipe(channel);
    });
  }
}
