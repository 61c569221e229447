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
