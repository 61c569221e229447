import { connect as netConnect, type Socket } from 'node:net';
import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import type { AcceptConnection, Client, ClientChannel, RejectConnection, TcpConnectionDetails } from 'ssh2';
import { ConnectionError } from '../errors/connection-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { EventEmitter, type Event } from '../event.js';
import type { NodeSpec } from '../playbook/model.js';
import { LineSplitter, stripFinalNewline } from './line-splitter.js';
import { DEFAULT_MAX_SESSIONS, SessionSlots } from './session-slots.js';
import { buildRemoteScript, shellQuote } from './shell-quote.js';
import { connectSsh } from './ssh-connect.js';
import { resolveSshTarget, type SshTarget } from './ssh-target.js';
import type { ExecOptions, ExecResult, ExposedPort, RemoteProcess, Transport } from './transport.js';

/** How long an aborted or killed command may take to exit after SIGTERM before SIGKILL and closing its channel. */
export const SSH_KILL_GRACE_MS = 2000;

/** Tuning of {@link SshTransport}; the defaults are what a run uses. */
export interface SshTransportOptions {
  /** TCP_NODELAY on the connection (default true). Only the latency benchmark turns it off. */
  noDelay?: boolean;
  /** Commands open at once on the connection (default 10, sshd's MaxSessions default); more wait. */
  maxSessions?: number;
  /** Environment for `SSH_AUTH_SOCK` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

type ExitStatus = { exitCode: number | null; signal: string | null };

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
    const script = remoteCommand(command, options, this.node.workdir);
    const release = await this.#slots.acquire(signal);
    const started = Date.now();
    try {
      const channel = await this.#openExec(client, script);
      if (channel === undefined) return { exitCode: null, signal: null, stdout: '', stderr: '', durationMs: Date.now() - started };
      return await new Promise<ExecResult>((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const lines = onLine && { stdout: new LineSplitter((l) => onLine('stdout', l)), stderr: new LineSplitter((l) => onLine('stderr', l)) };
        channel.on('data', (chunk: Buffer) => {
          out.push(chunk);
          lines?.stdout.push(chunk);
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          err.push(chunk);
          lines?.stderr.push(chunk);
        });
        const status = watchExit(channel);
        const stopAbort = abortOnSignal(channel, signal);
        channel.on('close', () => {
          stopAbort();
          const finish = () => {
            lines?.stdout.end();
            lines?.stderr.end();
            if (signal?.aborted) return reject(signal.reason);
            resolve({
              ...status(),
              stdout: stripFinalNewline(Buffer.concat(out).toString('utf8')),
              stderr: stripFinalNewline(Buffer.concat(err).toString('utf8')),
              durationMs: Date.now() - started,
            });
          };
          // stderr's last chunks may still be queued behind stdout's end.
          if (channel.stderr.readableEnded || channel.stderr.destroyed) finish();
          else channel.stderr.once('end', finish).once('close', finish);
        });
        if (options.stdin === undefined) channel.end();
        else channel.end(options.stdin);
      });
    } finally {
      release();
    }
  }

  /** Starts a command on its own channel with its streams open; stdin honours the channel's window. */
  spawn(command: string, options: Omit<ExecOptions, 'stdin' | 'onLine'> = {}): RemoteProcess {
    const client = this.#readyClient();
    const script = remoteCommand(command, options, this.node.workdir);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let channel: ClientChannel | undefined;
    let pendingKill: NodeJS.Signals | undefined;
    let stopKill = () => {};
    const kill = (name: NodeJS.Signals = 'SIGTERM') => {
      if (channel === undefined) pendingKill = name;
      else stopKill = signalThenClose(channel, name);
    };
    const endStreams = () => {
      stdout.end();
      stderr.end();
      stdin.resume(); // whatever the caller still writes goes nowhere, without errors
    };
    const exited = (async (): Promise<ExitStatus> => {
      let release: (() => void) | undefined;
      try {
        release = await this.#slots.acquire(options.signal);
        channel = await this.#openExec(client, script);
        if (channel === undefined) throw new Error('connection lost');
      } catch {
        release?.();
        endStreams();
        return { exitCode: null, signal: null };
      }
      const open = channel;
      const status = watchExit(open);
      stdin.pipe(open);
      open.pipe(stdout);
      open.stderr.pipe(stderr);
      const stopAbort = abortOnSignal(open, options.signal);
      if (pendingKill) kill(pendingKill);
      await new Promise<void>((resolve) => open.once('close', () => resolve()));
      stopAbort();
      stopKill();
      stdin.unpipe(open);
      stdin.resume();
      release();
      return status();
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

  /** Opens an exec channel; undefined when the connection dropped meanwhile. */
  async #openExec(client: Client, script: string): Promise<ClientChannel | undefined> {
    try {
      return await new Promise<ClientChannel>((resolve, reject) =>
        client.exec(script, (error, channel) => (error ? reject(error) : resolve(channel))),
      );
    } catch (error) {
      if (this.#state !== 'ready') return undefined;
      throw new ConnectionError(this.node.name, this.address, 'other', `could not open a channel: ${(error as Error).message}`, { cause: error });
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

function remoteCommand(command: string, options: { env?: Record<string, string>; cwd?: string }, workdir: string | undefined): string {
  // A node's workdir is where its commands start; a relative cwd is taken from there.
  const cwd = options.cwd === undefined ? workdir : workdir !== undefined && !posix.isAbsolute(options.cwd) ? posix.join(workdir, options.cwd) : options.cwd;
  return `sh -c ${shellQuote(buildRemoteScript(command, { env: options.env, cwd }))}`;
}

/** Records the channel's exit status (an `exit-status` or `exit-signal` message). */
function watchExit(channel: ClientChannel): () => ExitStatus {
  let status: ExitStatus = { exitCode: null, signal: null };
  channel.on('exit', (code: number | null, signal?: string) => {
    status = { exitCode: code ?? null, signal: signal ? `SIG${signal}` : null };
  });
  channel.on('error', () => {}); // surfaced through the exit status and the connection's events
  return () => status;
}

/** Sends a signal to the remote command; if it outlives the grace period, SIGKILL and close the channel. */
function signalThenClose(channel: ClientChannel, name: NodeJS.Signals): () => void {
  try {
    channel.signal(name.replace(/^SIG/, ''));
  } catch {
    // channel already closing
  }
  const timer = setTimeout(() => {
    try {
      channel.signal('KILL');
    } catch {
      // channel already closing
    }
    channel.close();
  }, SSH_KILL_GRACE_MS);
  return () => clearTimeout(timer);
}

function abortOnSignal(channel: ClientChannel, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => {};
  let stopKill = () => {};
  const onAbort = () => (stopKill = signalThenClose(channel, 'SIGTERM'));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    stopKill();
  };
}
