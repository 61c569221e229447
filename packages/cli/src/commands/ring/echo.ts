import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../../context.js';
import { jsonOption } from '../../options.js';
import { coordinatorOption, membersOption, memberTimeoutOption, ringParams } from './ring-options.js';

/** `lockstep ring echo`: echoes every ring member (stillepost's `echo-members`). */
export class RingEchoCommand extends Command<LockstepContext> {
  static override paths = [['ring', 'echo']];

  static override usage = Command.Usage({
    category: 'Ring',
    description: 'send a UDP echo to every ring member and time the replies',
    details: `
      The coordinating agent sends sealed UDP echo requests to each member's ring socket and times the replies: it checks that each member's agent is alive and reachable on the path tours take. A member that does not reply within \`--member-timeout\` is named; the command then exits 1.
    `,
    examples: [['Echo the configured ring', '$0 ring echo'], ['Echo two agents five times each', '$0 ring echo --members tcp:10.0.0.1:7700,tcp:10.0.0.2:7700 --echo-count 5']],
  });

  control = coordinatorOption();
  members = membersOption();
  memberTimeout = memberTimeoutOption();
  echoCount = Option.String('--echo-count', { description: 'echo requests per member (default 3)', validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });
  json = jsonOption('print the answer as one JSON document');

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl, formatMs } = await import('@lockstep/agent');
    const answer = await requestAgent<Array<{ control: string; name?: string; endpoint?: string; rttMs: Array<number | null>; error?: string }>>(
      resolveAgentControl(this.control, this.context.env),
      'ring.echo',
      { ...ringParams(this), echoCount: this.echoCount },
      { signal: this.context.signal },
    );
    if (this.json) this.context.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else {
      for (const m of answer) {
        const times = m.rttMs.map((r) => (r === null ? 'lost' : formatMs(r))).join(' ');
        this.context.stdout.write(`${m.control} (${m.name ?? '?'}) ${m.error ? `FAILED: ${m.error}` : `rtt ${times}`}\n`);
      }
    }
    return answer.some((m) => m.error) ? 1 : 0;
  }
}
