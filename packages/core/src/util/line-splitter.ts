/** Options of a {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line accepted, in bytes without its newline (default: no limit). */
  maxBytes?: number;
  /** Called once for each line over `maxBytes`; the rest of that line is dropped up to its newline. */
  onTooLong?: () => void;
}

/**
 * Cuts a byte stream into lines: command output for `ExecOptions.onLine`, and the coordinator's
 * line protocol. A trailing `\r` is dropped, so CRLF reads as LF. Bytes are joined before they
 * are decoded, so a multi-byte character split across chunks stays whole (a `\n` byte never
 * occurs inside one). With `maxBytes`, an over-long line is refused without being buffered.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxBytes: number;
  readonly #onTooLong: () => void;
  #parts: Buffer[] = [];
  #length = 0;
  #discarding = false;

  /**
   * @param onLine called with each complete line, without its newline
   * @param options an optional length limit and what to do when a line exceeds it
   */
  constructor(onLine: (line: string) => void, options: LineSplitterOptions = {}) {
    this.#onLine = onLine;
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#onTooLong = options.onTooLong ?? (() => undefined);
  }

  /**
   * Feeds a chunk; emits every line it completes.
   *
   * @param chunk bytes or text from the stream
   */
  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(10, start);
      const end = newline < 0 ? bytes.length : newline;
      if (!this.#discarding) {
        const piece = bytes.subarray(start, end);
        if (this.#length + piece.length > this.#maxBytes) {
          this.#reset();
          this.#discarding = true;
          this.#onTooLong();
        } else if (piece.length > 0) {
          this.#parts.push(piece);
          this.#length += piece.length;
        }
      }
      if (newline < 0) return;
      if (this.#discarding) this.#discarding = false;
      else this.#emit();
      start = newline + 1;
    }
  }

  /** Emits what is left as a last line, if anything: a command may not end its output with a newline. */
  end(): void {
    if (!this.#discarding && this.#length > 0) this.#emit();
    this.#reset();
    this.#discarding = false;
  }

  #emit(): void {
    const line = (this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts)).toString('utf8');
    this.#reset();
    this.#onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  #reset(): void {
    this.#parts = [];
    this.#length = 0;
  }
}
