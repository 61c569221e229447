import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NodeSpec } from '@lockstep/core';

/** Options of {@link createLocalCluster}. */
export interface LocalClusterOptions {
  /** Parent of the nodes' working directories; default a new temporary directory. */
  dir?: string;
  /** Node names are `<prefix>1`, `<prefix>2`, …; default `node`. */
  prefix?: string;
}

/** Local nodes, each a working directory of its own, plus a way to remove them. */
export type LocalCluster = NodeSpec[] & {
  /** Parent directory of the nodes' working directories. */
  readonly dir: string;
  /** Removes the working directories (and the temporary parent, when the cluster made it). */
  cleanup(): Promise<void>;
  /** Same as {@link LocalCluster.cleanup}, so a cluster can go into `subscriptions`. */
  dispose(): Promise<void>;
};

/**
 * Makes `count` local nodes: commands on them are real child processes, each node working in its
 * own directory. No SSH, no setup.
 *
 * @param count how many nodes
 * @param options where the working directories go and how nodes are named
 * @returns the nodes (an array of `NodeSpec`) with `dir` and `cleanup()`
 * @example
 * const cluster = await createLocalCluster(3);
 * afterAll(() => cluster.cleanup());
 */
export async function createLocalCluster(count: number, options: LocalClusterOptions = {}): Promise<LocalCluster> {
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`count: expected an integer >= 1, got ${String(count)} (${typeof count})`);
  const owned = options.dir === undefined;
  const dir = owned ? await mkdtemp(join(tmpdir(), 'lockstep-cluster-')) : resolve(options.dir!);
  const prefix = options.prefix ?? 'node';
  const nodes: NodeSpec[] = [];
  for (let index = 1; index <= count; index++) {
    const name = `${prefix}${index}`;
    const workdir = join(dir, name);
    await mkdir(workdir, { recursive: true });
    nodes.push(localNode(name, workdir));
  }
  const cleanup = async () => {
    if (owned) await rm(dir, { recursive: true, force: true });
    else await Promise.all(nodes.map((node) => rm(node.workdir!, { recursive: true, force: true })));
  };
  return Object.assign(nodes, { dir, cleanup, dispose: cleanup });
}

/**
 * One local node spec, with the defaults the playbook loader would apply.
 *
 * @param name the node's name
 * @param workdir its absolute working directory
 * @returns the node
 */
export function localNode(name: string, workdir: string): NodeSpec {
  return {
    name,
    connection: 'local',
    host: 'localhost',
    labels: {},
    vars: {},
    workdir,
    ssh: { strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 },
  };
}

/**
 * The `nodes:` block of a playbook with local nodes of these names, for YAML written in tests.
 *
 * @param names the node names
 * @returns the YAML, one `name: { connection: local }` line per node, ending with a newline
 * @example
 * const yaml = `name: t\n${localNodesYaml(['a', 'b', 'c'])}phases: …`;
 */
export function localNodesYaml(names: readonly string[]): string {
  return ['nodes:', ...names.map((name) => `  ${name}: { connection: local }`), ''].join('\n');
}
