import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack as createPack, type Header } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
import type { SourceEntry } from './collect-sources.js';
import { TarUploadCodes, TarUploadError } from './errors.js';

/** The archive being made, and the sender's checksums once it is complete. */
export interface PackedArchive {
  /** The tar stream (gzip'd with `compress`), read once. */
  stream: Readable;
  /** sha256 (hex) of every regular file by archive name; settles when the last file was read. */
  manifest: Promise<Map<string, string>>;
}

/**
 * Streams the entries as one tar archive, reading each file once: the bytes that go into the
 * archive are the ones hashed for the manifest. The archive is made lazily, as the consumer
 * reads, so memory stays bounded whatever the size of the tree.
 *
 * @param entries what to archive, in order
 * @param options `compress` wraps the archive in gzip (made once, for every node)
 * @returns the stream and the manifest promise
 */
export function packEntries(entries: readonly SourceEntry[], options: { compress: boolean }): PackedArchive {
  const pack = createPack();
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
        await new Promise<void>((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
        continue;
      }
      header.size = entry.stats.size;
      sums.set(entry.name, await writeFile(pack, header, entry));
    }
    pack.finalize();
    return sums;
  })();
  // Reading failures end the archive with the error, so every node sees a broken stream.
  manifest.catch((error: unknown) => pack.destroy(error as Error));
  const tar = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
  const stream = options.compress ? tar.pipe(createGzip({ level: 1 })) : tar;
  if (options.compress) tar.on('error', (error) => stream.destroy(error));
  return { stream, manifest };
}

async function writeFile(pack: ReturnType<typeof createPack>, header: Headers, entry: SourceEntry): Promise<string> {
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
      for await (const chunk of createReadStream(entry.path, { start: 0, end: size - 1, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
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
