import { homedir } from 'node:os';
import path from 'node:path';
import { isPlainObject } from '../schema/json-schema-to-typanion.js';
import { parseDuration } from '../util/parse-duration.js';
import type { NodeSpec, PhaseSpec, SshOptions, StepSpec } from './model.js';
import { stepCommonProperties } from './playbook-schema.js';
import type { YamlSource } from './yaml-source.js';

/** What normalizing nodes needs besides the data. */
export interface NormalizeContext {
  source: YamlSource;
  /** Absolute directory relative paths resolve against. */
  dir: string;
  cliVars: Record<string, string>;
}

type Raw = Record<string, unknown>;

const record = (value: unknown): Raw => (isPlainObject(value) ? value : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const ms = (value: unknown): number | undefined => (typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined);
const strings = (value: unknown): Record<string, string> => Object.fromEntries(Object.entries(record(value)).map(([k, v]) => [k, String(v)]));

/** `~/x` to the home directory, relative paths to the playbook directory. */
function localPath(file: string | undefined, dir: string): string | undefined {
  if (file === undefined) return undefined;
  if (file === '~' || file.startsWith('~/')) return path.join(homedir(), file.slice(1));
  return path.resolve(dir, file);
}

/**
 * Builds the nodes of a validated playbook or inventory: defaults merged, hosts and ports filled
 * in, SSH options complete, paths absolute.
 *
 * @param data the validated document
 * @param context positions, the base directory and `--vars`
 * @returns the nodes in file order
 */
export function normalizeNodes(data: Raw, context: NormalizeContext): NodeSpec[] {
  const defaults = record(data.defaults);
  const defaultSsh = record(defaults.ssh);
  return Object.entries(record(data.nodes)).map(([name, value]) => {
    const node = record(value);
    const ssh = { ...defaultSsh, ...record(node.ssh) };
    for (const key of ['user', 'identityFile'] as const) if (node[key] !== undefined) ssh[key] = node[key];
    const connection = (str(node.connection) ?? str(defaults.connection) ?? 'ssh') as NodeSpec['connection'];
    const sshOptions: SshOptions = {
      user: str(ssh.user),
      identityFile: localPath(str(ssh.identityFile), context.dir),
      agent: typeof ssh.agent === 'boolean' ? ssh.agent : undefined,
      strictHostKeyChecking: (str(ssh.strictHostKeyChecking) ?? 'yes') as SshOptions['strictHostKeyChecking'],
      knownHostsFile: localPath(str(ssh.knownHostsFile), context.dir),
      configFile: localPath(str(ssh.configFile), context.dir),
      connectTimeoutMs: ms(ssh.connectTimeout) ?? 10_000,
      keepaliveIntervalMs: ms(ssh.keepaliveInterval) ?? 15_000,
    };
    const ownVars = record(node.vars);
    // `--vars` beat node vars too, as Ansible's extra vars do: apply them to the keys the node sets.
    const vars = { ...ownVars, ...Object.fromEntries(Object.entries(context.cliVars).filter(([key]) => key in ownVars)) };
    const workdir = str(node.workdir);
    const spec: NodeSpec = {
      name,
      connection,
      host: str(node.host) ?? (connection === 'local' ? 'localhost' : name),
      port: connection === 'ssh' ? (num(node.port) ?? num(ssh.port)) : undefined,
      labels: strings(node.labels),
      vars,
      workdir: connection === 'local' ? path.resolve(context.dir, workdir ?? path.join('.lockstep', 'nodes', name)) : workdir,
      ssh: sshOptions,
      loc: location(context, ['nodes', name], 'key'),
    };
    if (spec.port === undefined) delete spec.port;
    if (spec.workdir === undefined) delete spec.workdir;
    return spec;
  });
}

/**
 * Builds the phases of a validated playbook.
 *
 * @param data the validated document
 * @param phaseNodes per phase, its resolved nodes
 * @param context positions
 * @returns the phases
 */
export function normalizePhases(data: Raw, phaseNodes: readonly string[][], context: NormalizeContext): PhaseSpec[] {
  const phases = Array.isArray(data.phases) ? data.phases : [];
  return phases.map((value: unknown, index) => {
    const phase = record(value);
    const steps = Array.isArray(phase.steps) ? phase.steps : [];
    const serial = phase.serial;
    const spec: PhaseSpec = {
      name: str(phase.name) ?? `phase ${index + 1}`,
      on: [...(phaseNodes[index] ?? [])],
      strategy: (str(phase.strategy) ?? 'linear') as PhaseSpec['strategy'],
      serial: typeof serial === 'number' || typeof serial === 'string' ? serial : undefined,
      maxFailPercentage: num(phase['max-fail-percentage']),
      timeoutMs: ms(phase.timeout),
      steps: steps.map((step: unknown, s) => normalizeStep(record(step), ['phases', index, 'steps', s], context)),
      loc: location(context, ['phases', index]),
    };
    if (spec.serial === undefined) delete spec.serial;
    if (spec.timeoutMs === undefined) delete spec.timeoutMs;
    return spec;
  });
}

function normalizeStep(step: Raw, at: Array<string | number>, context: NormalizeContext): StepSpec {
  const type = Object.keys(step).find((key) => !(key in stepCommonProperties))!;
  const when = step.when;
  const spec: StepSpec = {
    type,
    args: step[type],
    name: str(step.name),
    timeoutMs: ms(step.timeout),
    retries: num(step.retries) ?? 0,
    ignoreErrors: step['ignore-errors'] === true,
    env: strings(step.env),
    when: typeof when === 'boolean' ? String(when) : str(when),
    loc: location(context, at),
  };
  for (const key of ['name', 'timeoutMs', 'when'] as const) if (spec[key] === undefined) delete spec[key];
  return spec;
}

function location(context: NormalizeContext, at: Array<string | number>, target: 'key' | 'value' = 'value') {
  const { file, line, col, path: where } = context.source.problemAt(at, '', target);
  return { file, line, col, path: where };
}
