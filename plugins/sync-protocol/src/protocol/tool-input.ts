import type { Writable } from 'node:stream';

/**
 * The tool's stdin as the protocol uses it: lines are queued until {@link ToolInput.open} has
 * written the preamble (HELLO, NODE…, START and the `stdin` data), then written in order.
 * SYNC broadcasts can arrive from other nodes before this node's tool has started; queueing
 * them keeps the preamble first.
 */
export class ToolInput {
  readonly #stdin: Writable;
  #queue: string[] | undefined = [];

  /** @param stdin the tool's stdin */
  constructor(stdin: Writable) {
    this.#stdin = stdin;
    // A tool that exits (or closes stdin) early is allowed, as orgalorg allows it (its
    // protocolSuspendEOF): writes to it then fail with EPIPE, which is not the step's failure.
    stdin.on('error', () => {});
  }

  /**
   * Writes the preamble, then everything queued so far; later lines go out as they come.
   *
   * @param preamble the first lines, without newlines
   * @param data raw text written after the preamble (the step's `stdin`), newline-terminated
   */
  open(preamble: readonly string[], data?: string): void {
    const queued = this.#queue ?? [];
    this.#queue = undefined;
    let text = preamble.map((line) => `${line}\n`).join('');
    if (data !== undefined && data !== '') text += data.endsWith('\n') ? data : `${data}\n`;
    this.#write(text + queued.map((line) => `${line}\n`).join(''));
  }

  /**
   * Sends one line (queued until the preamble is out).
   *
   * @param line the line, without newline
   */
  send(line: string): void {
    if (this.#queue) this.#queue.push(line);
    else this.#write(`${line}\n`);
  }

  /** Closes stdin: the tool reads end of file. */
  close(): void {
    if (!this.#stdin.writableEnded && !this.#stdin.destroyed) this.#stdin.end();
  }

  #write(text: string): void {
    if (text === '' || this.#stdin.writableEnded || this.#stdin.destroyed) return;
    this.#stdin.write(text);
  }
}
