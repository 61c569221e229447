import { EventEmitter, type Event } from '../event.js';
import type { NodeSpec } from '../playbook/model.js';
import type { ExecOptions, ExecResult, ExposedPort, RemoteProcess, Transport } from './transport.js';

/** Options of {@link createTransport}. */
export interface CreateTransportOptions {
  /** Directory a local node's relative `workdir` resolves against (the playbook's dir); default the process cwd. */
  baseDir?: string;
}

/**
 * Makes the transport for a node: `local` (child processes in the node's working directory) or
 * `ssh` (one ssh2 connection, channels multiplexed). Nothing is loaded or opened yet: the
 * implementation, with execa or ssh2, is imported by {@link Transport.connect}, so that commands
 * which never connect (`lockstep check`, `--help`) start fast.
 *
 * @param node the node, as the playbook defines it
 * @param options where relative local working directories live
 * @returns a transport to `connect()` before use, and to dispose after the run
 * @throws {TypeError} when `node.connection` is neither `ssh` nor `local`
 * @example
 * const transport = createTransport(playbook.nodes[0], { baseDir: playbook.dir });
 * await transport.connect();
 * const { exitCode, stdout } = await transport.exec('uname -a');
 * await transport.dispose();
 */
export function createTransport(node: NodeSpec, options: CreateTransportOptions = {}): Transport {
  if (node.connection !== 'ssh' && node.connection !== 'local') {
    throw new TypeError(`node ${node.name}: connection must be "ssh" or "local", got ${JSON.stringify(node.connection)}`);
  }
  return new LazyTransport(node, options);
}

/** Delegates to the real transport once `connect()` has imported it. */
class LazyTransport implements Transport {
  readonly kind: 'local' | 'ssh';
  readonly node: NodeSpec;
  readonly #options: CreateTransportOptions;
  readonly #disconnect = new EventEmitter<Error>();
  readonly onDidDisconnect: Event<Error> = this.#disconnect.event;
  #inner: Transport | undefined;
  #loading: Promise<Transport> | undefined;
  #disposed = false;

  constructor(node: NodeSpec, options: CreateTransportOptions) {
    this.kind = node.connection;
    this.node = node;
    this.#options = options;
  }

  async connect(signal?: AbortSignal): Promise<void> {
    if (this.#disposed) throw new Error(`node ${this.node.name}: transport was disposed`);
    this.#loading ??= this.#load();
    const inner = await this.#loading;
    await inner.connect(signal);
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.#connected().exec(command, options);
  }

  spawn(command: string, options?: Omit<ExecOptions, 'stdin' | 'onLine'>): RemoteProcess {
    return this.#connected().spawn(command, options);
  }

  async expose(localPort: number): Promise<ExposedPort> {
    return this.#connected().expose(localPort);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const inner = this.#inner ?? (this.#loading ? await this.#loading.catch(() => undefined) : undefined);
    await inner?.dispose();
    this.#disconnect.dispose();
  }

  async #load(): Promise<Transport> {
    const inner: Transport =
      this.kind === 'ssh'
        ? new (await import('./ssh-transport.js')).SshTransport(this.node)
        : new (await import('./local-transport.js')).LocalTransport(this.node, this.#options);
    inner.onDidDisconnect((error) => this.#disconnect.fire(error));
    this.#inner = inner;
    return inner;
  }

  #connected(): Transport {
    if (this.#inner === undefined) throw new Error(`node ${this.node.name}: transport is not connected; call connect() first`);
    return this.#inner;
  }
}
