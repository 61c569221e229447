import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as playbooks and the command line write it: `500ms`, `3s`, `2m`, `1h`,
 * `1m30s`, or a bare number in `bareUnit` (seconds unless told otherwise: orgalorg's flags take
 * milliseconds).
 *
 * @param input the text, or a number in `bareUnit`
 * @param bareUnit what a bare number means
 * @returns milliseconds
 * @throws {LockstepError} `DURATION_INVALID` naming the input and the accepted forms
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(input: string | number, bareUnit: 's' | 'ms' = 's'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw invalid(String(input));
    return Math.round(input * units[bareUnit]!);
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * units[bareUnit]!);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) throw invalid(input);
  return Math.round(total);
}

/** Formats milliseconds for people: `850ms`, `3.2s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

function invalid(input: string): LockstepError {
  return new LockstepError(
    ErrorCodes.DURATION_INVALID,
    `invalid duration "${input}": expected a number with a unit (500ms, 3s, 2m, 1h) or a bare number`,
  );
}
