import { parseDuration } from '@lockstep/core';

/**
 * Turns an `x-duration` argument into milliseconds. Accepts the written form (`500ms`, `3s`,
 * `2m`, bare number = seconds) as well as a number, which is read as seconds like a bare number
 * in a playbook.
 *
 * @param value the argument as validated by the host
 * @returns milliseconds, or undefined when the argument is absent
 * @throws {LockstepError} `DURATION_INVALID` when the text is not a duration
 */
export function durationMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseDuration(value);
}
