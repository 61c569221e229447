import type { PlaybookProblem } from '../errors/playbook-error.js';
import { closestMatch, didYouMean } from '../schema/closest-match.js';
import { isPlainObject } from '../schema/json-schema-to-typanion.js';
import { resolveNodeNames, unknownNodeMessage, type NodeUniverse } from './node-sets.js';
import type { YamlSource } from './yaml-source.js';

/** A node as written, read defensively (the schema may have rejected parts of it). */
export interface RawNode {
  name: string;
  labels: Record<string, string>;
  vars: Record<string, unknown>;
}

/**
 * Reads the node names, labels and vars from raw playbook data, skipping malformed parts (the
 * schema check reports those).
 *
 * @param data the parsed document
 * @returns the nodes in file order
 */
export function readRawNodes(data: Record<string, unknown>): RawNode[] {
  const nodes = isPlainObject(data.nodes) ? data.nodes : {};
  return Object.entries(nodes).map(([name, value]) => {
    const node = isPlainObject(value) ? value : {};
    const labels = isPlainObject(node.labels) ? Object.fromEntries(Object.entries(node.labels).map(([k, v]) => [k, String(v)])) : {};
    return { name, labels, vars: isPlainObject(node.vars) ? node.vars : {} };
  });
}

/**
 * Resolves `groups:` to node names, reporting members that are not nodes and group names that
 * clash with a node or with `all`.
 *
 * @param data the parsed document
 * @param nodes the nodes
 * @param source for positions
 * @param problems where problems go
 * @returns group name -> node names (as listed; selectors in playbook order)
 */
export function resolveGroups(data: Record<string, unknown>, nodes: readonly RawNode[], source: YamlSource, problems: PlaybookProblem[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  if (!isPlainObject(data.groups)) return groups;
  const names = nodes.map((node) => node.name);
  for (const [group, spec] of Object.entries(data.groups)) {
    if (group === 'all') problems.push(source.problemAt(['groups', group], 'a group cannot be named "all": `all` always means every node', 'key'));
    else if (names.includes(group)) problems.push(source.problemAt(['groups', group], `group "${group}" has the same name as a node; rename one of them`, 'key'));
    if (Array.isArray(spec)) {
      groups[group] = [];
      spec.forEach((member, index) => {
        if (typeof member !== 'string') return;
        if (names.includes(member)) groups[group]!.push(member);
        else {
          const hint = closestMatch(member, names);
          problems.push(
            source.problemAt(['groups', group, index], `unknown node "${member}" in group "${group}"${didYouMean(hint)} Nodes: ${names.join(', ') || 'none'}`),
          );
        }
      });
    } else if (isPlainObject(spec) && isPlainObject(spec.labels)) {
      const wanted = Object.entries(spec.labels).map(([k, v]) => [k, String(v)] as const);
      groups[group] = nodes.filter((node) => wanted.every(([k, v]) => node.labels[k] === v)).map((node) => node.name);
    }
  }
  return groups;
}

/**
 * Resolves each phase's `on:` to node names, reporting names that are neither nodes, groups nor
 * `all`.
 *
 * @param data the parsed document
 * @param universe the nodes and resolved groups
 * @param source for positions
 * @param problems where problems go
 * @returns per phase index, its nodes in playbook order (every node when `on` is absent or broken)
 */
export function resolvePhaseTargets(data: Record<string, unknown>, universe: NodeUniverse, source: YamlSource, problems: PlaybookProblem[]): string[][] {
  const phases = Array.isArray(data.phases) ? data.phases : [];
  return phases.map((phase: unknown, index) => {
    const on = isPlainObject(phase) ? phase.on : undefined;
    if (on === undefined) return [...universe.nodes];
    const entries: Array<{ name: string; path: Array<string | number> }> =
      typeof on === 'string'
        ? [{ name: on, path: ['phases', index, 'on'] }]
        : Array.isArray(on)
          ? on.flatMap((name, i) => (typeof name === 'string' ? [{ name, path: ['phases', index, 'on', i] }] : []))
          : [];
    if (typeof on !== 'string' && !Array.isArray(on)) return [...universe.nodes];
    for (const entry of entries) {
      if (resolveNodeNames([entry.name], universe).unknown.length > 0) problems.push(source.problemAt(entry.path, unknownNodeMessage(entry.name, universe)));
    }
    return resolveNodeNames(
      entries.map((entry) => entry.name),
      universe,
    ).nodes;
  });
}
