import { Command } from 'clipanion';
import { jsonOption } from '../../options.js';
import { RingFlagsCommand } from './ring-options.js';

/** `lockstep ring configure`: sets up a ring of agents on the coordinating agent (stillepost's `configure`). */
export class RingConfigureCommand extends RingFlagsCommand {
  static override paths = [['ring', 'configure']];

  static override usage = Command.Usage({
    category: 'Ring',
    description: 'configure a ring of agents for latency tours',
    details: `
      Stores the ring on the agent at \`-c\` (the coordinator; else \`$LOCKSTEP_AGENT\`, else the default socket) and checks that every member answers. Members are agents named by their control addresses (\`tcp:HOST:PORT\`), in ring order; the first is the origin that times each tour.

      Defaults as in stillepost: 256-byte messages, count 1, forward-immediately off (each member waits for all \`--count\` messages, or \`--member-timeout\`, before passing them on). \`--msg-bytes 64,512,1400\` makes \`lockstep ring run\` sweep the sizes, one tour each. A size that cannot be one UDP datagram is refused here.
    `,
    examples: [['Configure a ring of three agents', '$0 ring configure --members tcp:10.0.0.1:7700,tcp:10.0.0.2:7700,tcp:10.0.0.3:7700 --msg-bytes 256 --count 100 --forward-immediately']],
  });

  json = jsonOption('print the answer as one JSON document');

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl } = await import('@lockstep/agent');
    const answer = await requestAgent<{ members: Array<{ control: string; endpoint: string; name: string }> }>(resolveAgentControl(this.control, this.context.env), 'ring.configure', this.params(), { signal: this.context.signal });
    if (this.json) this.context.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else for (const m of answer.members) this.context.stdout.write(`${m.control} (${m.name}) ring socket ${m.endpoint}\n`);
    return 0;
  }
}
