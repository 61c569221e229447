import type { Event } from '../event.js';
import type { Logger, Progress, StepContext, StepNode } from '../plugins/api.js';
import type { ExecOptions } from '../transports/transport.js';
import type { StepRef } from './events.js';
import type { NodeSession } from './node-session.js';
import type { RunState } from './run-state.js';

/** A phase as its steps see it. */
export interface PhaseView {
  readonly name: string;
  readonly nodes: readonly string[];
  failedNodes(): readonly string[];
  readonly onDidFailNode: Event<string>;
}

/** What {@link createStepContext} puts together. */
export interface StepContextParts {
  state: RunState;
  session: NodeSession;
  ref: StepRef;
  /** Error-message id of the step: its name, or `<phase>/<index>:<type>`. */
  id: string;
  phase: PhaseView;
  signal: AbortSignal;
  /** The step's rendered `env`. */
  env: Record<string, string>;
  vars: Record<string, unknown>;
}

/**
 * Builds the context a step handler gets: the node (commands run with the step's environment,
 * their output lines become `step:output` events), the node's coordinator session, the signal,
 * logging and progress as events, and the run.
 *
 * @param parts the run, session, step and phase
 * @returns the context
 */
export function createStepContext(parts: StepContextParts): StepContext {
  const { state, session, ref, signal } = parts;
  const env = { ...parts.env, ...session.env };
  const node = createStepNode(session, env, signal, (stream, line) => state.emit({ type: 'step:output', step: ref, stream, line }));
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => state.emit({ type: 'step:log', step: ref, level, message });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const progress: Progress = {
    report: (message, fraction) => state.emit({ type: 'step:progress', step: ref, message, ...(fraction === undefined ? {} : { fraction }) }),
  };
  return {
    node,
    phase: parts.phase,
    coordinator: session.coordinator,
    signal,
    log: logger,
    progress,
    vars: parts.vars,
    env,
    run: state.scope,
    step: { id: parts.id, phase: ref.phase, index: ref.index, label: ref.label, type: ref.type },
    output: (stream, line) => state.emit({ type: 'step:output', step: ref, stream, line }),
  };
}

/**
 * A node as steps drive it: commands get `env` (under the caller's own), `signal` unless the
 * caller passes one, and every output line goes to `onOutput` as well as the caller's `onLine`.
 *
 * @param session the node's session
 * @param env environment for every command
 * @param signal default abort signal
 * @param onOutput where output lines are reported
 * @returns the step node
 */
export function createStepNode(
  session: NodeSession,
  env: Record<string, string>,
  signal: AbortSignal | undefined,
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void,
): StepNode {
  const { spec, transport } = session;
  const withDefaults = <T extends Omit<ExecOptions, 'stdin' | 'onLine'>>(options: T): T => ({
    ...options,
    env: { ...env, ...options.env },
    signal: options.signal ?? signal,
  });
  return {
    name: spec.name,
    host: spec.host,
    spec,
    transport,
    exec: (command, options = {}) =>
      transport.exec(command, {
        ...withDefaults(options),
        onLine: (stream, line) => {
          onOutput?.(stream, line);
          options.onLine?.(stream, line);
        },
      }),
    spawn: (command, options = {}) => transport.spawn(command, withDefaults(options)),
  };
}
