import { ErrorCodes } from '../errors/codes.js';
import { isLockstepError, LockstepError } from '../errors/lockstep-error.js';
import { PlaybookError } from '../errors/playbook-error.js';
import { StepError } from '../errors/step-error.js';
import type { StepHandler, StepPlanner } from '../plugins/api.js';
import type { NodeSpec, PhaseSpec, StepSpec } from '../playbook/model.js';
import { renderTemplateString, renderTemplates, type TemplateScope } from '../playbook/templates.js';
import { evaluateWhen } from '../playbook/when.js';
import { formatDuration } from '../util/parse-duration.js';
import type { Status, StepRef } from './events.js';
import type { NodeSession } from './node-session.js';
import { describeError, type RunState } from './run-state.js';
import { settleWithin } from './settle-within.js';
import { createStepContext, type PhaseView } from './step-context.js';
import { renderVars } from './render-vars.js';

/** One step to run on one node. */
export interface StepJob {
  state: RunState;
  phase: PhaseSpec;
  view: PhaseView;
  /** Aborts when the phase's `timeout` runs out. */
  phaseSignal: AbortSignal;
  node: NodeSpec;
  /** Absent in a dry run: nothing is connected. */
  session: NodeSession | undefined;
  step: StepSpec;
  index: number;
  scope: TemplateScope;
}

/** How a step ended on a node. */
export interface StepResult {
  status: Status;
  error?: Error;
}

interface Prepared {
  handler: StepHandler;
  planner?: StepPlanner;
  args: unknown;
  env: Record<string, string>;
}

type Attempt = { kind: 'ok'; summary?: string } | { kind: 'cancelled'; error: Error } | { kind: 'failed'; error: Error; retryable: boolean };

/**
 * Runs one step on one node: evaluates `when`, renders its templates for the node, activates its
 * plugin, validates the arguments, then calls the handler with `retries`, `timeout` and
 * `ignore-errors` applied. Emits `step:*` events. Never throws: failures are results.
 *
 * @param job the step, its node and its phase
 * @returns the step's status and, unless ok, why
 */
export async function executeStep(job: StepJob): Promise<StepResult> {
  const { state, step, node, phase, index } = job;
  const name = step.name === undefined ? undefined : renderName(step.name, job.scope);
  const ref: StepRef = { phase: phase.name, node: node.name, index, label: name ?? step.type, type: step.type };
  const id = name ?? `${phase.name}/${index}:${step.type}`;
  const started = Date.now();
  const end = (status: Status, error?: Error, summary?: string): StepResult => {
    const durationMs = Date.now() - started;
    state.emit({
      type: 'step:end',
      step: ref,
      status,
      durationMs,
      ...(summary === undefined ? {} : { summary }),
      ...(error ? { error: describeError(error) } : {}),
    });
    state.countStep(node.name, status);
    state.stepFinished.fire({ step: ref, status, durationMs, ...(error ? { error } : {}) });
    return error ? { status, error } : { status };
  };
  const fail = (error: Error): StepResult => end(step.ignoreErrors ? 'ignored' : 'failed', error);

  if (state.signal.aborted) return { status: 'cancelled', error: state.signal.reason as Error };
  try {
    if (step.when !== undefined && !evaluateWhen(step.when, job.scope)) return end('skipped');
  } catch (error) {
    return fail(error as Error);
  }

  const { session } = job;
  if (!session) return plan(job, ref, end);
  state.emit({ type: 'step:start', step: ref, attempt: 1 });
  let prepared: Prepared;
  try {
    prepared = await prepare(job);
  } catch (error) {
    return fail(error as Error);
  }

  const attempts = step.retries + 1;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) state.emit({ type: 'step:start', step: ref, attempt });
    const outcome = await attemptOnce(job, session, prepared, ref, id);
    if (outcome.kind === 'ok') return end('ok', undefined, outcome.summary);
    if (outcome.kind === 'cancelled') return end('cancelled', outcome.error);
    lastError = outcome.error;
    if (!outcome.retryable || attempt === attempts) break;
    state.emit({ type: 'step:log', step: ref, level: 'warn', message: `attempt ${attempt} of ${attempts} failed: ${outcome.error.message}; retrying` });
  }
  return fail(lastError!);
}

