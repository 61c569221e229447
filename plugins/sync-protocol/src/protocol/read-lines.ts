import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * Calls `onLine` with each line of a stream (without its newline, `\r\n` too), including a last
 * line without a newline.
 *
 * @param stream the tool's stdout or stderr
 * @param onLine called for each line, in order
 * @returns a promise that settles when the stream has ended and every line was handled
 */
export function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', onLine);
    lines.on('close', () => resolve());
    // A broken stream ends the output; the exit status says what happened.
    stream.on('error', () => lines.close());
  });
}
