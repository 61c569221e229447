import { closestMatch, didYouMean } from '../schema/closest-match.js';

/** What names in `on:`, `groups:` and `--limit` resolve against. */
export interface NodeUniverse {
  /** Node names in playbook order. */
  nodes: readonly string[];
  /** Group name -> node names. */
  groups: Readonly<Record<string, readonly string[]>>;
}

/**
 * Resolves names to nodes: `all`, a node name, a group name, or a glob (`web*`, `db?`) over
 * node and group names.
 *
 * @param names what the user wrote
 * @param universe the nodes and groups
 * @returns the nodes, in playbook order without repeats, and the names that matched nothing
 */
export function resolveNodeNames(names: readonly string[], universe: NodeUniverse): { nodes: string[]; unknown: string[] } {
  const selected = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    if (/[*?]/.test(name)) {
      // A glob (`web*`, `db?`) matches node and group names alike.
      const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const nodes = universe.nodes.filter((node) => pattern.test(node));
      const groups = Object.keys(universe.groups).filter((group) => pattern.test(group));
      nodes.forEach((node) => selected.add(node));
      groups.forEach((group) => universe.groups[group]!.forEach((node) => selected.add(node)));
      if (nodes.length === 0 && groups.length === 0) unknown.push(name);
    } else if (name === 'all') universe.nodes.forEach((node) => selected.add(node));
    else if (universe.nodes.includes(name)) selected.add(name);
    else if (Object.hasOwn(universe.groups, name)) universe.groups[name]!.forEach((node) => selected.add(node));
    else unknown.push(name);
  }
  return { nodes: universe.nodes.filter((node) => selected.has(node)), unknown };
}

/**
 * The message for a name that is neither a node, a group nor `all`.
 *
 * @param name the unknown name
 * @param universe the nodes and groups
 * @returns e.g. `unknown node or group "wbe"; did you mean "web"? Nodes: web1, web2; groups: web; or all`
 */
export function unknownNodeMessage(name: string, universe: NodeUniverse): string {
  const groups = Object.keys(universe.groups);
  const hint = closestMatch(name, ['all', ...universe.nodes, ...groups]);
  return (
    `${/[*?]/.test(name) ? 'no node or group matches' : 'unknown node or group'} "${name}"${didYouMean(hint)} ` +
    `Nodes: ${universe.nodes.join(', ') || 'none'}; groups: ${groups.join(', ') || 'none'}; or all`
  );
}
