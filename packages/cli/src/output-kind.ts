import type { ReporterKind } from '@lockstep/core';
import type { LockstepContext } from './context.js';

/**
 * Chooses how a command renders a run: `json` with `--json`; `plain` with `--plain`, when stdout
 * is not a terminal, or under CI; the live `interactive` view otherwise.
 *
 * @param context the invocation's streams and environment
 * @param flags the command's `--json` and `--plain`
 * @returns the reporter kind
 */
export function chooseReporterKind(context: LockstepContext, flags: { json?: boolean; plain?: boolean }): ReporterKind {
  if (flags.json) return 'json';
  if (flags.plain || isCi(context.env)) return 'plain';
  return (context.stdout as { isTTY?: boolean }).isTTY === true ? 'interactive' : 'plain';
}

/**
 * Whether we run under CI: CI systems set `CI` (to `true`, `1`, or a name); `CI=false` and
 * `CI=0` opt out.
 *
 * @param env the invocation's environment
 * @returns true under CI
 */
export function isCi(env: Record<string, string | undefined>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Whether to colour output: only for a colour terminal, and never with `NO_COLOR`.
 *
 * @param context the invocation's colour depth and environment
 * @returns true to emit ANSI colours
 */
export function useColor(context: LockstepContext): boolean {
  if (context.env.NO_COLOR !== undefined && context.env.NO_COLOR !== '') return false;
  return context.colorDepth > 1;
}
