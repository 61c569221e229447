import type { NodeSpec, PhaseSpec, Playbook, StepSpec } from '@lockstep/core';
import { parseDuration } from '@lockstep/core';

/** The common fields of a step, as a playbook writes them. */
export interface StepOptions {
  name?: string;
  /** `500ms`, `3s`, or a number of seconds. */
  timeout?: string | number;
  retries?: number;
  ignoreErrors?: boolean;
  env?: Record<string, string>;
  when?: string;
}

/** The fields of a phase besides its steps. */
export interface PhaseOptions {
  /** Node names; default every node. */
  on?: string[];
  strategy?: 'linear' | 'free';
  serial?: number | string;
  maxFailPercentage?: number;
  timeout?: string | number;
}

/**
 * One step, normalized as the loader would.
 *
 * @param type the step type, e.g. `run`
 * @param args its arguments (templates are rendered per node at run time)
 * @param options common fields
 * @returns the step
 * @example step('run', 'echo ${{ node.name }}', { retries: 2 })
 */
export function step(type: string, args: unknown, options: StepOptions = {}): StepSpec {
  return {
    type,
    args,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.timeout === undefined ? {} : { timeoutMs: parseDuration(options.timeout) }),
    retries: options.retries ?? 0,
    ignoreErrors: options.ignoreErrors ?? false,
    env: options.env ?? {},
    ...(options.when === undefined ? {} : { when: options.when }),
  };
}

/** Builds a {@link Playbook} in code, for tests that need no YAML. */
export class PlaybookBuilder {
  readonly #playbook: Playbook;
  readonly #phases: Array<{ name: string; steps: StepSpec[]; options: PhaseOptions }> = [];

  /** @param name the playbook's name; @param dir where relative paths resolve (default cwd) */
  constructor(name = 'test', dir = process.cwd()) {
    this.#playbook = { file: `${dir}/playbook.yml`, dir, name, vars: {}, nodes: [], groups: {}, phases: [], plugins: [] };
  }

  /** Adds nodes (e.g. a {@link createLocalCluster} result). */
  nodes(nodes: readonly NodeSpec[]): this {
    this.#playbook.nodes.push(...nodes);
    return this;
  }

  /** Defines a group of node names. */
  group(name: string, nodes: string[]): this {
    this.#playbook.groups[name] = nodes;
    return this;
  }

  /** Merges playbook vars. */
  vars(vars: Record<string, unknown>): this {
    Object.assign(this.#playbook.vars, vars);
    return this;
  }

  /** Adds plugin directories, as `plugins:` does. */
  plugins(dirs: string[]): this {
    this.#playbook.plugins.push(...dirs);
    return this;
  }

  /** Adds a phase. */
  phase(name: string, steps: StepSpec[], options: PhaseOptions = {}): this {
    this.#phases.push({ name, steps, options });
    return this;
  }

  /** The playbook, with every phase's `on` defaulting to all nodes. */
  build(): Playbook {
    const all = this.#playbook.nodes.map((node) => node.name);
    const phases: PhaseSpec[] = this.#phases.map(({ name, steps, options }) => ({
      name,
      on: options.on ?? all,
      strategy: options.strategy ?? 'linear',
      ...(options.serial === undefined ? {} : { serial: options.serial }),
      ...(options.maxFailPercentage === undefined ? {} : { maxFailPercentage: options.maxFailPercentage }),
      ...(options.timeout === undefined ? {} : { timeoutMs: parseDuration(options.timeout) }),
      steps,
    }));
    return { ...this.#playbook, phases };
  }
}

/**
 * Starts a {@link PlaybookBuilder}.
 *
 * @param name the playbook's name
 * @returns the builder
 * @example
 * const pb = playbook().nodes(cluster).phase('hello', [step('run', 'echo hi')]).build();
 */
export function playbook(name?: string): PlaybookBuilder {
  return new PlaybookBuilder(name);
}
