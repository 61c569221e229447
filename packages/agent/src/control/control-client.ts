import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { ErrorCodes, LockstepError } from '@lockstep/core';
import { parseControlAddress } from '../wire/address.js';

/** Options of one control request. */
export interface AgentRequestOptions {
  /** Called with each progress event before the result. */
  onEvent?: (event: unknown) => void;
  /** Gives up (and hangs up, which aborts the request on the agent) when aborted. */
  signal?: AbortSignal;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

/** An error the agent answered with; `data` carries the partial report, if any. */
export class AgentRequestError extends LockstepError {
  override name = 'AgentRequestError';
  /** What the agent attached (e.g. the push report naming failed members). */
  readonly data: unknown;

  constructor(code: string, message: string, data: unknown) {
    super(code, message);
    this.data = data;
  }
}

/**
 * Sends one request to an agent's control socket and waits for its result.
 *
 * @param control `unix:PATH` or `tcp:HOST:PORT`
 * @param method e.g. `members`, `push`, `ring.run`
 * @param params the method's parameters
 * @param options progress callback, abort signal, connect timeout
 * @returns the result the agent sent
 * @throws {LockstepError} `AGENT_UNREACHABLE` when the socket cannot be reached, or
 * {@link AgentRequestError} with the agent's code and message when it answers with an error
 */
export function requestAgent<T = unknown>(control: string, method: string, params: Record<string, unknown> = {}, options: AgentRequestOptions = {}): Promise<T> {
  const address = parseControlAddress(control);
  return new Promise<T>((resolve, reject) => {
    const socket = address.kind === 'unix' ? connect(address.path) : connect(address.port, address.host);
    let settled = false;
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(value as T);
    };
    const onAbort = () => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new LockstepError(ErrorCodes.AGENT_UNREACHABLE, `agent at ${control} did not accept a connection within ${options.connectTimeoutMs ?? 5000}ms`)),
      options.connectTimeoutMs ?? 5000,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.write(`${JSON.stringify({ id: 1, method, params })}\n`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'is the agent running? start it with `lockstep agent`' : error.message;
      finish(new LockstepError(ErrorCodes.AGENT_UNREACHABLE, `cannot reach the agent at ${control} (${error.code ?? 'error'}): ${reason}`, { cause: error }));
    });
    socket.on('close', () => finish(new LockstepError(ErrorCodes.AGENT_UNREACHABLE, `the agent at ${control} hung up before answering ${method}`)));
    const lines = createInterface({ input: socket });
    // readline re-emits the socket's errors; the socket's own handler reports them.
    lines.on('error', () => undefined);
    lines.on('line', (line) => {
      let message: { event?: unknown; result?: unknown; error?: { code: string; message: string; data?: unknown } };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if ('event' in message) options.onEvent?.(message.event);
      else if (message.error) finish(new AgentRequestError(message.error.code, message.error.message, message.error.data));
      else if ('result' in message) finish(undefined, message.result as T);
    });
  });
}
