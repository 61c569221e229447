import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Member, MemberList } from '../membership/member-list.js';
import type { GroupSocket, Received } from '../wire/group-socket.js';
import { sha256FileSync } from './entries.js';
import type { SourceEntry } from './entries.js';
import { chunksOf } from './missing-bitmap.js';
import type { MemberOutcome, PushReport } from './push-report.js';
import { SendPacer } from './send-pacer.js';

/** How a push session behaves. */
export interface PushSessionOptions {
  chunkBytes: number;
  /** File bytes one datagram carries at most (a run of consecutive chunks). */
  datagramBytes: number;
  retryIntervalMs: number;
  maxRetries: number;
  /** Bytes per second, 0 for no cap. */
  bwlimit: number;
  dryRun: boolean;
  checksum: boolean;
  /** Progress events for the control client. */
  onEvent: (event: Record<string, unknown>) => void;
  signal: AbortSignal;
}

/** Files are read (and hashed) this many bytes at a time. */
const READ_BLOCK_BYTES = 1 << 20;

/** Sends kept in flight before waiting for the kernel: keeps memory flat on big files. */
const IN_FLIGHT = 64;

/**
 * Files in flight at once. While members write, check and rename one file, the next one's
 * chunks are already on the wire: a tree of many files does not pay a round trip per file.
 */
const FILES_IN_FLIGHT = 4;

interface Reply {
  type: string;
  header: Record<string, unknown>;
  body: Buffer;
}

/** One entry on its way: its replies and the chunks members asked for again. */
interface FileState {
  fid: number;
  path: string;
  chunks: number;
  chunkBytes: number;
  inbox: Map<string, Reply>;
  resend: Set<number>;
  wake: () => void;
  pending: number;
}

/**
 * One push from this agent to a set of members. Each entry is announced (OPEN, repeated until
 * every target answers), its chunks are multicast once, then END is repeated: members answer
 * with NACK bitmaps (only those chunks are sent again) or DONE with their checksum. A member
 * that stops answering, or stops making progress, for `maxRetries` rounds, or that drops out of
 * the member list, is marked failed with the reason and left out of the rest of the push.
 * Up to {@link FILES_IN_FLIGHT} files travel at once; delete lists and then directories (whose
 * times must be set after their contents) go last, one at a time.
 */
export class PushSession {
  readonly id = randomBytes(4).toString('hex');
  readonly #socket: GroupSocket;
  readonly #members: MemberList;
  readonly #options: PushSessionOptions;
  readonly #outcomes = new Map<string, MemberOutcome>();
  readonly #files = new Map<number, FileState>();
  #fid = 0;
  #bytes = 0;
  #repaired = 0;
  #startedAt = 0;
  readonly #pacer: SendPacer;
  /** Read buffers of files in flight, reused from file to file when sends copy their body. */
  readonly #blocks: Buffer[] = [];
  #hashBuffer: Buffer | undefined;

  /**
   * @param socket group socket
   * @param members the live-member list (a member that drops out fails at once)
   * @param options behaviour
   */
  constructor(socket: GroupSocket, members: MemberList, options: PushSessionOptions) {
    this.#socket = socket;
    this.#members = members;
    this.#options = options;
    this.#pacer = new SendPacer(options.chunkBytes, options.datagramBytes, options.bwlimit);
  }

