import { ErrorCodes, LockstepError } from '@lockstep/core';
import type { MemberList } from '../membership/member-list.js';
import type { NormalizedAgentOptions } from '../options.js';
import type { GroupSocket, Received } from '../wire/group-socket.js';
import { scanPaths } from './entries.js';
import { formatPushReport } from './push-report.js';
import type { PushReport } from './push-report.js';
import { PushSession } from './push-session.js';
import { normalizePushOptions } from './push-options.js';

/** A push that did not reach every target; `data` is the full {@link PushReport}. */
export class PushIncompleteError extends LockstepError {
  override name = 'PushIncompleteError';
  readonly data: PushReport;

  constructor(report: PushReport) {
    const failed = report.members.filter((m) => m.status === 'failed');
    super(ErrorCodes.PUSH_INCOMPLETE, `push incomplete: ${failed.map((m) => `${m.name}: ${m.error ?? 'failed'}`).join('; ')}`);
    this.data = report;
  }
}

/**
 * Runs pushes for the control socket, one at a time (later requests wait their turn), and
 * routes replies to the active session.
 */
export class PushService {
  readonly #socket: GroupSocket;
  readonly #members: MemberList;
  readonly #options: NormalizedAgentOptions;
  readonly #self: string;
  #active: PushSession | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(socket: GroupSocket, members: MemberList, options: NormalizedAgentOptions, self: string) {
    this.#socket = socket;
    this.#members = members;
    this.#options = options;
    this.#self = self;
  }

  /** Routes a reply to the running session. */
  handle(message: Received): void {
    this.#active?.handle(message);
  }

  /** What the running push is doing, for `--status`. */
  status(): { session: string; path: string; pending: number } | undefined {
    const current = this.#active?.current;
    return this.#active && current ? { session: this.#active.id, path: current.path, pending: current.pending } : undefined;
  }

  /**
   * Runs one push request from the control socket.
   * @param raw the request's params (see {@link normalizePushOptions})
   * @param emit progress events
   * @param signal aborts when the client hangs up
   * @returns the report when every target confirmed every entry
   * @throws {PushIncompleteError} naming each member that failed (the report is attached)
   */
  push(raw: Record<string, unknown>, emit: (event: unknown) => void, signal: AbortSignal): Promise<PushReport> {
    const run = this.#queue.then(() => this.#run(raw, emit, signal));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(raw: Record<string, unknown>, emit: (event: unknown) => void, signal: AbortSignal): Promise<PushReport> {
    const options = normalizePushOptions(raw);
    const { entries, skipped } = scanPaths(this.#options.base, options.paths, options);
    const live = this.#members.list().filter((m) => m.id !== this.#self);
    const matches = (member: { id: string; name: string; address: string }, target: string) => member.name === target || member.address === target || member.id === target;
    const targets = options.targets.length === 0 ? live : live.filter((m) => options.targets.some((t) => matches(m, t)));
    const missing = options.targets.filter((t) => !live.some((m) => matches(m, t)));
    const session = new PushSession(this.#socket, this.#members, {
      chunkBytes: this.#options.chunkBytes,
      datagramBytes: this.#options.datagramBytes,
      retryIntervalMs: this.#options.retryIntervalMs,
      maxRetries: this.#options.maxRetries,
      bwlimit: options.bwlimit,
      dryRun: options.dryRun,
      checksum: options.checksum,
      onEvent: emit,
      signal,
    });
    this.#active = session;
    try {
      const report = await session.run(entries, targets, missing, skipped);
      for (const line of formatPushReport(report)) emit({ kind: 'line', line });
      if (report.members.some((m) => m.status === 'failed')) throw new PushIncompleteError(report);
      return report;
    } finally {
      this.#active = undefined;
    }
  }
}
