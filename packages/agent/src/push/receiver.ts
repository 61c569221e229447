import { close, closeSync, fchmod, fchown, ftruncate, futimes, lstatSync, mkdirSync, open as openFd, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writevSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { chmod, chown, lchown, lutimes, mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { GroupSocket, Received } from '../wire/group-socket.js';
import { excludeMatcher, relativeToBase, sha256File } from './entries.js';
import type { PushEntry } from './entries.js';
import { missingWindows } from './missing-bitmap.js';

/** The OPEN header a sender multicasts for each entry. */
export interface OpenHeader {
  sid: string;
  fid: number;
  targets: string[];
  entry: PushEntry;
  dry: boolean;
  checksum: boolean;
  chunkBytes: number;
  chunks: number;
}

interface Transfer {
  open: OpenHeader;
  sender: string;
  dest: string;
  tmp?: string;
  fd?: number;
  have?: Uint8Array;
  missing: number;
  /** The answer to OPEN, once decided. */
  ack?: Record<string, unknown>;
  done?: Record<string, unknown>;
  finishing?: Promise<void>;
  touched: number;
  /** Consecutive chunks held back to be written with one write(2). */
  pending: Buffer[];
  pendingStart: number;
  pendingBytes: number;
  /** SHA-256 of the bytes written in order from the start, so the check needs no second read. */
  hash: Hash;
  hashedTo: number;
}

/** Consecutive chunks are gathered up to this size, or this many chunks, before one write. */
const WRITE_BATCH_BYTES = 1 << 20;
const WRITE_BATCH_CHUNKS = 512;

// Creating, renaming and closing files go through the thread pool: on a busy file system they can
// wait on the journal for milliseconds, and a member whose event loop waits is not reading its
// socket (datagrams pile up and get dropped) nor answering the sender.
const openAsync = promisify(openFd);
const ftruncateAsync = promisify(ftruncate);
const fchownAsync = promisify(fchown);
const fchmodAsync = promisify(fchmod);
const futimesAsync = promisify(futimes);
const closeAsync = promisify(close);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** An unfinished transfer nobody talks about for this long is abandoned and its temp file removed. */
const ABANDON_MS = 5 * 60_000;

/**
 * The member side of a push: answers OPEN with whether the entry is needed, writes chunks into
 * a temporary file next to the destination, answers END with NACK bitmaps until nothing is
 * missing, then checks the SHA-256, renames into place and restores mode, times and (as root)
 * owner and group.
 */
export class PushReceiver {
  readonly #socket: GroupSocket;
  readonly #base: string;
  readonly #self: string;
  readonly #transfers = new Map<string, Transfer>();
  readonly #timer: NodeJS.Timeout;
  /** Counters for `--status`. */
  readonly stats = { files: 0, bytes: 0, failed: 0 };

  /**
   * @param socket the group socket replies go out on
   * @param base absolute base directory
   * @param self this agent's id
   */
  constructor(socket: GroupSocket, base: string, self: string) {
    this.#socket = socket;
    this.#base = base;
    this.#self = self;
    this.#timer = setInterval(() => this.#collect(), 30_000).unref();
    void sweepTempFiles(base);
  }

  /** Transfers in progress, for `--status`. */
  active(): Array<{ path: string; sender: string; missing: number }> {
    return [...this.#transfers.values()].filter((t) => !t.done).map((t) => ({ path: t.open.entry.path, sender: t.sender, missing: t.missing }));
  }

  /**
   * Handles a push message from the group (OPEN, DATA, END); others are ignored.
   * @param message what arrived
   */
  handle(message: Received): void {
    const header = message.header;
    const key = `${String(header.from)}:${String(header.sid)}:${String(header.fid)}`;
    if (message.type === 'open') {
      const open = header as unknown as OpenHeader;
      if (!Array.isArray(open.targets) || !open.targets.includes(this.#self)) return;
      const known = this.#transfers.get(key);
      if (known) {
        known.touched = Date.now();
        // Still deciding (hashing a big file for --checksum): the answer goes out when ready.
        if (known.ack) void this.#reply('openAck', known.ack);
        return;
      }
      void this.#open(key, String(header.from), open);
    } else if (message.type === 'data') {
      const transfer = this.#transfers.get(key);
      const seq = Number(header.seq);
      const have = transfer?.have;
      if (!transfer || !have || transfer.fd === undefined || transfer.done || !(Number.isInteger(seq) && seq >= 0 && seq < have.length)) return;
      // A datagram carries one or more consecutive chunks; only the last chunk of a file is short.
      const chunkBytes = transfer.open.chunkBytes;
      const body = message.body;
      const count = Math.max(1, Math.ceil(body.length / chunkBytes));
      const start = seq * chunkBytes;
      if (seq + count > have.length || body.length !== Math.min(count * chunkBytes, transfer.open.entry.size - start)) return;
      // Write the chunks not yet received (a repair may overlap what arrived meanwhile).
      for (let i = 0; i < count; ) {
        if (have[seq + i]) {
          i++;
          continue;
        }
        let j = i;
        while (j < count && !have[seq + j]) have[seq + j++] = 1;
        this.#append(transfer, start + i * chunkBytes, body.subarray(i * chunkBytes, j * chunkBytes));
        transfer.missing -= j - i;
        i = j;
      }
      transfer.touched = Date.now();
    } else if (message.type === 'end') {
      if (!Array.isArray(header.targets) || !(header.targets as unknown[]).includes(this.#self)) return;
      const transfer = this.#transfers.get(key);
      if (!transfer) return;
      transfer.touched = Date.now();
      if (transfer.done) void this.#reply('done', transfer.done);
      else if (transfer.missing > 0 && transfer.have) {
        for (const window of missingWindows(transfer.have)) {
          void this.#reply('nack', { sid: transfer.open.sid, fid: transfer.open.fid, to: transfer.sender, missing: transfer.missing, base: window.base }, window.bitmap);
        }
      } else transfer.finishing ??= this.#finish(transfer);
    }
  }

  #reply(type: 'openAck' | 'done' | 'nack', header: Record<string, unknown>, body?: Buffer): Promise<void> {
    return this.#socket.send(type, header, body);
  }

  async #open(key: string, sender: string, open: OpenHeader): Promise<void> {
    const entry = open.entry;
    const base = { sid: open.sid, fid: open.fid, to: sender };
    const transfer: Transfer = { open, sender, dest: '', missing: 0, touched: Date.now(), pending: [], pendingStart: 0, pendingBytes: 0, hash: createHash('sha256'), hashedTo: 0 };
    this.#transfers.set(key, transfer);
    try {
      const rel = relativeToBase(this.#base, entry.path);
      transfer.dest = rel === '.' ? this.#base : join(this.#base, rel);
      const current = statOrUndefined(transfer.dest);
      let need: boolean;
      if (entry.kind === 'prune') need = true;
      else if (entry.kind === 'file') need = !(current?.isFile() && current.size === entry.size && (open.checksum ? (await sha256File(transfer.dest)) === entry.sha256 : sameTime(current.mtimeMs, entry.mtimeMs)));
      else if (entry.kind === 'dir') need = !(current?.isDirectory() && (current.mode & 0o7777) === entry.mode && sameTime(current.mtimeMs, entry.mtimeMs));
      else need = !(current?.isSymbolicLink() && readlinkSync(transfer.dest) === entry.link);
      if (!need && !open.dry && entry.kind === 'file' && current && ((current.mode & 0o7777) !== entry.mode || !sameTime(current.mtimeMs, entry.mtimeMs))) {
        await applyAttributes(transfer.dest, entry);
      }
      if (need && !open.dry && entry.kind !== 'prune' && entry.kind !== 'file') {
        await this.#applyNow(transfer);
        transfer.ack = { ...base, need: true, applied: true };
        transfer.done = { ...base, ok: true };
      } else if (need && (!open.dry || entry.kind === 'prune')) {
        await mkdir(dirname(transfer.dest), { recursive: true });
        transfer.tmp = join(entry.kind === 'prune' ? this.#base : dirname(transfer.dest), `.${entry.kind === 'prune' ? 'prune' : basename(transfer.dest)}.lockstep-${open.sid}-${open.fid}.tmp`);
        const fd = await openAsync(transfer.tmp, 'w', 0o600);
        transfer.fd = fd;
        await ftruncateAsync(fd, entry.size);
        transfer.have = new Uint8Array(open.chunks);
        transfer.missing = open.chunks;
        transfer.ack = { ...base, need: true };
      } else {
        transfer.ack = { ...base, need };
        transfer.done = { ...base, ok: true };
      }
    } catch (error) {
      transfer.ack = { ...base, need: true, error: (error as Error).message };
      transfer.done = { ...base, ok: false, error: (error as Error).message };
    }
    await this.#reply('openAck', transfer.ack!);
  }

  async #applyNow(transfer: Transfer): Promise<void> {
    const entry = transfer.open.entry;
    if (entry.kind === 'dir') {
      mkdirSync(transfer.dest, { recursive: true });
      await applyAttributes(transfer.dest, entry);
    } else if (entry.kind === 'symlink') {
      mkdirSync(dirname(transfer.dest), { recursive: true });
      const tmp = join(dirname(transfer.dest), `.${basename(transfer.dest)}.lockstep-${transfer.open.sid}.tmp`);
      rmSync(tmp, { force: true });
      symlinkSync(entry.link ?? '', tmp);
      renameSync(tmp, transfer.dest);
      if (isRoot) await lchown(transfer.dest, entry.uid, entry.gid);
      await lutimes(transfer.dest, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
    }
  }

  /** Queues bytes for the temp file at `offset`, gathering consecutive ones into one write. */
  #append(transfer: Transfer, offset: number, data: Buffer): void {
    if (transfer.pendingBytes > 0 && offset !== transfer.pendingStart + transfer.pendingBytes) this.#flush(transfer);
    if (transfer.pendingBytes === 0) transfer.pendingStart = offset;
    transfer.pending.push(data);
    transfer.pendingBytes += data.length;
    if (transfer.pendingBytes >= WRITE_BATCH_BYTES || transfer.pending.length >= WRITE_BATCH_CHUNKS) this.#flush(transfer);
  }

  /**
   * Writes the gathered chunks with one writev(2) (no copy to join them), hashing them when they
   * continue the hashed prefix.
   */
  #flush(transfer: Transfer): void {
    if (transfer.pendingBytes === 0 || transfer.fd === undefined) return;
    let buffers = transfer.pending;
    let position = transfer.pendingStart;
    for (let left = transfer.pendingBytes; left > 0; ) {
      const written = writevSync(transfer.fd, buffers, position);
      left -= written;
      position += written;
      if (left > 0) buffers = skipBytes(buffers, written);
    }
    if (transfer.pendingStart === transfer.hashedTo) {
      for (const buffer of transfer.pending) transfer.hash.update(buffer);
      transfer.hashedTo += transfer.pendingBytes;
    }
    transfer.pending = [];
    transfer.pendingBytes = 0;
  }

  async #finish(transfer: Transfer): Promise<void> {
    const open = transfer.open;
    const base = { sid: open.sid, fid: open.fid, to: transfer.sender };
    try {
      this.#flush(transfer);
      const fd = transfer.fd!;
      transfer.fd = undefined;
      try {
        if (open.entry.kind === 'file') {
          // Owner, mode and times go on through the open descriptor, before the rename: no window
          // where the file is in place with the temp file's mode.
          if (isRoot) await fchownAsync(fd, open.entry.uid, open.entry.gid);
          await fchmodAsync(fd, open.entry.mode);
          await futimesAsync(fd, open.entry.mtimeMs / 1000, open.entry.mtimeMs / 1000);
        }
      } finally {
        await closeAsync(fd);
      }
      // Chunks that came in order were hashed as they were written; otherwise read the file.
      const sha = transfer.hashedTo === open.entry.size ? transfer.hash.digest('hex') : await sha256File(transfer.tmp!);
      if (sha !== open.entry.sha256) throw new Error(`checksum mismatch after transfer (${sha.slice(0, 12)} ≠ ${String(open.entry.sha256).slice(0, 12)})`);
      if (open.entry.kind === 'prune') {
        const list = JSON.parse(readFileSync(transfer.tmp!, 'utf8')) as { root: string; keep: string[] };
        rmSync(transfer.tmp!, { force: true });
        const deleted = this.#prune(list.root, new Set(list.keep), open.entry.exclude ?? [], open.dry);
        transfer.done = { ...base, ok: true, deleted };
      } else {
        await rename(transfer.tmp!, transfer.dest);
        this.stats.files++;
        this.stats.bytes += open.entry.size;
        transfer.done = { ...base, ok: true, sha256: sha };
      }
    } catch (error) {
      if (transfer.tmp) rmSync(transfer.tmp, { force: true });
      this.stats.failed++;
      transfer.done = { ...base, ok: false, error: (error as Error).message };
    }
    await this.#reply('done', transfer.done);
  }

  /** Deletes (or, dry, lists) what is under `root` on this member but not in `keep`. */
  #prune(root: string, keep: Set<string>, exclude: string[], dry: boolean): string[] {
    const excluded = excludeMatcher(exclude);
    const deleted: string[] = [];
    const walk = (rel: string): void => {
      const absolute = rel === '.' ? this.#base : join(this.#base, rel);
      for (const child of readdirSync(absolute).sort()) {
        const childRel = rel === '.' ? child : `${rel}/${child}`;
        if (TEMP_FILE.test(child) || excluded(childRel)) continue;
        if (!keep.has(childRel)) {
          deleted.push(childRel);
          if (!dry) rmSync(join(this.#base, childRel), { recursive: true, force: true });
        } else if (lstatSync(join(this.#base, childRel)).isDirectory()) walk(childRel);
      }
    };
    if (statOrUndefined(root === '.' ? this.#base : join(this.#base, root))?.isDirectory()) walk(root);
    return deleted;
  }

  #collect(): void {
    const now = Date.now();
    for (const [key, transfer] of this.#transfers) {
      if (now - transfer.touched < ABANDON_MS) continue;
      this.#discard(transfer);
      this.#transfers.delete(key);
    }
  }

  #discard(transfer: Transfer): void {
    if (transfer.fd !== undefined) closeSync(transfer.fd);
    transfer.fd = undefined;
    if (!transfer.done && transfer.tmp) rmSync(transfer.tmp, { force: true });
  }

  /** Stops the collector and removes unfinished temp files. */
  dispose(): void {
    clearInterval(this.#timer);
    for (const transfer of this.#transfers.values()) this.#discard(transfer);
    this.#transfers.clear();
  }
}

/** Temp files of a transfer: `.NAME.lockstep-SID-FID.tmp` next to the destination. */
const TEMP_FILE = /^\..*\.lockstep-[0-9a-f]+(-\d+)?\.tmp$/;

/** Removes temp files an agent killed mid-transfer left behind (best effort, at start). */
async function sweepTempFiles(base: string): Promise<void> {
  try {
    for (const entry of await readdir(base, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && TEMP_FILE.test(entry.name)) await rm(join(entry.parentPath, entry.name), { force: true });
    }
  } catch {
    // an unreadable corner of the base directory is not the agent's business
  }
}

/** What is left of `buffers` after their first `bytes` bytes (after a short write). */
function skipBytes(buffers: Buffer[], bytes: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (bytes >= buffer.length) bytes -= buffer.length;
    else {
      rest.push(bytes > 0 ? buffer.subarray(bytes) : buffer);
      bytes = 0;
    }
  }
  return rest;
}

/** utimes() takes float seconds, so a time read back can be off by a fraction of a millisecond. */
function sameTime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1.5;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

async function applyAttributes(path: string, entry: PushEntry): Promise<void> {
  if (isRoot) await chown(path, entry.uid, entry.gid);
  await chmod(path, entry.mode);
  await utimes(path, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
}
