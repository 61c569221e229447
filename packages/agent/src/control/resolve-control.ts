import { defaultControlAddress } from '../wire/address.js';

/**
 * Picks the agent control address a command talks to: the `-c` option, else
 * `$LOCKSTEP_AGENT` (like msync's `MSYNC_TARGET`), else the default socket.
 *
 * @param option the `-c` value, if given
 * @param env the environment
 * @returns a control address
 */
export function resolveAgentControl(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return option ?? env.LOCKSTEP_AGENT ?? defaultControlAddress();
}