async function plan(job: StepJob, ref: StepRef, end: (status: Status, error?: Error) => StepResult): Promise<StepResult> {
  let description: string;
  try {
    const prepared = await prepare(job);
    description = prepared.planner ? prepared.planner(prepared.args, job.node) : `${job.step.type} ${JSON.stringify(prepared.args)}`;
  } catch (error) {
    return end(job.step.ignoreErrors ? 'ignored' : 'failed', error as Error);
  }
  job.state.emit({ type: 'step:plan', step: ref, description });
  return { status: 'ok' };
}

/** Everything that can fail before the handler runs; none of it is worth retrying. */
async function prepare(job: StepJob): Promise<Prepared> {
  const { step, scope } = job;
  const activated = await job.state.options.host.activateStep(step.type);
  const args = renderTemplates(step.args, scope);
  // Environment values are strings whatever the template renders to (a port var stays "8080").
  const env = Object.fromEntries(Object.entries(step.env).map(([key, value]) => [key, renderTemplateString(value, scope)]));
  const errors: string[] = [];
  if (!activated.schema(args, { errors })) {
    const message = `invalid arguments for step "${step.type}" on node ${job.node.name}: ${errors.join('; ')}`;
    if (step.loc) throw new PlaybookError([{ ...step.loc, message }]);
    throw new LockstepError(ErrorCodes.PLAYBOOK_INVALID, message);
  }
  return { handler: activated.handler, ...(activated.planner ? { planner: activated.planner } : {}), args, env };
}

async function attemptOnce(job: StepJob, session: NodeSession, prepared: Prepared, ref: StepRef, id: string): Promise<Attempt> {
  const { state, step, phase } = job;
  const timeout = step.timeoutMs === undefined ? undefined : new AbortController();
  const timer = timeout && setTimeout(() => timeout.abort(new Error(`timed out after ${formatDuration(step.timeoutMs!)}`)), step.timeoutMs);
  const signals = [state.signal, session.lost, job.phaseSignal, ...(timeout ? [timeout.signal] : [])];
  const signal = AbortSignal.any(signals);
  const started = Date.now();
  const context = createStepContext({
    state,
    session,
    ref,
    id,
    phase: job.view,
    signal,
    env: prepared.env,
    vars: renderVars(job.scope),
  });
  try {
    const outcome = await settleWithin(
      Promise.resolve().then(() => prepared.handler(prepared.args, context)),
      signal,
      state.options.abortGraceMs,
    );
    return { kind: 'ok', ...(outcome?.summary === undefined ? {} : { summary: outcome.summary }) };
  } catch (error) {
    if (state.signal.aborted) return { kind: 'cancelled', error: state.signal.reason as Error };
    if (session.lost.aborted) return { kind: 'failed', error: session.lost.reason as Error, retryable: false };
    const details = {
      node: session.spec.name,
      host: session.spec.host,
      step: id,
      transport: session.transport.kind,
      durationMs: Date.now() - started,
      // Duck-typed: a plugin may throw the StepError of its own copy of core.
      ...(isLockstepError(error) && typeof (error as StepError).command === 'string' ? { command: (error as StepError).command } : {}),
      cause: error,
    };
    if (job.phaseSignal.aborted) {
      const reason = `phase "${phase.name}" timed out after ${formatDuration(phase.timeoutMs ?? 0)}`;
      return { kind: 'failed', error: new StepError(reason, { ...details, timedOut: true }), retryable: false };
    }
    if (timeout?.signal.aborted) {
      return { kind: 'failed', error: new StepError(`timed out after ${formatDuration(step.timeoutMs!)}`, { ...details, timedOut: true }), retryable: true };
    }
    if (isLockstepError(error)) return { kind: 'failed', error, retryable: true };
    return { kind: 'failed', error: new StepError(error instanceof Error ? error.message : String(error), details), retryable: true };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** A step's `name` may use templates; one that cannot be rendered is shown as written. */
function renderName(name: string, scope: TemplateScope): string {
  try {
    return renderTemplateString(name, scope);
  } catch {
    return name;
  }
}
