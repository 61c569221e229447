import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack as createPack, type Header } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
import type { SourceEntry } from './collect-sources.js';
import { TarUploadCodes, TarUploadError } from './errors.js';
import { ReadAhead } from './read-ahead.js';

/** The archive being made, and the sender's checksums once it is complete. */
export interface PackedArchive {
  /** The tar stream (gzip'd with `compress`), read once. */
  stream: Readable;
  /** sha256 (hex) of every regular file by archive name; settles when the last file was read. */
  manifest: Promise<Map<string, string>>;
}

/** Size of the chunks the archive is sent in (and of the reads of large files). */
export const CHUNK_BYTES = 256 * 1024;
/** Files up to this size are read whole, ahead of time; larger ones are streamed. */
const SMALL_FILE_BYTES = 1024 * 1024;
/** How far ahead small files are read: bounded in bytes and in open files. */
const READ_AHEAD = { bytes: 4 * 1024 * 1024, files: 32 };

/**
 * Streams the entries as one tar archive, reading each file once: the bytes that go into the
 * archive are the ones hashed for the manifest. The archive is made lazily, as the consumer
 * reads, so memory stays bounded whatever the size of the tree.
 *
 * The stream comes in chunks of about {@link CHUNK_BYTES}: tar-stream emits every header and
 * padding block on its own, and each piece sent as it is would be one SSH packet and one
 * backpressure round trip per node, which is what made trees of small files slow.
 *
 * @param entries what to archive, in order
 * @param options `compress` wraps the archive in gzip (made once, for every node)
 * @returns the stream and the manifest promise
 */
export function packEntries(entries: readonly SourceEntry[], options: { compress: boolean }): PackedArchive {
  const pack = createPack();
  const small = entries.filter((entry) => entry.type === 'file' && entry.stats.size <= SMALL_FILE_BYTES);
  const smallIndex = new Map(small.map((entry, index) => [entry, index]));
  const readAhead = new ReadAhead(
    small.map((entry) => ({ path: entry.path, size: entry.stats.size })),
    READ_AHEAD,
  );
  const manifest = (async () => {
    const sums = new Map<string, string>();
    for (const entry of entries) {
      const header: Headers = {
        name: entry.name,
        mode: entry.stats.mode & 0o7777,
        mtime: entry.stats.mtime,
        uid: entry.stats.uid,
        gid: entry.stats.gid,
        type: entry.type,
      };
      if (entry.type === 'symlink') header.linkname = entry.linkTarget;
      if (entry.type !== 'file') {
        await addEntry(pack, header);
        continue;
      }
      header.size = entry.stats.size;
      const index = smallIndex.get(entry);
      sums.set(entry.name, index === undefined ? await streamFile(pack, header, entry) : await addSmallFile(pack, header, entry, readAhead.take(index)));
    }
    pack.finalize();
    return sums;
  })();
  // Reading failures end the archive with the error, so every node sees a broken stream.
  manifest.catch((error: unknown) => pack.destroy(error as Error));
  const tar = Readable.from(inChunks(pack as AsyncIterable<Buffer>, CHUNK_BYTES), { objectMode: false });
  const stream = options.compress ? tar.pipe(createGzip({ level: 1 })) : tar;
  if (options.compress) tar.on('error', (error) => stream.destroy(error));
  return { stream, manifest };
}

/** Regroups the pieces of `source` into chunks of at least `size` bytes (the last one may be short). */
async function* inChunks(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    if (length === 0 && piece.length >= size) {
      yield piece; // a large file's read, passed on without a copy
      continue;
    }
    parts.push(piece);
    length += piece.length;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

/** Adds an entry with its whole content (none for directories and links); resolves once the pack took it. */
function addEntry(pack: ReturnType<typeof createPack>, header: Headers, content?: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (content === undefined) pack.entry(header, done);
    else pack.entry(header, content, done);
  });
}

async function addSmallFile(pack: ReturnType<typeof createPack>, header: Headers, entry: SourceEntry, content: Promise<Buffer>): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await content;
  } catch (error) {
    throw new TarUploadError(TarUploadCodes.SOURCE_INVALID, `cannot read ${entry.path}: ${(error as Error).message}`, { cause: error });
  }
  await addEntry(pack, header, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

async function streamFile(pack: ReturnType<typeof createPack>, header: Headers, entry: SourceEntry): Promise<string> {
  const hash = createHash('sha256');
  let done!: Promise<void>;
  const sink = pack.entry(header, (error) => (error ? rejectDone(error) : resolveDone()));
  let resolveDone!: () => void;
  let rejectDone!: (error: Error) => void;
  done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {});
  let written = 0;
  try {
    // Read exactly the size in the header: a file that grows meanwhile is cut, one that shrinks fails.
    const size = entry.stats.size;
    if (size > 0) {
      for await (const chunk of createReadStream(entry.path, { start: 0, end: size - 1, highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        written += chunk.length;
        if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
      }
    }
    if (written !== size) throw new Error(`file shrank while being read (${written} of ${size} bytes)`);
  } catch (error) {
    throw new TarUploadError(TarUploadCodes.SOURCE_INVALID, `cannot read ${entry.path}: ${(error as Error).message}`, { cause: error });
  }
  // streamx's typings want an argument; undefined ends without writing.
  sink.end(undefined);
  await done;
  return hash.digest('hex');
}
