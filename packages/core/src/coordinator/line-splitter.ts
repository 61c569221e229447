/**
 * Splits a byte stream into lines (`\n`, an optional `\r` before it is dropped), refusing lines
 * longer than a limit without buffering them: the rest of an over-long line is discarded up to
 * its newline, and the caller is told once per such line.
 */
export class LineSplitter {
  #parts: Buffer[] = [];
  #length = 0;
  #discarding = false;

  /**
   * @param maxBytes longest line accepted, without its newline
   * @param onLine called with each accepted line
   * @param onTooLong called once for each line over the limit
   */
  constructor(
    readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Feeds a chunk of the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.#discarding) {
        const piece = chunk.subarray(start, end);
        if (this.#length + piece.length > this.maxBytes) {
          this.#parts = [];
          this.#length = 0;
          this.#discarding = true;
          this.onTooLong();
        } else if (piece.length > 0) {
          this.#parts.push(piece);
          this.#length += piece.length;
        }
      }
      if (nl < 0) return;
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        let line = this.#parts.length === 1 ? this.#parts[0]!.toString('utf8') : Buffer.concat(this.#parts).toString('utf8');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        this.#parts = [];
        this.#length = 0;
        this.onLine(line);
      }
      start = nl + 1;
    }
  }
}
