import { ErrorCodes } from '../errors/codes.js';
import { CoordinatorError } from './coordinator-error.js';
import type { DiscoveryEndpoint } from './discovery.js';

/** How a command-line client finds its coordinator. */
export interface ResolveCoordinatorOptions {
  /** `--coordinator host:port`. */
  coordinator?: string;
  /** `--token`, or the content of `--token-file`. */
  token?: string;
  /** `--discover group:port`. */
  discover?: string;
  /** `--interface ADDR` for discovery (default 127.0.0.1). */
  interface?: string;
  /**
   * flom's `-d` on the client side: 0 never starts a coordinator; N > 0 (or -1, forever) is the
   * lifespan given to a coordinator this client starts when discovery finds none. Default 60.
   */
  lifespan?: number;
  /** `LOCKSTEP_COORDINATOR`, `LOCKSTEP_TOKEN`. */
  env: Readonly<Record<string, string | undefined>>;
  /** How long one discovery round waits for answers (default 1 s). */
  discoverTimeoutMs?: number;
  /** Starts a detached coordinator answering discovery on `endpoint` (the CLI spawns `lockstep coordinator`). */
  startCoordinator?: (request: { endpoint: DiscoveryEndpoint; lifespan: number; token: string }) => void;
}

/**
 * Finds the coordinator a client command talks to: `--coordinator`, else `LOCKSTEP_COORDINATOR`,
 * else UDP multicast discovery; when discovery finds none and the lifespan allows, starts one
 * (flom's dynamic mode) and discovers again.
 *
 * @returns the address and token to connect with
 * @throws {CoordinatorError} `COORDINATOR_AUTH_FAILED` without a token; `COORDINATOR_UNREACHABLE` when nothing is found
 */
export async function resolveCoordinator(options: ResolveCoordinatorOptions): Promise<{ address: string; token: string }> {
  const token = options.token ?? options.env.LOCKSTEP_TOKEN;
  if (!token) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_AUTH_FAILED, 'no coordinator token: pass --token or --token-file, or set LOCKSTEP_TOKEN');
  }
  const direct = options.coordinator ?? (options.discover ? undefined : options.env.LOCKSTEP_COORDINATOR);
  if (direct) return { address: direct, token };
  if (!options.discover) {
    throw new CoordinatorError(
      ErrorCodes.COORDINATOR_UNREACHABLE,
      'no coordinator address: pass --coordinator host:port, set LOCKSTEP_COORDINATOR, or use --discover 239.255.0.1:28015',
    );
  }
  // Discovery (dgram, crypto) is loaded only when asked for: most calls have an address.
  const { discoverCoordinator, parseDiscoveryEndpoint } = await import('./discovery.js');
  const endpoint = parseDiscoveryEndpoint(options.discover, options.interface ?? '127.0.0.1');
  const timeoutMs = options.discoverTimeoutMs ?? 1000;
  const found = await discoverCoordinator(endpoint, { token, timeoutMs });
  if (found) return { address: found, token };
  const lifespan = options.lifespan ?? 60;
  const where = `${endpoint.group}:${endpoint.port} via ${endpoint.interface}`;
  if (lifespan === 0 || !options.startCoordinator) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_UNREACHABLE, `no coordinator answered discovery on ${where} (and --lifespan 0 says not to start one)`);
  }
  options.startCoordinator({ endpoint, lifespan, token });
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await discoverCoordinator(endpoint, { token, timeoutMs });
    if (started) return { address: started, token };
  }
  throw new CoordinatorError(ErrorCodes.COORDINATOR_UNREACHABLE, `started a coordinator, but none answered discovery on ${where}`);
}
