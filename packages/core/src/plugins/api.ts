import type { Disposable } from '../disposable.js';
import type { Event } from '../event.js';
import type { CoordinatorClient } from '../coordinator/client.js';
import type { NodeSpec } from '../playbook/model.js';
import type { ExecOptions, ExecResult, RemoteProcess, Transport } from '../transports/transport.js';
import type { JsonSchema } from './json-schema.js';

/** A step type a plugin contributes in `package.json#lockstep.contributes.steps`. */
export interface StepContribution {
  /** The key users write in a playbook, e.g. `barrier`. */
  type: string;
  description: string;
  /**
   * JSON Schema of the step's arguments. The single source for validation (converted to a
   * typanion validator) and for the playbook schema editors use. Absent: any value.
   */
  schema?: JsonSchema;
}

/** A CLI command a plugin contributes: `lockstep <path…>`. */
export interface CommandContribution {
  path: string[];
  description: string;
}

/** `package.json#lockstep`, validated. */
export interface PluginManifest {
  /** npm package name, e.g. `@lockstep/plugin-barrier`. */
  name: string;
  version: string;
  /** Absolute directory of the plugin. */
  dir: string;
  /** Absolute path of the entry module (package.json `main`). */
  main: string;
  /** semver range of lockstep versions the plugin works with. */
  engine: string;
  /** Explicit events plus those derived from contributions (`onStep:<type>`, `onCommand:<path>`). */
  activationEvents: string[];
  contributes: { steps: StepContribution[]; commands: CommandContribution[] };
}

/** Leveled logging that ends up in the run's report, tagged with its source. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Progress of long work, shown live by the interactive renderer and as events with `--json`. */
export interface Progress {
  /** @param message what is happening now; @param fraction 0..1 when known */
  report(message: string, fraction?: number): void;
}

/** The node a step runs on, with its transport's powers. */
export interface StepNode {
  readonly name: string;
  readonly host: string;
  readonly spec: NodeSpec;
  readonly transport: Transport;
  /** Runs a shell command with the step's environment; output lines go to the report. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Starts a shell command with the step's environment and open streams. */
  spawn(command: string, options?: Omit<ExecOptions, 'stdin' | 'onLine'>): RemoteProcess;
}

/** What a step handler gets besides its arguments. */
export interface StepContext {
  readonly node: StepNode;
  /**
   * The phase: its name, the nodes that go through it together (every node of the phase, or with
   * `serial` this node's batch), and those that already failed in it.
   */
  readonly phase: { readonly name: string; readonly nodes: readonly string[]; failedNodes(): readonly string[]; readonly onDidFailNode: Event<string> };
  /** The coordinator, scoped to this node's session. */
  readonly coordinator: CoordinatorClient;
  /** Aborts on timeout, Ctrl-C, or when the run gives up. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly progress: Progress;
  /** Rendered vars: the playbook's, the node's, and `--vars`. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Environment for commands: the step's `env` plus `LOCKSTEP_COORDINATOR`, `LOCKSTEP_TOKEN`, `LOCKSTEP_NODE`, `LOCKSTEP_RUN_ID`. */
  readonly env: Readonly<Record<string, string>>;
  readonly run: RunScope;
  /**
   * Which step this is. `id` is what errors name: the step's `name`, or `<phase>/<index>:<type>`.
   * Optional so contexts built by hand (tests, older hosts) still type-check.
   */
  readonly step?: { readonly id: string; readonly phase: string; readonly index: number; readonly label: string; readonly type: string };
  /**
   * Reports one line of command output (a `step:output` event), as {@link StepNode.exec} does by
   * itself: for steps that read a {@link StepNode.spawn}ed process's streams (sync tools).
   * Optional so contexts built by hand (tests, older hosts) still type-check; without it, steps
   * fall back to {@link StepContext.log}.
   */
  readonly output?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** The run a step belongs to. */
export interface RunScope {
  readonly id: string;
  readonly dryRun: boolean;
  /**
   * Absolute directory that relative paths in step arguments resolve against: the playbook's
   * directory (for `lockstep sync`, the working directory). Absent: the process's cwd.
   */
  readonly dir?: string;
  /** Every node of the run, by name. */
  readonly nodes: ReadonlyMap<string, StepNode>;
  /** Disposables released, in reverse order, when the run ends, fails or is interrupted (e.g. a lock held for the rest of the run). */
  readonly subscriptions: Disposable[];
  /** Ends the run with this error (e.g. a failed lock heartbeat); running steps are aborted. */
  abort(reason: Error): void;
}

/** What a step handler may return: a short summary for the report. */
export interface StepOutcome {
  /** One line shown next to the step, e.g. `value 3`. */
  summary?: string;
  /** Free-form data kept in `--json` events and the JUnit report. */
  data?: Record<string, unknown>;
  /** True when the step did nothing because nothing needed doing. */
  unchanged?: boolean;
}

/**
 * Runs one contributed step on one node. Throw to fail the step; a `StepError` keeps its
 * details, anything else is wrapped.
 */
export type StepHandler<Args = unknown> = (args: Args, context: StepContext) => Promise<StepOutcome | void>;

/**
 * Handles a contributed dry run: describe what the step would do. Default: `type args` as JSON.
 */
export type StepPlanner<Args = unknown> = (args: Args, node: NodeSpec) => string;

/** Streams and environment of the CLI invocation a plugin command runs in. */
export interface CommandContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly signal: AbortSignal;
}

/** Runs a contributed command with the words after its path; returns the exit code. */
export type CommandHandler = (args: string[], context: CommandContext) => Promise<number>;

/**
 * What `activate(context)` receives. Register a handler for each contribution; push anything
 * that needs cleaning up onto {@link PluginContext.subscriptions}: it is disposed, last first
 * and awaited, when the host deactivates the plugin (end of run, failure, Ctrl-C).
 */
export interface PluginContext {
  readonly manifest: PluginManifest;
  readonly subscriptions: Disposable[];
  readonly log: Logger;
  /**
   * Registers the handler of a step type the manifest contributes.
   * @throws {PluginError} when the manifest does not contribute `type`
   */
  registerStep<Args>(type: string, handler: StepHandler<Args>, planner?: StepPlanner<Args>): Disposable;
  /** Registers the handler of a command the manifest contributes. */
  registerCommand(path: string[], handler: CommandHandler): Disposable;
}

/** The shape of a plugin's entry module. */
export interface PluginModule {
  activate(context: PluginContext): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}
