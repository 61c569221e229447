/**
 * The public API of lockstep: what plugins, the CLI and the test kit use. Nothing else in this
 * package is public; the package.json `exports` map blocks deep imports.
 */
export type { Disposable } from './disposable.js';
export { toDisposable, disposeAll } from './disposable.js';
export type { Event } from './event.js';
export { EventEmitter } from './event.js';

export { LockstepError, isLockstepError } from './errors/lockstep-error.js';
export type { LockstepErrorOptions } from './errors/lockstep-error.js';
export { ErrorCodes } from './errors/codes.js';
export type { ErrorCode } from './errors/codes.js';
export { PlaybookError, formatProblems } from './errors/playbook-error.js';
export type { PlaybookProblem, SourceLocation } from './errors/playbook-error.js';
export { StepError, STDERR_TAIL_BYTES } from './errors/step-error.js';
export type { StepErrorDetails } from './errors/step-error.js';
export { ConnectionError } from './errors/connection-error.js';
export type { ConnectionFailure } from './errors/connection-error.js';
export { PluginError } from './errors/plugin-error.js';

export { parseDuration, formatDuration } from './util/parse-duration.js';

export type { Playbook, NodeSpec, PhaseSpec, StepSpec, SshOptions } from './playbook/model.js';
export type { Transport, ExecOptions, ExecResult, RemoteProcess, ExposedPort } from './transports/transport.js';
export type { CoordinatorClient, LockHold, WaitOptions, ChannelMessage } from './coordinator/client.js';
export type {
  PluginContext,
  PluginModule,
  PluginManifest,
  StepContribution,
  CommandContribution,
  StepHandler,
  StepPlanner,
  StepContext,
  StepNode,
  StepOutcome,
  RunScope,
  Logger,
  Progress,
  CommandHandler,
  CommandContext,
} from './plugins/api.js';
export type { JsonSchema } from './plugins/json-schema.js';
export type { RunEvent, RunSummary, Reporter, StepRef, Status } from './runner/events.js';

// ---- playbook (load, validate, templates, JSON schema) ----

// ---- plugin host ----

// ---- runner and reporters ----

// ---- transports ----

// ---- coordinator ----
