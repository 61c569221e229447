import { ErrorCodes } from '@lockstep/core';
import type { StepNode } from '@lockstep/core';
import { requestAgent, AgentRequestError } from './control-client.js';
import type { AgentRequestOptions } from './control-client.js';

/**
 * A tiny control client run with `node -` on a remote node: it connects to the agent's socket
 * there, sends one request, and prints each answer line. Only Node is needed on the node.
 */
const REMOTE_CLIENT = `
const net = require('node:net');
const [control, method, params] = JSON.parse(process.env.LOCKSTEP_AGENT_REQUEST);
const m = /^tcp:(.+):(\\d+)$/.exec(control);
const socket = m ? net.connect(Number(m[2]), m[1]) : net.connect(control.replace(/^unix:/, ''));
socket.on('error', (e) => { console.log(JSON.stringify({ error: { code: 'LS6001', message: 'cannot reach the agent at ' + control + ' (' + (e.code || e.message) + ')' } })); process.exit(1); });
socket.on('connect', () => socket.write(JSON.stringify({ id: 1, method, params }) + '\\n'));
let buf = '';
socket.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); console.log(line); const o = JSON.parse(line); if ('result' in o || o.error) { socket.end(); process.exit(0); } } });
`;

/**
 * Sends a control request to the agent of a step's node: directly from the runner for local
 * nodes, and over the node's own transport (running a small Node client there) for SSH nodes,
 * whose control socket the runner cannot reach.
 *
 * @param node the step's node
 * @param control the agent's control address on that node
 * @param method control method
 * @param params its parameters
 * @param options progress callback and abort signal
 * @returns the result
 * @throws {AgentRequestError} with the agent's code when it answers with an error; a
 * LockstepError `AGENT_UNREACHABLE` when the socket cannot be reached
 */
export async function requestAgentOnNode<T = unknown>(node: StepNode, control: string, method: string, params: Record<string, unknown>, options: AgentRequestOptions = {}): Promise<T> {
  if (node.transport.kind === 'local') return requestAgent<T>(control, method, params, options);
  let outcome: { result?: T; error?: { code: string; message: string; data?: unknown } } | undefined;
  const result = await node.exec('node -', {
    stdin: REMOTE_CLIENT,
    env: { LOCKSTEP_AGENT_REQUEST: JSON.stringify([control, method, params]) },
    signal: options.signal,
    onLine: (stream, line) => {
      if (stream !== 'stdout') return;
      try {
        const message = JSON.parse(line) as { event?: unknown; result?: T; error?: { code: string; message: string; data?: unknown } };
        if ('event' in message) options.onEvent?.(message.event);
        else outcome = message;
      } catch {
        // not ours
      }
    },
  });
  if (outcome?.error) throw new AgentRequestError(outcome.error.code, outcome.error.message, outcome.error.data);
  if (!outcome || !('result' in outcome)) throw new AgentRequestError(ErrorCodes.AGENT_UNREACHABLE, `no answer from the agent at ${control} on ${node.name} (exit ${result.exitCode}): ${result.stderr.trim().slice(-500)}`, undefined);
  return outcome.result as T;
}
