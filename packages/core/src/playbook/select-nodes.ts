import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import type { NodeSpec } from './model.js';
import { resolveNodeNames, unknownNodeMessage } from './node-sets.js';

/**
 * Picks nodes by name, as `--limit` and `lockstep exec <targets>` do. Each pattern is a node
 * name, a group name, `all`, or a glob over node and group names (`web*`, `db?`); a pattern may
 * hold several, comma-separated (`web1,db`).
 *
 * @param from a playbook or an inventory
 * @param patterns the names; an empty list selects nothing
 * @returns the nodes, in file order, each once
 * @throws {LockstepError} `NODE_UNKNOWN` naming every unknown pattern, the closest known name and
 *   the known nodes and groups
 * @example selectNodes(playbook, ['web', 'db1']).map((node) => node.name) // ['web1', 'web2', 'db1']
 */
export function selectNodes(from: { nodes: readonly NodeSpec[]; groups: Readonly<Record<string, readonly string[]>> }, patterns: readonly string[]): NodeSpec[] {
  const names = patterns.flatMap((pattern) => pattern.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  const universe = { nodes: from.nodes.map((node) => node.name), groups: from.groups };
  const { nodes, unknown } = resolveNodeNames(names, universe);
  if (unknown.length > 0) throw new LockstepError(ErrorCodes.NODE_UNKNOWN, unknown.map((name) => unknownNodeMessage(name, universe)).join('\n'));
  return from.nodes.filter((node) => nodes.includes(node.name));
}
