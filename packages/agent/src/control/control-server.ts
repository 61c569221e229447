import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCodes, isLockstepError } from '@lockstep/core';
import type { ControlAddress } from '../wire/address.js';

/** Handles one control method: gets the params, an emitter for progress events, and an abort signal. */
export type ControlHandler = (params: Record<string, unknown>, emit: (event: unknown) => void, signal: AbortSignal) => Promise<unknown>;

/**
 * The agent's control socket: newline-delimited JSON. A request is
 * `{"id":1,"method":"members","params":{}}`; the answer is zero or more `{"id":1,"event":…}`
 * lines and then one `{"id":1,"result":…}` or `{"id":1,"error":{"code","message"}}`. A client
 * that hangs up aborts its requests.
 */
export class ControlServer {
  readonly #servers: Array<{ server: Server; address: ControlAddress }> = [];
  readonly #handlers = new Map<string, ControlHandler>();
  readonly #sockets = new Set<Socket>();

  /**
   * Registers a method.
   * @param method name, e.g. `push`
   * @param handler what answers it
   */
  handle(method: string, handler: ControlHandler): void {
    this.#handlers.set(method, handler);
  }

  /**
   * Starts listening on one more address. A stale unix socket file is replaced; the socket is made 0600 because it
   * can push files anywhere under the base directory.
   * @param address where to listen
   * @returns the TCP port actually bound (0 for unix)
   */
  async listen(address: ControlAddress): Promise<number> {
    const server = createServer((socket) => this.#serve(socket));
    this.#servers.push({ server, address });
    if (address.kind === 'unix') {
      mkdirSync(dirname(address.path), { recursive: true });
      rmSync(address.path, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      if (address.kind === 'unix') server.listen(address.path, done);
      else server.listen(address.port, address.host, done);
    });
    if (address.kind === 'unix') chmodSync(address.path, 0o600);
    const bound = server.address();
    return typeof bound === 'object' && bound ? bound.port : 0;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    const aborts = new Set<AbortController>();
    const write = (value: unknown) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      for (const abort of aborts) abort.abort(new Error('control client hung up'));
    });
    const lines = createInterface({ input: socket });
    lines.on('error', () => undefined);
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      let request: { id?: unknown; method?: unknown; params?: unknown };
      try {
        request = JSON.parse(line) as typeof request;
      } catch {
        write({ id: null, error: { code: ErrorCodes.AGENT_REQUEST_FAILED, message: 'request is not JSON' } });
        return;
      }
      const id = request.id ?? null;
      const handler = typeof request.method === 'string' ? this.#handlers.get(request.method) : undefined;
      if (!handler) {
        write({ id, error: { code: ErrorCodes.AGENT_REQUEST_FAILED, message: `unknown method ${JSON.stringify(request.method)}; known: ${[...this.#handlers.keys()].join(', ')}` } });
        return;
      }
      const abort = new AbortController();
      aborts.add(abort);
      const params = typeof request.params === 'object' && request.params !== null ? (request.params as Record<string, unknown>) : {};
      handler(params, (event) => write({ id, event }), abort.signal)
        .then((result) => write({ id, result: result ?? null }))
        .catch((error: unknown) => {
          const code = isLockstepError(error) ? error.code : ErrorCodes.AGENT_REQUEST_FAILED;
          const data = (error as { data?: unknown }).data;
          write({ id, error: { code, message: error instanceof Error ? error.message : String(error), data } });
        })
        .finally(() => aborts.delete(abort));
    });
  }

  /** Stops listening and hangs up on every client. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    for (const { server, address } of this.#servers.splice(0)) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (address.kind === 'unix') rmSync(address.path, { force: true });
    }
  }
}
