import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../context.js';

/** `lockstep agent`: runs the node agent in the foreground (makuosan's daemon). */
export class AgentCommand extends Command<LockstepContext> {
  static override paths = [['agent']];

  static override usage = Command.Usage({
    category: 'Agent',
    description: 'run the node agent: multicast membership, push receiver, ring member',
    details: `
      Runs lockstep's node agent until interrupted (SIGINT or SIGTERM). The agent announces itself on the multicast \`--group\` every \`--announce-interval\` and keeps a list of live members; a member silent for \`--member-timeout\` drops out, so a push never waits for a dead node. It receives pushes into \`--base\`, serves as a ring member for \`lockstep ring\`, and answers \`lockstep push\`, \`lockstep members\` and \`lockstep ring\` on its control socket(s) (\`--control\`, repeatable: \`unix:PATH\` or \`tcp:HOST:PORT\`).

      The interface is always set explicitly: \`--interface ADDR\` (default: loopback without a key; with a key, the machine's only non-loopback IPv4 address). Every datagram is sealed with AES-256-GCM under the shared \`--key\` file, and anything that does not open is dropped. Without a key the agent refuses to listen anywhere but loopback. The multicast TTL is 1 unless \`--ttl\` says otherwise, so pushes stay on the local segment.

      On a node without lockstep installed, run the one-file bundle instead: \`node lockstep-agent.mjs --base DIR …\` (see docs/agent.md, which also has a systemd unit).
    `,
    examples: [
      ['Run an agent on loopback for local tests', '$0 agent --base /tmp/www --control unix:/tmp/agent.sock'],
      ['Run a sealed agent on a LAN interface', '$0 agent --base /var/www --interface 10.0.0.5 --key /etc/lockstep/key --user www-data --group-owner www-data'],
    ],
  });

  base = Option.String('--base,-b', { required: true, description: 'base directory: pushed paths are relative to it' });
  group = Option.String('--group', { description: 'multicast group and port (default 239.192.76.83:7683)', validator: t.cascade(t.isString(), [t.matchesRegExp(/^\d+\.\d+\.\d+\.\d+:\d+$/)]) });
  iface = Option.String('--interface', { description: 'IPv4 address of the interface to use (always set explicitly)' });
  key = Option.String('--key,-k', { description: 'shared key file (64 hex digits, or a passphrase)' });
  control = Option.Array('--control,-c', { description: 'control socket, unix:PATH or tcp:HOST:PORT (repeatable)' });
  name = Option.String('--name', { description: 'member name shown in reports (default: the interface address)' });
  ttl = Option.String('--ttl', { description: 'multicast TTL (default 1)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 255)]) });
  announceInterval = Option.String('--announce-interval', { description: 'how often to announce (default 2s)' });
  memberTimeout = Option.String('--member-timeout', { description: 'silence after which a member drops out (default 10s)' });
  retryInterval = Option.String('--retry-interval', { description: 'how often a push asks a silent member again (default 250ms)' });
  maxRetries = Option.String('--max-retries', { description: 'unanswered asks before a member is named as failed (default 40)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });
  ringPort = Option.String('--ring-port', { description: 'UDP port of the ring socket (default: any free port)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 65535)]) });
  chunkBytes = Option.String('--chunk-bytes', { description: 'file bytes per chunk, the unit members ask again for (default: one frame of the interface MTU)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(256, 60000)]) });
  datagramBytes = Option.String('--datagram-bytes', { description: 'file bytes one datagram carries at most on a clean network (default 60000; set to --chunk-bytes to never fragment)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(256, 65000)]) });
  user = Option.String('--user,-u', { description: 'drop privileges to this user after binding' });
  groupOwner = Option.String('--group-owner,-g', { description: 'drop privileges to this group after binding' });

  override async execute(): Promise<number> {
    const { Agent } = await import('@lockstep/agent');
    const agent = await Agent.start({
      base: this.base,
      group: this.group,
      interface: this.iface,
      key: this.key,
      control: this.control,
      name: this.name,
      ttl: this.ttl,
      announceInterval: this.announceInterval,
      memberTimeout: this.memberTimeout,
      retryInterval: this.retryInterval,
      maxRetries: this.maxRetries,
      ringPort: this.ringPort,
      chunkBytes: this.chunkBytes,
      datagramBytes: this.datagramBytes,
      user: this.user,
      groupOwner: this.groupOwner,
    });
    const { stderr } = this.context;
    agent.onDidLog((line) => stderr.write(`${new Date().toISOString()} ${line}\n`));
    stderr.write(`agent ${agent.options.name} on ${agent.options.interface}, group ${agent.options.group.address}:${agent.options.group.port}, control ${agent.controls.join(' ')}, ${agent.options.key ? 'sealed' : 'clear text (loopback only)'}\n`);
    // main.ts turns SIGINT and SIGTERM into this signal.
    await new Promise<void>((resolve) => {
      if (this.context.signal.aborted) resolve();
      this.context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await agent.dispose();
    return 0;
  }
}
