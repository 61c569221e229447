import { ErrorCodes } from './codes.js';
import { LockstepError } from './lockstep-error.js';

/** Everything known about a failed step, execa-style: the same shape as a result plus the reason. */
export interface StepErrorDetails {
  /** Node name. */
  node: string;
  /** Host the node runs on (`localhost` for local nodes). */
  host: string;
  /** Step id: `<phase>/<index>:<type>` or the step's name. */
  step: string;
  transport: 'local' | 'ssh';
  /** The command that ran, when the step ran one. */
  command?: string;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number;
  /** The last lines of stderr (capped at {@link STDERR_TAIL_BYTES}). */
  stderr?: string;
  timedOut?: boolean;
  cause?: unknown;
}

/** How much stderr a {@link StepError} keeps: output over SSH to many hosts can be huge. */
export const STDERR_TAIL_BYTES = 4096;

/**
 * A step failed on a node. `shortMessage` is the reason and the command; `message` adds the
 * stderr tail. All details stay available as fields.
 */
export class StepError extends LockstepError implements StepErrorDetails {
  override name = 'StepError';
  readonly node: string;
  readonly host: string;
  readonly step: string;
  readonly transport: 'local' | 'ssh';
  readonly command?: string;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly durationMs?: number;
  readonly stderr?: string;
  readonly timedOut: boolean;
  /** The reason without output: `step "x" on web1 (10.0.0.1): exit code 2: false`. */
  readonly shortMessage: string;

  constructor(reason: string, details: StepErrorDetails) {
    const tail = details.stderr ? tailOf(details.stderr) : undefined;
    const shortMessage = `step "${details.step}" on ${details.node} (${details.host}): ${reason}${
      details.command ? `: ${details.command}` : ''
    }`;
    super(
      details.timedOut ? ErrorCodes.STEP_TIMED_OUT : ErrorCodes.STEP_FAILED,
      tail ? `${shortMessage}\n${tail}` : shortMessage,
      { cause: details.cause },
    );
    this.node = details.node;
    this.host = details.host;
    this.step = details.step;
    this.transport = details.transport;
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.durationMs = details.durationMs;
    this.stderr = tail;
    this.timedOut = details.timedOut ?? false;
    this.shortMessage = shortMessage;
  }
}

function tailOf(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= STDERR_TAIL_BYTES ? trimmed : `…${trimmed.slice(-STDERR_TAIL_BYTES)}`;
}
