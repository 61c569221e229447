import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../context.js';
import { forksOption, isList, jsonOption, splitList, varsFromWords, varsOption } from '../options.js';
import { chooseReporterKind, useColor } from '../output-kind.js';

/** `lockstep run PLAYBOOK`: runs a playbook's phases on its nodes. */
export class RunCommand extends Command<LockstepContext> {
  static override paths = [['run']];

  static override usage = Command.Usage({
    category: 'Playbooks',
    description: 'run a playbook on its nodes',
    details: `
      Runs the phases of \`PLAYBOOK\` in order on the nodes each one names. A phase ends when all its nodes finished it (unless it says \`strategy: free\`); a node whose step fails stops there, the others finish the phase, and the run fails.

      Output is a live view on a terminal, one line per event when stdout is not a terminal or \`CI\` is set (or with \`--plain\`), and one JSON object per line with \`--json\`. \`--junit FILE\` also writes a JUnit XML report (a test suite per phase, a test case per node and step).

      Exit codes: 0 every node succeeded, 1 a node failed, 2 the playbook or the command line is wrong, 130 interrupted. The first Ctrl-C stops the run and releases what it holds (locks, semaphores, connections); a second one exits at once.
    `,
    examples: [
      ['Run a playbook', '$0 run deploy.yml'],
      ['Run it on two nodes only, five at a time', '$0 run deploy.yml --limit web1,web2 --forks 5'],
      ['Show what would run, without running it', '$0 run deploy.yml --dry-run'],
      ['Override a var and write NDJSON events and a JUnit report', '$0 run deploy.yml --vars version=1.2.3 --json --junit reports/junit.xml'],
    ],
  });

  static override schema = [t.hasMutuallyExclusiveKeys(['json', 'plain'], { missingIf: 'falsy' })];

  playbook = Option.String({ name: 'PLAYBOOK' });
  limit = Option.String('--limit,-l', {
    description: 'run only on these nodes or groups (comma-separated)',
    validator: isList,
  });
  forks = forksOption();
  dryRun = Option.Boolean('--dry-run,-n', false, { description: 'show what each step would do, change nothing' });
  vars = varsOption();
  json = jsonOption('print every run event as one JSON object per line');
  junit = Option.String('--junit', { description: 'also write a JUnit XML report to this file' });
  plain = Option.Boolean('--plain', false, { description: 'one line per event, even on a terminal' });

  override async execute(): Promise<number> {
    const { loadPlaybookFor } = await import('../load-playbook.js');
    const { playbook, host } = await loadPlaybookFor(this.context, this.playbook, varsFromWords(this.vars));
    const { runPlaybook, createReporter, createJunitReporter, combineReporters } = await import('@lockstep/core');
    const kind = chooseReporterKind(this.context, this);
    const plan = playbook.phases.map((phase) => ({ name: phase.name, steps: phase.steps.map((s) => s.name ?? s.type) }));
    let reporter = await createReporter(kind, this.context.stdout, { color: useColor(this.context), plan });
    if (this.junit !== undefined) reporter = combineReporters(reporter, createJunitReporter(resolve(this.context.cwd, this.junit)));
    try {
      const result = await runPlaybook(playbook, {
        host,
        reporter,
        forks: this.forks,
        limit: this.limit === undefined ? undefined : splitList(this.limit),
        dryRun: this.dryRun,
        signal: this.context.signal,
      });
      return result.exitCode;
    } finally {
      await reporter.finish();
      await host.deactivateAll();
    }
  }
}
