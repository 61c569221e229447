import type { SourceLocation } from '../errors/playbook-error.js';

/**
 * The validated, normalized form of a playbook: every default applied, every duration in
 * milliseconds, every `on:` resolved to node names. Step arguments are kept as written
 * (templates unrendered): the runner renders them per node, since `${{ node.name }}` differs.
 */
export interface Playbook {
  /** The playbook file as the user named it. */
  file: string;
  /** Absolute directory of the playbook; relative paths in it resolve against this. */
  dir: string;
  name: string;
  vars: Record<string, unknown>;
  /** Nodes in the order the playbook lists them. */
  nodes: NodeSpec[];
  /** Group name to node names. */
  groups: Record<string, string[]>;
  phases: PhaseSpec[];
  /** Plugin directories the playbook lists (`plugins: [./my-plugin]`), absolute. */
  plugins: string[];
  /** Coordinator settings; the in-memory backend when absent. */
  coordinator?: { backend: 'memory' | 'etcd'; endpoints?: string[]; prefix?: string };
}

/** SSH options of a node, merged from `defaults.ssh` and the node's own fields. */
export interface SshOptions {
  user?: string;
  /** Private key file, `~` expanded. */
  identityFile?: string;
  /** Use the agent at SSH_AUTH_SOCK (default: true when the variable is set). */
  agent?: boolean;
  /** `yes` (default): unknown or changed host keys are refused. `accept-new`: unknown keys are recorded. */
  strictHostKeyChecking: 'yes' | 'accept-new';
  /** known_hosts file; default `~/.ssh/known_hosts`. */
  knownHostsFile?: string;
  /** ssh config file for aliases; default `~/.ssh/config`. */
  configFile?: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

/** One node of a playbook. */
export interface NodeSpec {
  name: string;
  connection: 'ssh' | 'local';
  /** Host or ssh-config alias; `localhost` for local nodes. */
  host: string;
  port?: number;
  labels: Record<string, string>;
  /** Node-level vars, merged over the playbook's. */
  vars: Record<string, unknown>;
  /** Local nodes: the working directory (default `.lockstep/nodes/<name>` under the playbook dir). */
  workdir?: string;
  ssh: SshOptions;
  loc?: SourceLocation;
}

/** One phase: a list of steps run on a set of nodes. */
export interface PhaseSpec {
  name: string;
  /** Node names this phase runs on, in playbook order. */
  on: string[];
  /** `linear` (default): the phase ends when every node finished it. `free`: nodes go on alone. */
  strategy: 'linear' | 'free';
  /** Batch size: a number of nodes or a percentage string like `30%`. Absent: all at once. */
  serial?: number | string;
  /** Stop the run when more than this percentage of the phase's nodes failed. Absent: no limit (a failed node leaves, the others go on; the run still exits 1). */
  maxFailPercentage?: number;
  timeoutMs?: number;
  steps: StepSpec[];
  loc?: SourceLocation;
}

/** One step, as written: its type and raw arguments plus the common fields. */
export interface StepSpec {
  /** The step type: `run` or a type a plugin contributes. */
  type: string;
  /** The arguments under the type key, with `${{ }}` templates unrendered. */
  args: unknown;
  name?: string;
  timeoutMs?: number;
  /** Extra attempts after a failure (default 0). */
  retries: number;
  ignoreErrors: boolean;
  env: Record<string, string>;
  /** An expression; the step runs only when it is truthy. */
  when?: string;
  loc?: SourceLocation;
}