  /** What is being sent now, for `--status`. */
  get current(): { path: string; pending: number } | undefined {
    const files = [...this.#files.values()];
    return files.length === 0 ? undefined : { path: files.map((f) => f.path).join(', '), pending: Math.max(...files.map((f) => f.pending)) };
  }

  /**
   * Handles a reply addressed to this session (OPEN ack, NACK, DONE).
   * @param message what arrived
   */
  handle(message: Received): void {
    const header = message.header;
    if (header.sid !== this.id) return;
    const file = this.#files.get(Number(header.fid));
    if (!file) return;
    const from = String(header.from);
    if (message.type === 'nack') {
      for (const seq of chunksOf({ base: Number(header.base), bitmap: message.body }, file.chunks)) file.resend.add(seq);
    }
    const previous = file.inbox.get(from);
    // A NACK must not hide a DONE that came first in the same round.
    if (!(previous?.type === 'done' && message.type === 'nack')) file.inbox.set(from, { type: message.type, header, body: message.body });
    file.wake();
  }

  /**
   * Runs the push.
   * @param entries what to send, in order
   * @param targets the members to send to
   * @param missing asked-for targets that are not live (reported as failed)
   * @param skipped paths not sent (directories without `-r`)
   * @returns the report (members that failed carry `error`)
   */
  async run(entries: SourceEntry[], targets: Member[], missing: string[], skipped: string[]): Promise<PushReport> {
    this.#startedAt = performance.now();
    for (const member of targets) this.#outcomes.set(member.id, { id: member.id, name: member.name, address: member.address, status: 'ok', sent: 0, unchanged: 0, deleted: [] });
    const report: PushReport = { dryRun: this.#options.dryRun, entries: entries.length, bytes: 0, repaired: 0, durationMs: 0, members: [], plan: [], skipped };
    const plan: Array<PushReport['plan'][number] & { order: number }> = [];
    const unknown = missing.map((name): MemberOutcome => ({ id: '', name, address: '', status: 'failed', sent: 0, unchanged: 0, error: 'not a live member', deleted: [] }));
    const running = new Set<Promise<void>>();
    let failure: unknown;
    // Files and symlinks first, several at a time; then delete lists; then directories, one at a
    // time and deepest first, so their times are set after everything inside them has landed.
    const rank = (kind: string) => (kind === 'dir' ? 2 : kind === 'prune' ? 1 : 0);
    const ordered = [...entries.entries()].sort(([a, x], [b, y]) => rank(x.entry.kind) - rank(y.entry.kind) || a - b);
    for (const [order, item] of ordered) {
      if (failure) break;
      this.#options.signal.throwIfAborted();
      if (item.entry.kind === 'dir' || item.entry.kind === 'prune') await Promise.all(running);
      while (running.size >= FILES_IN_FLIGHT) await Promise.race(running);
      const live = [...this.#outcomes.values()].filter((o) => o.status === 'ok').map((o) => o.id);
      if (live.length === 0) break;
      const task = this.#sendEntry(item, live, plan, order).catch((error: unknown) => {
        failure ??= error;
      });
      running.add(task);
      void task.finally(() => running.delete(task));
    }
    await Promise.all(running);
    if (failure) throw failure;
    report.plan = plan.sort((a, b) => a.order - b.order).map(({ order: _order, ...item }) => item);
    report.bytes = this.#bytes;
    report.repaired = this.#repaired;
    report.durationMs = Math.round(performance.now() - this.#startedAt);
    report.members = [...this.#outcomes.values(), ...unknown];
    return report;
  }

  #fail(id: string, reason: string): void {
    const outcome = this.#outcomes.get(id);
    if (!outcome || outcome.status === 'failed') return;
    outcome.status = 'failed';
    outcome.error = reason;
    this.#options.onEvent({ kind: 'member-failed', member: outcome.name, reason });
  }

  /** Waits until `ready()` or `ms` passed, waking on every reply for the file. */
  async #waitFor(file: FileState, ready: () => boolean, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (!ready()) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        file.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async #sendEntry(item: SourceEntry, targets: string[], plan: Array<PushReport['plan'][number] & { order: number }>, order: number): Promise<void> {
    const { entry } = item;
    if (entry.kind === 'file' && typeof item.source === 'string') entry.sha256 = sha256FileSync(item.source, (this.#hashBuffer ??= Buffer.allocUnsafeSlow(READ_BLOCK_BYTES)));
    const chunkBytes = this.#pacer.chunkBytes;
    const chunks = entry.kind === 'file' || entry.kind === 'prune' ? Math.max(1, Math.ceil(entry.size / chunkBytes)) : 0;
    const file: FileState = { fid: ++this.#fid, path: entry.path, chunks, chunkBytes, inbox: new Map(), resend: new Set(), wake: () => undefined, pending: targets.length };
    this.#files.set(file.fid, file);
    try {
      await this.#transfer(item, file, targets, plan, order);
    } finally {
      this.#files.delete(file.fid);
    }
  }

  async #transfer(item: SourceEntry, file: FileState, targets: string[], plan: Array<PushReport['plan'][number] & { order: number }>, order: number): Promise<void> {
    const { entry } = item;
    const open = { sid: this.id, fid: file.fid, entry, dry: this.#options.dryRun, checksum: this.#options.checksum, chunkBytes: file.chunkBytes, chunks: file.chunks };

    // 1. OPEN until every target has answered whether it needs the entry.
    const acks = await this.#rounds(file, targets, (pending) => this.#socket.send('open', { ...open, targets: pending }), (reply) => reply.type === 'openAck', 'the announcement of');
    const need: string[] = [];
    for (const [id, reply] of acks) {
      const outcome = this.#outcomes.get(id)!;
      if (reply.header.error) this.#fail(id, `${entry.path}: ${String(reply.header.error)}`);
      else if (reply.header.need && reply.header.applied) outcome.sent++;
      else if (reply.header.need) need.push(id);
      else outcome.unchanged++;
    }
    if (this.#options.dryRun && entry.kind !== 'prune') {
      const to = need.concat([...acks].filter(([, r]) => r.header.applied).map(([id]) => id)).map((id) => this.#outcomes.get(id)!.name);
      if (to.length > 0) plan.push({ path: entry.path, kind: entry.kind, to, order });
      return;
    }
    if (need.length === 0) return;

    // 2. Every chunk once, to the group.
    const fd = typeof item.source === 'string' ? openSync(item.source, 'r') : undefined;
    // Sealing copies each chunk, so one read buffer serves the whole file (and the next one).
    const reuse = this.#socket.copiesBody ? (this.#blocks.pop() ?? Buffer.allocUnsafeSlow(READ_BLOCK_BYTES)) : undefined;
    try {
      // Files are read a block of chunks at a time: one read(2) per ~1 MB, not per datagram.
      const chunkBytes = file.chunkBytes;
      const blockChunks = Math.max(1, Math.floor(READ_BLOCK_BYTES / chunkBytes));
      const blockBytes = chunkBytes * blockChunks;
      let block: Buffer = Buffer.alloc(0);
      let blockStart = -1;
      // `count` consecutive chunks from `seq`, never across a block boundary (see #sendChunks).
      const read = (seq: number, count: number): Buffer => {
        const start = seq * chunkBytes;
        const length = Math.max(0, Math.min(chunkBytes * count, entry.size - start));
        if (fd === undefined) return (item.source as Buffer).subarray(start, start + length);
        if (blockStart < 0 || start < blockStart || start + length > blockStart + block.length) {
          blockStart = start - (start % blockBytes);
          const size = Math.min(blockBytes, entry.size - blockStart);
          const buffer = reuse && size <= reuse.length ? reuse.subarray(0, size) : Buffer.allocUnsafe(size);
          block = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, blockStart));
        }
        return block.subarray(start - blockStart, start - blockStart + length);
      };
      const passStarted = performance.now();
      await this.#sendChunks(file, file.chunks, (i) => i, read, blockChunks);
      const passMs = performance.now() - passStarted;
      this.#bytes += entry.size;
      let firstRound = true;

      // 3. END until every member confirms; resend what NACKs name.
      const done = await this.#rounds(
        file,
        need,
        async (pending) => {
          if (file.resend.size > 0) {
            const seqs = [...file.resend].sort((a, b) => a - b);
            file.resend.clear();
            this.#repaired += seqs.length;
            await this.#sendChunks(file, seqs.length, (i) => seqs[i]!, read, blockChunks);
          }
          await this.#socket.send('end', { sid: this.id, fid: file.fid, targets: pending });
        },
        (reply) => reply.type === 'done',
        'the transfer of',
        (replies) => {
          if (!firstRound) return;
          firstRound = false;
          const lost = Math.max(0, ...[...replies.values()].filter((r) => r.type === 'nack').map((r) => Number(r.header.missing) || 0));
          this.#pacer.adapt(lost / file.chunks, entry.size, passMs);
        },
      );
      for (const [id, reply] of done) {
        const outcome = this.#outcomes.get(id)!;
        if (reply.header.ok !== true) this.#fail(id, `${entry.path}: ${String(reply.header.error ?? 'failed')}`);
        else if (entry.kind === 'prune') outcome.deleted.push(...((reply.header.deleted as string[] | undefined) ?? []));
        else outcome.sent++;
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
      if (reuse) this.#blocks.push(reuse);
    }
  }

  /**
   * Repeats `ask` to the members that have not given a final reply, once per retry interval
   * (sooner when all answered). A member silent, or without progress, for `maxRetries`
   * rounds fails, as does one that leaves the member list or failed elsewhere in the push.
   */
  async #rounds(
    file: FileState,
    targets: string[],
    ask: (pending: string[]) => Promise<void>,
    final: (reply: Reply) => boolean,
    what: string,
    onRound?: (replies: Map<string, Reply>) => void,
  ): Promise<Map<string, Reply>> {
    const results = new Map<string, Reply>();
    const stalls = new Map<string, number>(targets.map((id) => [id, 0]));
    const best = new Map<string, number>();
    let pending = targets.slice();
    while (pending.length > 0) {
      this.#options.signal.throwIfAborted();
      file.inbox.clear();
      file.pending = pending.length;
      await ask(pending);
      await this.#waitFor(file, () => pending.every((id) => file.inbox.has(id)), this.#options.retryIntervalMs);
      onRound?.(file.inbox);
      const next: string[] = [];
      for (const id of pending) {
        const reply = file.inbox.get(id);
        if (this.#outcomes.get(id)?.status === 'failed') continue;
        if (!this.#members.get(id)) {
          this.#fail(id, `dropped out of the member list during ${what} ${file.path}`);
          continue;
        }
        if (reply && final(reply)) {
          results.set(id, reply);
          continue;
        }
        if (reply?.type === 'nack') {
          const missing = Number(reply.header.missing);
          if (missing < (best.get(id) ?? Infinity)) {
            best.set(id, missing);
            stalls.set(id, 0);
          } else stalls.set(id, stalls.get(id)! + 1);
        } else if (!reply || reply.type !== 'openAck') stalls.set(id, stalls.get(id)! + 1);
        if (stalls.get(id)! > this.#options.maxRetries) {
          const why = reply?.type === 'nack' ? `could not keep up: ${String(reply.header.missing)} chunks still missing` : 'stopped answering';
          this.#fail(id, `${why} during ${what} ${file.path} (${this.#options.maxRetries} retries, ${this.#options.retryIntervalMs}ms apart)`);
          continue;
        }
        next.push(id);
      }
      pending = next;
    }
    return results;
  }

  /**
   * Multicasts chunks, paced by the {@link SendPacer}, with a bounded number of sends in flight.
   * Consecutive chunks share a datagram, as many as the pacer says (one after loss), never across
   * a read block's boundary.
   * @param total how many chunks to send
   * @param seqAt the i-th chunk's number, ascending in i (a function: a whole file's first pass
   *   needs no array of millions of numbers)
   * @param read the bytes of `count` chunks from `seq`
   * @param blockChunks chunks per read block
   */
  async #sendChunks(file: FileState, total: number, seqAt: (i: number) => number, read: (seq: number, count: number) => Buffer, blockChunks: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const perDatagram = this.#pacer.datagramChunks();
    for (let i = 0; i < total; ) {
      this.#options.signal.throwIfAborted();
      const seq = seqAt(i);
      const blockEnd = (Math.floor(seq / blockChunks) + 1) * blockChunks;
      let count = 1;
      while (count < perDatagram && i + count < total && seqAt(i + count) === seq + count && seq + count < blockEnd) count++;
      i += count;
      const body = read(seq, count);
      const sent = this.#socket.send('data', { sid: this.id, fid: file.fid, seq }, body);
      inFlight.add(sent);
      void sent.then(() => inFlight.delete(sent));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      await this.#pacer.pace(body.length);
    }
    await Promise.all(inFlight);
  }
}
