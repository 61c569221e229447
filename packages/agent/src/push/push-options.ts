/** A push request as the control socket receives it (from `lockstep push` or the step). */
export interface PushOptions {
  /** Paths relative to the agent's base directory. */
  paths?: string[];
  recursive?: boolean;
  dryRun?: boolean;
  /** Member names, addresses or ids; empty means every live member. */
  targets?: string[];
  delete?: boolean;
  checksum?: boolean;
  /** Rate cap: bytes per second, or `10M`, `500K` (bytes), `0` for none. */
  bwlimit?: string | number;
  exclude?: string[];
  /** Catch-up: send everything under the base that a member lacks or has different. */
  sync?: boolean;
}

/** {@link PushOptions} with defaults applied. */
export interface NormalizedPushOptions {
  paths: string[];
  recursive: boolean;
  dryRun: boolean;
  targets: string[];
  delete: boolean;
  checksum: boolean;
  bwlimit: number;
  exclude: string[];
}

/**
 * Parses a rate: a bare number is bytes per second; `K`, `M`, `G` suffixes are powers of 1024
 * (like rsync's `--bwlimit`, whose bare number means KiB; we say bytes to stay unsurprising).
 * @throws {TypeError} naming the value
 */
export function parseRate(value: string | number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = /^(\d+(?:\.\d+)?)\s*([KMG])?i?B?(?:\/s)?$/i.exec(String(value).trim());
  if (!match) throw new TypeError(`bwlimit must be bytes per second like 500K or 10M, received ${JSON.stringify(value)}`);
  const scale = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 1;
  return Math.round(Number(match[1]) * scale);
}

function strings(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new TypeError(`${name} must be a list of strings, received ${typeof value}`);
  return value as string[];
}

/**
 * Applies defaults to a push request and checks it.
 * @param raw the request's params
 * @returns the complete options
 * @throws {TypeError} naming the option, what was expected and what was received
 */
export function normalizePushOptions(raw: Record<string, unknown>): NormalizedPushOptions {
  const sync = raw.sync === true;
  const paths = sync ? ['.'] : strings(raw.paths, 'paths');
  if (paths.length === 0) throw new TypeError('paths must name at least one path (or use sync)');
  return {
    paths,
    recursive: sync || raw.recursive === true,
    dryRun: raw.dryRun === true,
    targets: strings(raw.targets, 'targets'),
    delete: raw.delete === true,
    checksum: raw.checksum === true,
    bwlimit: raw.bwlimit === undefined ? 0 : parseRate(raw.bwlimit as string | number),
    exclude: strings(raw.exclude, 'exclude'),
  };
}
