import { resolve } from 'node:path';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { NodeSpec, Playbook } from '@lockstep/core';
import type { LockstepContext } from '../context.js';
import { isList, jsonOption, splitList } from '../options.js';
import { nodeFromAddress, orgalorgPluginDirs } from '../host-address.js';
import { SyncReporter } from '../sync-reporter.js';

const isDuration = t.cascade(t.isString(), [t.matchesRegExp(/^\s*(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h))+)\s*$/)]);

/** `lockstep lock-cluster`: takes orgalorg's global cluster lock and holds it until Ctrl-C. */
export class LockClusterCommand extends Command<LockstepContext> {
  static override paths = [['lock-cluster']];

  static override usage = Command.Usage({
    category: 'Nodes',
    description: 'take the global cluster lock on nodes and hold it until interrupted',
    details: `
      Takes an flock on \`--path\` (default \`/\`) on every node, all or none, exactly as the \`flock-lock\` step and orgalorg's \`-L\` do, then holds it until Ctrl-C. The lock is held by a process on each node whose death releases it, so a dropped connection never leaves a stale lock; a heartbeat checks every holder and the command fails (exit 1) when one stops answering.

      \`--nodes\` takes \`[user@]host[:port]\` addresses (comma-separated), or, with \`--inventory\` or \`--playbook\`, node and group names. When a node refuses, the command fails at once naming the node and who holds the lock there (\`--wait\` waits for it instead).

      Exit codes: 0 the lock was held until Ctrl-C, 1 it could not be taken or was lost, 2 the command line is wrong.
    `,
    examples: [
      ['Lock three hosts until Ctrl-C', '$0 lock-cluster --nodes web1,web2,deploy@web3:2222'],
      ['Lock /srv/app on the web group of an inventory, waiting up to a minute', '$0 lock-cluster --inventory hosts.yml --nodes web --path /srv/app --wait 1m'],
    ],
  });

  static override schema = [t.hasMutuallyExclusiveKeys(['inventory', 'playbook'], { missingIf: 'undefined' })];

  nodes = Option.String('--nodes', { required: true, description: 'addresses [user@]host[:port], or names and groups with --inventory/--playbook (comma-separated)', validator: isList });
  inventory = Option.String('--inventory,-i', { description: 'inventory file the node names come from' });
  playbook = Option.String('--playbook', { description: 'take the nodes from this playbook' });
  lockPath = Option.String('--path', '/', { description: 'file or directory to flock on each node (default /)' });
  heartbeat = Option.String('--heartbeat', '10s', { description: 'how often every holder is checked (bare number: seconds)', validator: isDuration });
  wait = Option.String('--wait', '0', { description: 'how long to wait for a lock somebody else holds (bare number: seconds)', validator: isDuration });
  key = Option.String('--key,-k', { description: 'private key file, for address nodes (the ssh-agent is used too)' });
  user = Option.String('--user,-u', { description: 'user for address nodes that name none (default: the current user)' });
  knownHosts = Option.String('--known-hosts', { description: 'known_hosts file, for address nodes (default ~/.ssh/known_hosts)' });
  json = jsonOption('one JSON object per line: {"node", "stream", "body"}');

  override async execute(): Promise<number> {
    const core = await import('@lockstep/core');
    const nodes = await this.#nodes();
    const playbook: Playbook = {
      file: '<lockstep lock-cluster>',
      dir: this.context.cwd,
      name: 'lock-cluster',
      vars: {},
      nodes,
      groups: {},
      plugins: [],
      phases: [
        {
          name: 'lock',
          on: nodes.map((node) => node.name),
          strategy: 'linear',
          steps: [{ type: 'flock-lock', args: { path: this.lockPath, heartbeat: this.heartbeat, wait: this.wait, hold: true }, retries: 0, ignoreErrors: false, env: {} }],
        },
      ],
    };
    const reporter = new SyncReporter(this.context, { json: this.json, quiet: false, verbose: true });
    const host = await this.context.plugins();
    await host.addPluginDirs(orgalorgPluginDirs());
    try {
      const result = await core.runPlaybook(playbook, { host, reporter, forks: Math.max(1, nodes.length), signal: this.context.signal });
      reporter.runError(result);
      // Ctrl-C is how the user ends a held lock: that is success, not an interruption.
      return result.status === 'interrupted' ? 0 : result.exitCode;
    } finally {
      await reporter.finish();
      await host.deactivateAll();
    }
  }

  async #nodes(): Promise<NodeSpec[]> {
    const core = await import('@lockstep/core');
    const words = splitList(this.nodes);
    if (this.inventory === undefined && this.playbook === undefined) {
      const defaults = {
        user: this.user ?? this.context.env.USER ?? this.context.env.LOGNAME ?? 'root',
        identityFile: this.key === undefined ? undefined : resolve(this.context.cwd, this.key),
        knownHostsFile: this.knownHosts === undefined ? undefined : resolve(this.context.cwd, this.knownHosts),
        connectTimeoutMs: 10_000,
        keepaliveIntervalMs: 10_000,
      };
      return words.map((word) => nodeFromAddress(word, defaults));
    }
    if (this.playbook !== undefined) {
      const { loadPlaybookFor } = await import('../load-playbook.js');
      const { playbook } = await loadPlaybookFor(this.context, this.playbook);
      return core.selectNodes(playbook, words);
    }
    return core.selectNodes(await core.loadInventory(resolve(this.context.cwd, this.inventory!)), words);
  }
}
