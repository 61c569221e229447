import { createHash } from 'node:crypto';
import { closeSync, createReadStream, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { ErrorCodes, LockstepError } from '@lockstep/core';

/** What a push sends for one path. */
export interface PushEntry {
  /** Path relative to the base directory, `/`-separated. */
  path: string;
  /** `prune` carries the list of paths to keep under `path` (for `--delete`). */
  kind: 'file' | 'dir' | 'symlink' | 'prune';
  size: number;
  mode: number;
  mtimeMs: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  link?: string;
  /** SHA-256 of the content (files and prune lists), hex. */
  sha256?: string;
  /** Exclude patterns a prune honours on the member (excluded files are never deleted). */
  exclude?: string[];
}

/** A scanned entry with where its bytes come from. */
export interface SourceEntry {
  entry: PushEntry;
  /** Absolute file to read (files), or the bytes themselves (prune lists). */
  source: string | Buffer;
}

/** What to scan. */
export interface ScanOptions {
  recursive: boolean;
  exclude: string[];
  /** Adds a prune entry per directory sent recursively. */
  delete: boolean;
}

/**
 * Resolves a user path against the base and refuses anything outside it.
 * @param base absolute base directory
 * @param path relative (or absolute inside base) path
 * @returns the path relative to base, `/`-separated (`.` for the base itself)
 * @throws {LockstepError} `PUSH_PATH_INVALID`
 */
export function relativeToBase(base: string, path: string): string {
  const absolute = isAbsolute(path) ? normalize(path) : join(base, path);
  const rel = relative(base, absolute);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new LockstepError(ErrorCodes.PUSH_PATH_INVALID, `${path} is outside the base directory ${base}`);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/** Builds the exclude matcher: patterns without `/` match a basename anywhere (like rsync). */
export function excludeMatcher(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const match = picomatch([...patterns], { dot: true, basename: true });
  return (path) => match(path);
}

function entryOf(path: string, stats: Stats, kind: PushEntry['kind']): PushEntry {
  return { path, kind, size: kind === 'file' ? stats.size : 0, mode: stats.mode & 0o7777, mtimeMs: Math.floor(stats.mtimeMs), uid: stats.uid, gid: stats.gid };
}

/**
 * Lists what a push sends: files and symlinks first, each directory after its contents (so its
 * time survives the writes into it), then one prune list per directory when deleting.
 *
 * @param base absolute base directory
 * @param paths paths relative to base
 * @param options recursion, excludes, delete
 * @returns the entries and directories skipped for lack of `-r`
 * @throws {LockstepError} `PUSH_PATH_INVALID` for a missing path or one outside base
 */
export function scanPaths(base: string, paths: readonly string[], options: ScanOptions): { entries: SourceEntry[]; skipped: string[] } {
  const excluded = excludeMatcher(options.exclude);
  const entries: SourceEntry[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string, listing: string[] | undefined): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const absolute = rel === '.' ? base : join(base, rel);
    const stats = lstatSync(absolute);
    if (stats.isDirectory()) {
      const children = readdirSync(absolute).sort();
      const keep: string[] = [];
      for (const child of children) {
        const childRel = rel === '.' ? child : `${rel}/${child}`;
        if (excluded(childRel)) continue;
        keep.push(childRel);
        walk(childRel, listing);
      }
      listing?.push(...keep);
      if (rel !== '.') entries.push({ entry: entryOf(rel, stats, 'dir'), source: absolute });
    } else if (stats.isSymbolicLink()) {
      entries.push({ entry: { ...entryOf(rel, stats, 'symlink'), link: readlinkSync(absolute) }, source: absolute });
    } else if (stats.isFile()) {
      entries.push({ entry: entryOf(rel, stats, 'file'), source: absolute });
    }
  };
  for (const path of paths) {
    const rel = relativeToBase(base, path);
    let stats: Stats;
    try {
      stats = lstatSync(rel === '.' ? base : join(base, rel));
    } catch {
      throw new LockstepError(ErrorCodes.PUSH_PATH_INVALID, `${path} does not exist under ${base}`);
    }
    if (stats.isDirectory() && !options.recursive) {
      skipped.push(`${rel} (a directory: use -r)`);
      continue;
    }
    const listing = stats.isDirectory() && options.delete ? [] : undefined;
    walk(rel, listing);
    if (listing) {
      const bytes = Buffer.from(JSON.stringify({ root: rel, keep: listing }), 'utf8');
      entries.push({
        entry: { path: rel, kind: 'prune', size: bytes.length, mode: 0, mtimeMs: 0, uid: 0, gid: 0, sha256: sha256Of(bytes), exclude: options.exclude },
        source: bytes,
      });
    }
  }
  return { entries, skipped };
}

/** SHA-256 of bytes, hex. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * SHA-256 of a file, hex, read synchronously in 1 MB blocks. The sender hashes each file right
 * before announcing it; a stream would queue each 64 KB read behind the datagrams the event
 * loop is busy sending, which made hashing the slowest part of a push.
 * @param file absolute path
 * @param buffer scratch space to read into (a fresh 1 MB buffer costs page faults every time)
 */
export function sha256FileSync(file: string, buffer: Buffer = Buffer.allocUnsafe(1 << 20)): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * SHA-256 of a file, hex, streamed.
 * @param file absolute path
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
