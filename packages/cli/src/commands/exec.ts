import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { NodeSpec } from '@lockstep/core';
import type { LockstepContext } from '../context.js';
import { forksOption, isList, jsonOption, splitList } from '../options.js';
import { chooseReporterKind, useColor } from '../output-kind.js';

/** `lockstep exec`: runs an ad-hoc shell command on nodes (Ansible's `-m shell`). */
export class ExecCommand extends Command<LockstepContext> {
  static override paths = [['exec']];

  static override usage = Command.Usage({
    category: 'Nodes',
    description: 'run a shell command on the selected nodes',
    details: `
      Runs \`sh -c "<command words>"\` on every node that \`--nodes\` selects, at most \`--forks\` at a time, like Ansible's ad-hoc \`-m shell\`. Nodes come from an inventory file (the \`nodes\`, \`groups\` and \`defaults\` of a playbook) or from a playbook.

      \`--nodes\` takes comma-separated node names, group names and glob patterns (\`web*\`), or \`all\`. The command's environment has \`LOCKSTEP_NODE\` set to the node's name. Each line a node prints is shown whole, prefixed with the node's name; at the end a summary gives each node's status and exit code.

      Exits with 0 when the command succeeded everywhere, 1 when it failed (or could not run) on any node, 2 when the command line or the inventory is wrong, 130 when interrupted.
    `,
    examples: [
      ['Show the uptime of every web node', '$0 exec --inventory hosts.yml --nodes web -- uptime'],
      ['Restart a service on two nodes of a playbook, one at a time', '$0 exec --playbook deploy.yml --nodes web1,web2 --forks 1 -- sudo systemctl restart app'],
    ],
  });

  static override schema = [
    t.hasMutuallyExclusiveKeys(['inventory', 'playbook'], { missingIf: 'undefined' }),
    t.hasAtLeastOneKey(['inventory', 'playbook'], { missingIf: 'undefined' }),
  ];

  inventory = Option.String('--inventory,-i', { description: 'inventory file listing the nodes' });
  playbook = Option.String('--playbook,-p', { description: 'take the nodes from this playbook' });
  nodes = Option.String('--nodes', { required: true, description: 'nodes, groups or patterns to run on (comma-separated; `all` for every node)', validator: isList });
  forks = forksOption();
  json = jsonOption('print every event as one JSON object per line');
  plain = Option.Boolean('--plain', false, { description: 'one line per event, even on a terminal' });
  command = Option.Rest({ required: 1, name: 'command' });

  override async execute(): Promise<number> {
    const [core, { runAdHoc }] = await Promise.all([import('@lockstep/core'), import('../ad-hoc.js')]);
    let source: { file: string; nodes: NodeSpec[]; groups: Record<string, string[]> };
    if (this.playbook !== undefined) {
      const { loadPlaybookFor } = await import('../load-playbook.js');
      const { playbook } = await loadPlaybookFor(this.context, this.playbook);
      source = playbook;
    } else {
      source = await core.loadInventory(resolve(this.context.cwd, this.inventory!));
    }
    const selected = core.selectNodes(source, splitList(this.nodes));
    const kind = chooseReporterKind(this.context, this);
    const reporter = await core.createReporter(kind, this.context.stdout, { color: useColor(this.context) });
    try {
      return await runAdHoc({
        command: this.command.join(' '),
        nodes: selected,
        source: source.file,
        forks: this.forks ?? 10,
        reporter,
        signal: this.context.signal,
      });
    } finally {
      await reporter.finish();
    }
  }
}
