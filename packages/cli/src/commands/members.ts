import { Command, Option } from 'clipanion';
import type { LockstepContext } from '../context.js';
import { jsonOption } from '../options.js';

interface MembersAnswer {
  self: { id: string; name: string; address: string; control: string };
  members: Array<{ id: string; name: string; address: string; control?: string; ring?: string; silentMs: number }>;
}

/** `lockstep members`: the live members as the agent sees them. */
export class MembersCommand extends Command<LockstepContext> {
  static override paths = [['members']];

  static override usage = Command.Usage({
    category: 'Agent',
    description: 'list the live members as the local agent sees them',
    details: `
      Asks the agent at \`-c\` (else \`$LOCKSTEP_AGENT\`, else the default socket) for its member list: every agent heard on the multicast group within the member timeout, with its address and how long ago it last announced. A push goes to exactly these members (or those \`-t\` picks).
    `,
    examples: [
      ['List the members', '$0 members'],
      ['Ask a given agent, as JSON', '$0 members -c unix:/tmp/agent.sock --json'],
    ],
  });

  control = Option.String('--control,-c', { description: 'agent control socket (unix:PATH or tcp:HOST:PORT)' });
  json = jsonOption('print the answer as one JSON document');

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl } = await import('@lockstep/agent');
    const answer = await requestAgent<MembersAnswer>(resolveAgentControl(this.control, this.context.env), 'members', {}, { signal: this.context.signal });
    const { stdout } = this.context;
    if (this.json) {
      stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      return 0;
    }
    stdout.write(`${answer.self.name} (${answer.self.address}, this agent)\n`);
    for (const m of answer.members) stdout.write(`${m.name} (${m.address}) last heard ${(m.silentMs / 1000).toFixed(1)}s ago${m.control ? `, control ${m.control}` : ''}\n`);
    stdout.write(`${answer.members.length} live member${answer.members.length === 1 ? '' : 's'} besides this agent\n`);
    return 0;
  }
}
