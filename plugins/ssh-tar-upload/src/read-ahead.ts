import { open } from 'node:fs/promises';

/** Limits of {@link ReadAhead}: what may be read but not yet taken. */
export interface ReadAheadLimits {
  /** Bytes held at most (one file may go over it). */
  bytes: number;
  /** Files being read or held at most. */
  files: number;
}

/**
 * Reads small files whole, ahead of the packer. A tree of many small files is otherwise
 * latency-bound: each file costs an open, a read and a close on libuv's thread pool, one after
 * the other, while the network waits. Reading the next files while the current one is sent keeps
 * the pool busy; the limits keep memory bounded whatever the number of files.
 */
export class ReadAhead {
  readonly #files: ReadonlyArray<{ path: string; size: number }>;
  readonly #limits: ReadAheadLimits;
  readonly #reads = new Map<number, Promise<Buffer>>();
  #next = 0;
  #heldBytes = 0;

  /**
   * @param files the files to read, in the order they will be taken
   * @param limits how far ahead to read
   */
  constructor(files: ReadonlyArray<{ path: string; size: number }>, limits: ReadAheadLimits) {
    this.#files = files;
    this.#limits = limits;
    this.#fill();
  }

  /**
   * The content of the `index`-th file: exactly its listed size (a file that grew is cut).
   * Files must be taken in order.
   *
   * @param index position in the list given to the constructor
   * @returns the bytes
   * @throws {Error} the file could not be read, or shrank below its listed size
   */
  async take(index: number): Promise<Buffer> {
    const read = this.#reads.get(index) ?? this.#start(index);
    this.#reads.delete(index);
    this.#heldBytes -= this.#files[index]!.size;
    this.#fill();
    return await read;
  }

  #fill(): void {
    while (this.#next < this.#files.length && this.#reads.size < this.#limits.files && this.#heldBytes < this.#limits.bytes) {
      const index = this.#next;
      // A read that is never taken (the upload was abandoned) must not be an unhandled rejection.
      this.#start(index).catch(() => {});
    }
  }

  #start(index: number): Promise<Buffer> {
    const file = this.#files[index]!;
    const read = readExactly(file.path, file.size);
    this.#reads.set(index, read);
    this.#heldBytes += file.size;
    this.#next = Math.max(this.#next, index + 1);
    return read;
  }
}

async function readExactly(path: string, size: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== size) throw new Error(`file shrank while being read (${filled} of ${size} bytes)`);
    return buffer;
  } finally {
    await handle.close();
  }
}
