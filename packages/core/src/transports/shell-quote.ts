/** Names a POSIX shell accepts for a variable; anything else could inject code. */
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes a string for a POSIX shell: single quotes, with each `'` written as `'\''`.
 *
 * @param value any text
 * @returns the text as one shell word
 * @example shellQuote("it's") // 'it'\''s'
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Builds the script a remote shell runs for one command: `export K='v';` for each variable (sshd
 * drops environment requests unless its AcceptEnv allows them, so we never rely on those), then
 * `cd '…' || exit`, then the command. The result is meant to be wrapped in `sh -c`.
 *
 * @param command the user's shell command
 * @param options environment and working directory
 * @returns the script
 * @throws {TypeError} when a variable name is not a valid shell identifier
 */
export function buildRemoteScript(command: string, options: { env?: Record<string, string>; cwd?: string }): string {
  let script = '';
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!envName.test(name)) {
      throw new TypeError(`env: expected a variable name matching ${envName}, got ${JSON.stringify(name)}`);
    }
    script += `export ${name}=${shellQuote(value)}; `;
  }
  // `|| exit` rather than `&&`: with `&&` only the first statement of a multi-statement command
  // would be guarded, and the rest would run in the wrong directory.
  if (options.cwd !== undefined) script += `cd ${shellQuote(options.cwd)} || exit; `;
  return script + command;
}
