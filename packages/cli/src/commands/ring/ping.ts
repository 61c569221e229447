import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../../context.js';
import { jsonOption } from '../../options.js';
import { coordinatorOption, membersOption, ringParams } from './ring-options.js';

/** `lockstep ring ping`: ICMP-pings every member host (stillepost's `ping-systems`). */
export class RingPingCommand extends Command<LockstepContext> {
  static override paths = [['ring', 'ping']];

  static override usage = Command.Usage({
    category: 'Ring',
    description: 'ping every ring member host from the coordinating agent',
    details: `
      The coordinating agent runs \`ping -c 5\` against each member's host and returns the output: it checks the machines and the network underneath, whether or not the agents run. Needs \`ping\` on the coordinator (Debian: \`apt-get install iputils-ping\`). Exits 1 when any host did not answer.
    `,
    examples: [['Ping the hosts of the configured ring', '$0 ring ping']],
  });

  control = coordinatorOption();
  members = membersOption();
  pingCount = Option.String('--ping-count', { description: 'pings per host (default 5)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });
  json = jsonOption('print the answer as one JSON document');

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl } = await import('@lockstep/agent');
    const answer = await requestAgent<Array<{ control: string; host: string; exitCode: number; output: string }>>(
      resolveAgentControl(this.control, this.context.env),
      'ring.ping',
      { ...ringParams(this), pingCount: this.pingCount },
      { signal: this.context.signal },
    );
    if (this.json) this.context.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else for (const m of answer) this.context.stdout.write(`== ${m.control} (${m.host}): ${m.exitCode === 0 ? 'ok' : `exit ${m.exitCode}`}\n${m.output.trimEnd()}\n`);
    return answer.some((m) => m.exitCode !== 0) ? 1 : 0;
  }
}
