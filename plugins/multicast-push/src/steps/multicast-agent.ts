import { readFile } from 'node:fs/promises';
import { ErrorCodes, LockstepError, shellQuote, toDisposable } from '@lockstep/core';
import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { bundlePath, localAgentScript } from '@lockstep/agent';
import { existsSync } from 'node:fs';

/** Arguments of the `multicast-agent` step: the agent's own flags. */
export interface MulticastAgentArgs {
  base: string;
  group?: string;
  interface?: string;
  /** Key file on the node. */
  key?: string;
  /** Control addresses on the node (default the agent's default socket). */
  control?: string | string[];
  name?: string;
  'announce-interval'?: string;
  'member-timeout'?: string;
  'ring-port'?: number;
  /** Where to put the bundle on an SSH node (default /tmp). */
  dir?: string;
}

/** How long to wait for a starting agent to say it is up (a slow login shell counts too). */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts a lockstep agent on the node for the rest of the run: uploads the one-file bundle over
 * the node's own connection (SSH nodes; local nodes run it in place), starts it with `node`, and
 * stops it (SIGTERM) when the run ends, fails or is interrupted.
 *
 * @param args the agent's flags
 * @param context the step context
 * @returns a summary naming the agent and its control address
 * @throws {LockstepError} `AGENT_OPTIONS_INVALID` with the agent's own message when it does not start
 */
export const multicastAgentStep: StepHandler<MulticastAgentArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const node = context.node;
  let script = localAgentScript().path;
  if (node.transport.kind !== 'local') {
    if (!existsSync(bundlePath())) {
      throw new LockstepError(ErrorCodes.AGENT_OPTIONS_INVALID, `the agent bundle ${bundlePath()} has not been built: run \`yarn workspace @lockstep/agent bundle\``);
    }
    const dir = args.dir ?? '/tmp';
    script = `${dir}/lockstep-agent-${context.run.id}.mjs`;
    const upload = await node.exec(`mkdir -p ${shellQuote(dir)} && cat > ${shellQuote(script)}`, { stdin: await readFile(bundlePath()), signal: context.signal });
    if (upload.exitCode !== 0) throw new LockstepError(ErrorCodes.AGENT_OPTIONS_INVALID, `could not upload the agent bundle to ${node.name}:${script}: ${upload.stderr.trim()}`);
  }
  const flags: string[] = ['--base', args.base];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) flags.push(flag, String(value));
  };
  add('--group', args.group);
  add('--interface', args.interface);
  add('--key', args.key);
  for (const control of args.control === undefined ? [] : Array.isArray(args.control) ? args.control : [args.control]) add('--control', control);
  add('--name', args.name ?? node.name);
  add('--announce-interval', args['announce-interval']);
  add('--member-timeout', args['member-timeout']);
  add('--ring-port', args['ring-port']);
  const command = `exec node ${[script, ...flags].map(shellQuote).join(' ')}`;
  const agent = node.spawn(command);
  let stderr = '';
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    agent.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('lockstep-agent ')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void agent.exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
    context.signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  if (!started) {
    agent.kill('SIGKILL');
    throw new LockstepError(ErrorCodes.AGENT_OPTIONS_INVALID, `the agent did not start on ${node.name}: ${stderr.trim() || 'no output'}`);
  }
  // Keep draining stderr so the agent never blocks on a full pipe.
  agent.stderr.on('data', (chunk: Buffer) => context.log.debug(chunk.toString().trimEnd()));
  context.run.subscriptions.push(
    toDisposable(async () => {
      agent.kill('SIGTERM');
      await Promise.race([agent.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      agent.kill('SIGKILL');
      if (node.transport.kind !== 'local') await node.exec(`rm -f ${shellQuote(script)}`).catch(() => undefined);
    }),
  );
  return { summary: stderr.split('\n').find((line) => line.startsWith('lockstep-agent '))?.replace('lockstep-agent ', 'agent ') ?? 'agent started' };
};

/**
 * Describes the step for `--dry-run`.
 * @param args the agent's flags
 */
export const planMulticastAgent: StepPlanner<MulticastAgentArgs> = (args) => `start a lockstep agent for the run (base ${args.base})`;
