import { ErrorCodes, type ErrorCode } from './codes.js';
import { LockstepError } from './lockstep-error.js';

/** Why a connection to a node failed, in words a user can act on. */
export type ConnectionFailure = 'refused' | 'timed-out' | 'auth-failed' | 'host-key-mismatch' | 'host-key-unknown' | 'dns' | 'lost' | 'other';

const codeFor: Record<ConnectionFailure, ErrorCode> = {
  refused: ErrorCodes.CONNECT_FAILED,
  'timed-out': ErrorCodes.CONNECT_FAILED,
  dns: ErrorCodes.CONNECT_FAILED,
  other: ErrorCodes.CONNECT_FAILED,
  'auth-failed': ErrorCodes.AUTH_FAILED,
  'host-key-mismatch': ErrorCodes.HOST_KEY_REJECTED,
  'host-key-unknown': ErrorCodes.HOST_KEY_REJECTED,
  lost: ErrorCodes.CONNECTION_LOST,
};

/**
 * Connecting to a node failed, or its connection dropped. The message names the node, the
 * address and the reason: `web1 (10.0.0.11:22): connection refused`.
 */
export class ConnectionError extends LockstepError {
  override name = 'ConnectionError';
  readonly node: string;
  /** `host:port` that was dialled. */
  readonly address: string;
  readonly reason: ConnectionFailure;

  constructor(node: string, address: string, reason: ConnectionFailure, detail: string, options: { cause?: unknown } = {}) {
    super(codeFor[reason], `${node} (${address}): ${detail}`, options);
    this.node = node;
    this.address = address;
    this.reason = reason;
  }
}
