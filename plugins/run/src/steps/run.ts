import { shellQuote, StepError, type StepContext, type StepHandler, type StepOutcome, type StepPlanner } from '@lockstep/core';

/** The arguments of `run`, as a playbook writes them: the command, or the long form. */
export type RunArgs = string | { command: string; cwd?: string; shell?: string };

/** {@link RunArgs} in its one internal form. */
export interface NormalizedRunArgs {
  command: string;
  cwd: string | undefined;
  shell: string | undefined;
}

/**
 * Turns the short form (`run: make`) into the long one.
 *
 * @param args validated step arguments
 * @returns command, cwd and shell
 */
export function normalizeRunArgs(args: RunArgs): NormalizedRunArgs {
  if (typeof args === 'string') return { command: args, cwd: undefined, shell: undefined };
  return { command: args.command, cwd: args.cwd, shell: args.shell };
}

/**
 * Runs the command on the node. Output streams to the report line by line as it comes; a
 * non-zero exit (or a signal) fails the step with a {@link StepError} carrying the exit code and
 * the tail of stderr.
 */
export const runStep: StepHandler<RunArgs> = async (args, context): Promise<StepOutcome> => {
  const { command, cwd, shell } = normalizeRunArgs(args);
  const script = shell ? `${shell} -c ${shellQuote(command)}` : command;
  let lines = 0;
  const result = await context.node.exec(script, {
    ...(cwd === undefined ? {} : { cwd }),
    signal: context.signal,
    // The runner already reports each line; the count is kept in the outcome's data.
    onLine: () => void lines++,
  });
  if (result.exitCode !== 0) {
    const reason = result.signal ? `killed by ${result.signal}` : `exit code ${String(result.exitCode)}`;
    throw new StepError(reason, {
      ...where(context),
      command,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      stderr: result.stderr,
    });
  }
  return { data: { exitCode: 0, lines, durationMs: result.durationMs } };
};

/** Describes the command for `--dry-run`. */
export const planRun: StepPlanner<RunArgs> = (args) => {
  const { command, cwd, shell } = normalizeRunArgs(args);
  return `run ${shell ? `${shell} -c ` : ''}${JSON.stringify(command)}${cwd ? ` in ${cwd}` : ''}`;
};

function where(context: StepContext): { node: string; host: string; step: string; transport: 'local' | 'ssh' } {
  return { node: context.node.name, host: context.node.host, step: context.step?.id ?? 'run', transport: context.node.transport.kind };
}

