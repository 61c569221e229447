import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a byte stream into complete lines for {@link ExecOptions.onLine}. A multi-byte character
 * split across chunks stays whole (StringDecoder), and a trailing `\r` is dropped so CRLF output
 * reads the same as LF output.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #emit: (line: string) => void;
  #pending = '';

  /** @param emit called with each complete line, without its newline */
  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  /**
   * Feeds a chunk; emits every line it completes.
   *
   * @param chunk bytes or text from the stream
   */
  push(chunk: Buffer | string): void {
    this.#pending += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    let newline = this.#pending.indexOf('\n');
    while (newline !== -1) {
      this.#emitLine(this.#pending.slice(0, newline));
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf('\n');
    }
  }

  /** Emits what is left as a last line, if anything: a command may not end its output with a newline. */
  end(): void {
    this.#pending += this.#decoder.end();
    if (this.#pending.length > 0) this.#emitLine(this.#pending);
    this.#pending = '';
  }

  #emitLine(line: string): void {
    this.#emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

/**
 * Removes one final newline (`\n` or `\r\n`), as execa and `$(…)` do, so both transports return
 * `hello` for `echo hello`.
 *
 * @param text command output
 * @returns the text without its last newline
 */
export function stripFinalNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}
