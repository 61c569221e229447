import { createServer, type Server, type Socket } from 'node:net';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import type { Coordinator } from './coordinator.js';
import { CoordinatorError } from './coordinator-error.js';
import { MAX_LINE_BYTES } from './protocol.js';
import { ServerConnection } from './server-connection.js';

/** Options of {@link CoordinatorServer.listen}. */
export interface CoordinatorServerOptions {
  coordinator: Coordinator;
  /** Address to bind. Default `127.0.0.1`: serving other machines is a choice, not a default. */
  host?: string;
  /** Port; default 0 (any free port, see {@link CoordinatorServer.port}). */
  port?: number;
  /** The shared secret every client sends with `AUTH`. */
  token: string;
  /** Longest request line in bytes (default 4096). */
  maxLineBytes?: number;
  /** Requests one connection may have in flight (default 1000). */
  maxPendingPerConnection?: number;
  /** Time a connection has to authenticate before it is closed (default 10 s). */
  authTimeoutMs?: number;
}

/**
 * The coordinator's network service: the line protocol of docs/protocol.md over TCP, one
 * session per connection.
 *
 * @example
 * const server = await CoordinatorServer.listen({ coordinator, token });
 * console.log(server.address); // 127.0.0.1:41234
 */
export class CoordinatorServer implements Disposable {
  readonly #server: Server;
  readonly #connections: Set<ServerConnection>;
  /** `host:port` clients dial. */
  readonly address: string;
  /** The bound host. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;

  private constructor(server: Server, connections: Set<ServerConnection>, host: string, port: number) {
    this.#server = server;
    this.#connections = connections;
    this.host = host;
    this.port = port;
    this.address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /**
   * Starts serving.
   * @param options the coordinator to serve, where, the token, limits
   * @returns the listening server
   * @throws {CoordinatorError} `COORDINATOR_UNREACHABLE` when the address cannot be bound (in use, not local)
   */
  static async listen(options: CoordinatorServerOptions): Promise<CoordinatorServer> {
    if (!options.token) throw new TypeError('CoordinatorServer.listen: token must be a non-empty string');
    const host = options.host ?? '127.0.0.1';
    const limits = {
      token: options.token,
      maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES,
      maxPending: options.maxPendingPerConnection ?? 1000,
      authTimeoutMs: options.authTimeoutMs ?? 10_000,
    };
    const connections = new Set<ServerConnection>();
    const server = createServer((socket: Socket) => {
      const connection = new ServerConnection(socket, options.coordinator, limits);
      connections.add(connection);
      socket.once('close', () => connections.delete(connection));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new CoordinatorError(ErrorCodes.COORDINATOR_UNREACHABLE, `cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error })),
      );
      server.listen({ host, port: options.port ?? 0 }, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
    return new CoordinatorServer(server, connections, host, port);
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Stops listening and closes every connection (their sessions end). */
  async dispose(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#connections].map((c) => c.close()));
    await closed;
  }
}
