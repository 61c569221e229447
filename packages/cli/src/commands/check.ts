import { Command, Option } from 'clipanion';
import type { LockstepContext } from '../context.js';
import { varsFromWords, varsOption } from '../options.js';

/** `lockstep check PLAYBOOK`: validates a playbook without running it. */
export class CheckCommand extends Command<LockstepContext> {
  static override paths = [['check']];

  static override usage = Command.Usage({
    category: 'Playbooks',
    description: 'validate a playbook without running it',
    details: `
      Reads \`PLAYBOOK\`, checks it against the playbook schema and the step types of the installed plugins (and of the plugins the playbook lists), and checks its templates and node references. No node is contacted and no plugin code runs.

      Prints \`ok: N nodes, M phases, K steps\`, or every problem as \`file:line:col: message\` with the offending line, and exits with 2.
    `,
    examples: [
      ['Check a playbook', '$0 check deploy.yml'],
      ['Check it with a var that a template needs', '$0 check deploy.yml --vars version=1.2.3'],
    ],
  });

  playbook = Option.String({ name: 'PLAYBOOK' });
  vars = varsOption();

  override async execute(): Promise<number> {
    const { loadPlaybookFor } = await import('../load-playbook.js');
    const { playbook } = await loadPlaybookFor(this.context, this.playbook, varsFromWords(this.vars));
    const steps = playbook.phases.reduce((sum, phase) => sum + phase.steps.length, 0);
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    this.context.stdout.write(
      `ok: ${count(playbook.nodes.length, 'node')}, ${count(playbook.phases.length, 'phase')}, ${count(steps, 'step')}\n`,
    );
    return 0;
  }
}
