import type { PluginHost } from '../plugins/plugin-host.js';
import type { Reporter } from './events.js';

/** Options of {@link runPlaybook}. */
export interface RunOptions {
  /** Where step handlers come from; the run deactivates its plugins when it ends. */
  host: PluginHost;
  /** Receives every {@link RunEvent}; `finish()` is awaited once at the end. */
  reporter: Reporter;
  /** How many nodes work at once (connect, run a phase). Default 10. */
  forks?: number;
  /** Node and group names to restrict the run to (`--limit`). */
  limit?: string[];
  /** Connect to nothing; report what each step would do (`step:plan`). */
  dryRun?: boolean;
  /** Aborting interrupts the run (Ctrl-C): steps are aborted, plugins deactivated, exit code 130. */
  signal?: AbortSignal;
  /** Environment for `${{ env.X }}` and `when`; default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * How long a step handler may take to return after its signal aborted before the runner stops
   * waiting for it. Default 5000 ms; handlers that honour the signal return well before.
   */
  abortGraceMs?: number;
}

/** {@link RunOptions} with every default applied. */
export interface NormalizedRunOptions {
  host: PluginHost;
  reporter: Reporter;
  forks: number;
  limit: string[] | undefined;
  dryRun: boolean;
  signal: AbortSignal | undefined;
  env: Record<string, string | undefined>;
  abortGraceMs: number;
}

/** Default `forks`, as in Ansible. */
export const DEFAULT_FORKS = 10;

/**
 * Applies the defaults of {@link RunOptions} and checks the values.
 *
 * @param raw the caller's options
 * @returns the options with no `undefined` defaults left
 * @throws {TypeError} naming the option, what was expected and what was received
 */
export function normalizeRunOptions(raw: RunOptions): NormalizedRunOptions {
  const { host, reporter, forks = DEFAULT_FORKS, limit, dryRun = false, signal, env = process.env, abortGraceMs = 5000 } = raw;
  if (!Number.isInteger(forks) || forks < 1) throw new TypeError(`forks: expected an integer >= 1, got ${String(forks)} (${typeof forks})`);
  if (!Number.isFinite(abortGraceMs) || abortGraceMs < 0) {
    throw new TypeError(`abortGraceMs: expected a number of milliseconds >= 0, got ${String(abortGraceMs)} (${typeof abortGraceMs})`);
  }
  if (typeof reporter?.handle !== 'function') throw new TypeError(`reporter: expected an object with handle() and finish(), got ${typeof reporter}`);
  return { host, reporter, forks, limit: limit && limit.length > 0 ? limit : undefined, dryRun, signal, env, abortGraceMs };
}
