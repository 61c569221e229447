import { LockstepError } from '@lockstep/core';

/**
 * Error codes of the ssh-tar-upload plugin (its own `TU` prefix, as plugins use their own). Each
 * has a section in docs/errors.md and in the plugin's README.
 */
export const TarUploadCodes = {
  /** A source is missing, unreadable or not uploadable (a device, a socket), or `src` matched nothing. */
  SOURCE_INVALID: 'TU1001',
  /** Receiving or extracting the archive failed on a node (tar error, connection lost, too slow). */
  UPLOAD_FAILED: 'TU1002',
  /** An entry would land outside the target (absolute path, `..`, a link pointing out); refused. */
  ENTRY_UNSAFE: 'TU1003',
  /** The checksums a node computed after extraction differ from the sender's. */
  CHECKSUM_MISMATCH: 'TU1004',
  /** The sync tool (default mover, `simple` or `sync-cmd`) failed on a node. */
  SYNC_FAILED: 'TU1005',
  /** The upload was abandoned on this node because another node failed (`on-node-failure: abort`). */
  UPLOAD_ABORTED: 'TU1006',
} as const;

/** One of {@link TarUploadCodes}. */
export type TarUploadCode = (typeof TarUploadCodes)[keyof typeof TarUploadCodes];

/** An upload failed; `node` names the node at fault when there is one. */
export class TarUploadError extends LockstepError {
  override name = 'TarUploadError';
  /** The node the failure happened on; undefined for failures on the runner (sources). */
  readonly node: string | undefined;

  /**
   * @param code one of {@link TarUploadCodes}
   * @param message what happened, naming the node or source
   * @param details the node and the underlying cause
   */
  constructor(code: TarUploadCode, message: string, details: { node?: string; cause?: unknown } = {}) {
    super(code, message, { cause: details.cause });
    this.node = details.node;
  }
}
