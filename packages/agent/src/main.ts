import { parseArgs } from 'node:util';
import { ErrorCodes, isLockstepError } from '@lockstep/core';
import { Agent } from './agent.js';
import { requestAgent } from './control/control-client.js';
import { defaultControlAddress } from './wire/address.js';

const usage = `usage: lockstep-agent --base DIR [--group 239.x.y.z:port] [--interface ADDR] [--key FILE]
                      [--control unix:PATH|tcp:HOST:PORT] [--name NAME] [--ttl N]
                      [--announce-interval 2s] [--member-timeout 10s] [--retry-interval 250ms]
                      [--max-retries 40] [--ring-port PORT] [--chunk-bytes N] [--datagram-bytes N]
                      [--user U] [--group-owner G]
       lockstep-agent request [--control ADDR] METHOD [JSON-PARAMS]`;

/**
 * Entry point of the bundled agent (`lockstep-agent.mjs`): runs the daemon until SIGTERM or
 * SIGINT, or, with `request`, sends one control request and prints its events and result as
 * JSON lines (what a step uses over SSH when the runner cannot reach the socket itself).
 *
 * @param argv arguments after the script
 * @returns the exit code
 */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'request') {
    const { values, positionals } = parseArgs({ args: argv.slice(1), options: { control: { type: 'string', short: 'c' } }, allowPositionals: true });
    const [method, json] = positionals;
    if (!method) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    try {
      const result = await requestAgent(values.control ?? process.env.LOCKSTEP_AGENT ?? defaultControlAddress(), method, json ? (JSON.parse(json) as Record<string, unknown>) : {}, {
        onEvent: (event) => process.stdout.write(`${JSON.stringify({ event })}\n`),
      });
      process.stdout.write(`${JSON.stringify({ result })}\n`);
      return 0;
    } catch (error) {
      const e = error as { code?: string; message: string; data?: unknown };
      process.stdout.write(`${JSON.stringify({ error: { code: e.code ?? ErrorCodes.AGENT_REQUEST_FAILED, message: e.message, data: e.data } })}\n`);
      return 1;
    }
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string', short: 'b' },
      group: { type: 'string' },
      interface: { type: 'string' },
      key: { type: 'string', short: 'k' },
      control: { type: 'string', short: 'c', multiple: true },
      name: { type: 'string' },
      ttl: { type: 'string' },
      'announce-interval': { type: 'string' },
      'member-timeout': { type: 'string' },
      'retry-interval': { type: 'string' },
      'max-retries': { type: 'string' },
      'ring-port': { type: 'string' },
      'chunk-bytes': { type: 'string' },
      'datagram-bytes': { type: 'string' },
      user: { type: 'string', short: 'u' },
      'group-owner': { type: 'string', short: 'g' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.base) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  let agent: Agent;
  try {
    agent = await Agent.start({
      base: values.base,
      group: values.group,
      interface: values.interface,
      key: values.key,
      control: values.control,
      name: values.name,
      ttl: num(values.ttl),
      announceInterval: values['announce-interval'],
      memberTimeout: values['member-timeout'],
      retryInterval: values['retry-interval'],
      maxRetries: num(values['max-retries']),
      ringPort: num(values['ring-port']),
      chunkBytes: num(values['chunk-bytes']),
      datagramBytes: num(values['datagram-bytes']),
      user: values.user,
      groupOwner: values['group-owner'],
    });
  } catch (error) {
    process.stderr.write(isLockstepError(error) ? `${error.code} ${error.message}\n` : `${(error as Error).stack}\n`);
    return 1;
  }
  agent.onDidLog((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  process.stderr.write(`lockstep-agent ${agent.options.name} (${agent.id}) on ${agent.options.interface}, group ${agent.options.group.address}:${agent.options.group.port}, control ${agent.controls.join(' ')}, ${agent.options.key ? 'sealed' : 'clear text (loopback only)'}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await agent.dispose();
  return 0;
}
