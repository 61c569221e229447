import { LockstepError } from '@lockstep/core';

/**
 * Error codes of the flock-lock plugin (its own `FL` prefix, as plugins use their own). Each has
 * a section in docs/errors.md and in the plugin's README.
 */
export const FlockLockCodes = {
  /** Another process holds the lock on a node; the message names the node and the holder. */
  LOCK_BUSY: 'FL1001',
  /** The lock could not be attempted on a node (flock missing, path unreadable, connection lost). */
  LOCK_FAILED: 'FL1002',
  /** A lock holder stopped answering the heartbeat or died; the run is aborted. */
  HEARTBEAT_FAILED: 'FL1003',
} as const;

/** One of {@link FlockLockCodes}. */
export type FlockLockCode = (typeof FlockLockCodes)[keyof typeof FlockLockCodes];

/**
 * The cluster lock could not be taken or was lost. `node` names the node at fault and
 * `holders` describes who holds the lock there, when that could be found out.
 */
export class FlockLockError extends LockstepError {
  override name = 'FlockLockError';
  /** The node that refused the lock or lost it. */
  readonly node: string;
  /** The locked path on that node. */
  readonly path: string;
  /** Who holds the lock on `node` (a lockstep run, or a pid and command line); empty when unknown. */
  readonly holders: readonly string[];

  /**
   * @param code one of {@link FlockLockCodes}
   * @param message what happened, naming the node
   * @param details the node, path and holders
   */
  constructor(code: FlockLockCode, message: string, details: { node: string; path: string; holders?: readonly string[]; cause?: unknown }) {
    super(code, message, { cause: details.cause });
    this.node = details.node;
    this.path = details.path;
    this.holders = details.holders ?? [];
  }
}
