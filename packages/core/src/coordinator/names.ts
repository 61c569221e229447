import { ErrorCodes } from '../errors/codes.js';
import { CoordinatorError } from './coordinator-error.js';

/** Longest name of a semaphore, barrier, lock or channel, in characters. */
export const MAX_NAME_LENGTH = 256;

/**
 * Checks a semaphore, barrier, resource or channel name: 1 to {@link MAX_NAME_LENGTH}
 * characters, no whitespace or control characters (the wire protocol splits on spaces).
 *
 * @param kind what the name is for, for the message
 * @param name the name to check
 * @returns the name
 * @throws {CoordinatorError} `COORDINATOR_PROTOCOL` naming the problem
 */
export function checkName(kind: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid(`${kind} name is empty`);
  if (name.length > MAX_NAME_LENGTH) throw invalid(`${kind} name is longer than ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(name)) throw invalid(`${kind} name "${name}" contains whitespace or control characters`);
  return name;
}

/**
 * The capacity of a numeric resource written flom's way: `name[N]` allows N holders.
 *
 * @param resource a resource name
 * @returns N for `name[N]` (N ≥ 1), undefined for a plain name
 */
export function capacityOf(resource: string): number | undefined {
  const match = /\[(\d{1,9})\]$/.exec(resource);
  if (!match) return undefined;
  const n = Number(match[1]);
  return n >= 1 ? n : undefined;
}

/**
 * Checks that `value` is a whole number within JavaScript's safe range.
 * @throws {CoordinatorError} `COORDINATOR_PROTOCOL`
 */
export function checkInteger(what: string, value: number, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalid(`${what} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}, got ${String(value)}`);
  return value;
}

function invalid(message: string): CoordinatorError {
  return new CoordinatorError(ErrorCodes.COORDINATOR_PROTOCOL, message);
}
