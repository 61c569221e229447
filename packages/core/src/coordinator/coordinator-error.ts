import type { ErrorCode } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';

/**
 * An error of the coordinator: a wait that timed out, a broken barrier, a busy resource, a lost
 * session, a refused token, a malformed request. The `code` says which (`LS50xx`); the same code
 * travels over the wire protocol (`ERR <code> <message>`), so a TCP client rethrows the server's
 * error with its code intact.
 */
export class CoordinatorError extends LockstepError {
  override name = 'CoordinatorError';

  /**
   * @param code one of the `LS50xx` codes in {@link ErrorCodes}
   * @param message what happened, naming the semaphore, barrier, resource or address
   * @param options.cause the underlying error
   */
  constructor(code: ErrorCode | string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
