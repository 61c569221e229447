const brand = Symbol.for('lockstep.error');

/** Options shared by every {@link LockstepError}. */
export interface LockstepErrorOptions {
  /** The underlying error, kept for debugging. */
  cause?: unknown;
}

/**
 * The base of every error lockstep reports to users. It carries a stable `code`
 * (`LS` + 4 digits, documented in docs/errors.md, never reused). The CLI prints known errors
 * as `code message` without a stack; anything else is an internal error.
 *
 * Use {@link isLockstepError} rather than `instanceof`: plugins may load their own copy of core.
 */
export class LockstepError extends Error {
  override name = 'LockstepError';
  /** Stable error code, such as `LS1001`. */
  readonly code: string;

  constructor(code: string, message: string, options: LockstepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }
}

/**
 * Tells whether `value` is a {@link LockstepError}, across copies of `@lockstep/core`.
 *
 * @param value anything caught
 * @returns true for any lockstep error
 */
export function isLockstepError(value: unknown): value is LockstepError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
