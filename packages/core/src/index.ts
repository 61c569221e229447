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
export { loadPlaybook, parsePlaybookText } from './playbook/load-playbook.js';
export type { LoadPlaybookOptions, StepCatalog } from './playbook/load-playbook.js';
export { stepCatalogOf } from './playbook/step-catalog.js';
export { loadInventory, parseInventoryText } from './playbook/inventory.js';
export type { Inventory } from './playbook/inventory.js';
export { selectNodes } from './playbook/select-nodes.js';
export { playbookJsonSchema } from './playbook/playbook-json-schema.js';
export { renderTemplates, renderTemplateString, isWholeTemplate } from './playbook/templates.js';
export type { TemplateScope } from './playbook/templates.js';
export { createTemplateScope } from './playbook/template-scope.js';
export { evaluateWhen } from './playbook/when.js';
export { jsonSchemaToTypanion } from './schema/json-schema-to-typanion.js';
export type { LocatedValidationState, SchemaProblem, SchemaConversionOptions } from './schema/json-schema-to-typanion.js';

// ---- plugin host ----
export { PluginHost } from './plugins/plugin-host.js';
export type { PluginHostOptions, ActivatedStep } from './plugins/plugin-host.js';
export type { PluginLogEntry } from './plugins/plugin-context.js';
export { readPluginManifest, inspectPluginPackage } from './plugins/read-manifest.js';
export type { ManifestReadResult, InspectOptions } from './plugins/read-manifest.js';
export { findWorkspaceRoot } from './plugins/discover-plugins.js';
export { coreVersion } from './plugins/engine-version.js';
export { joinArrivalGroup } from './plugins/arrival-group.js';
export type { Arrival, ArrivalGroupOptions, MemberResult } from './plugins/arrival-group.js';

// ---- runner and reporters ----
export { runPlaybook, createPlaybookRun } from './runner/run-playbook-entry.js';
export type { RunResult, PlaybookRun } from './runner/run-playbook.js';
export { DEFAULT_FORKS } from './runner/run-options.js';
export type { RunOptions } from './runner/run-options.js';
export type { StepFinished, NodeFinished } from './runner/run-state.js';
export { createReporter } from './runner/reporters/create-reporter.js';
export type { ReporterKind } from './runner/reporters/create-reporter.js';
export type { ReporterOptions, PlannedPhase } from './runner/reporters/reporter-options.js';
export { createPlainReporter } from './runner/reporters/plain-reporter.js';
export { createJsonReporter } from './runner/reporters/json-reporter.js';
export { createJunitReporter } from './runner/reporters/junit-reporter.js';
export { combineReporters } from './runner/reporters/combine-reporters.js';
export { formatSummaryTable } from './runner/reporters/summary-table.js';
export type { SummaryTableOptions } from './runner/reporters/summary-table.js';

// ---- steps that wait for their phase's peers (barrier, sync-protocol) ----
export { watchPhasePeers, markPhaseFallout, failedPhasePeers } from './runner/phase-peers.js';
export type { PhasePeerWatch, FailedPhasePeers } from './runner/phase-peers.js';

// ---- transports ----
export { createTransport } from './transports/create-transport.js';
export type { CreateTransportOptions } from './transports/create-transport.js';
export { shellQuote } from './transports/shell-quote.js';

// ---- coordinator ----
export { Coordinator } from './coordinator/coordinator.js';
export type { CoordinatorOptions } from './coordinator/coordinator.js';
export { CoordinatorSession } from './coordinator/coordinator-session.js';
export { CoordinatorError } from './coordinator/coordinator-error.js';
export { MemoryBackend } from './coordinator/memory-backend.js';
export { LeaseNotFoundError } from './coordinator/backend.js';
export type {
  CoordinatorBackend,
  LeaseId,
  KeyValue,
  RangeRequest,
  RangeResult,
  Compare,
  TxnOp,
  TxnOpResult,
  TxnRequest,
  TxnResult,
  WatchEvent,
} from './coordinator/backend.js';
export { CoordinatorServer } from './coordinator/server.js';
export type { CoordinatorServerOptions } from './coordinator/server.js';
export { connectCoordinator, TcpCoordinatorClient, parseAddress } from './coordinator/tcp-client.js';
export type { ConnectCoordinatorOptions } from './coordinator/tcp-client.js';
export { startRunCoordinator } from './coordinator/run-coordinator.js';
export type { RunCoordinator, RunCoordinatorOptions } from './coordinator/run-coordinator.js';
export { parseRequest, parseReply, formatReply, formatError, MAX_LINE_BYTES } from './coordinator/protocol.js';
export type { ProtocolRequest, ProtocolReply } from './coordinator/protocol.js';
export { capacityOf, MAX_NAME_LENGTH } from './coordinator/names.js';
export { DiscoveryResponder, discoverCoordinator, parseDiscoveryEndpoint } from './coordinator/discovery.js';
export type { DiscoveryEndpoint } from './coordinator/discovery.js';
export { resolveCoordinator } from './coordinator/resolve-coordinator.js';
export type { ResolveCoordinatorOptions } from './coordinator/resolve-coordinator.js';

// ---- coordinator: etcd backend ----
export { EtcdBackend } from './coordinator/etcd-backend.js';
export { normalizeEtcdBackendOptions } from './coordinator/etcd-options.js';
export type { EtcdBackendOptions, NormalizedEtcdBackendOptions } from './coordinator/etcd-options.js';
export { createCoordinatorBackend } from './coordinator/etcd-backend-config.js';
export type { CoordinatorBackendConfig } from './coordinator/etcd-backend-config.js';
