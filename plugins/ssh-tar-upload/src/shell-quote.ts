/**
 * Quotes a string for a POSIX shell: single quotes, with each `'` written as `'\''`.
 * (core keeps its own copy private; the plugin API only takes command strings.)
 *
 * @param value any text
 * @returns the text as one shell word
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
