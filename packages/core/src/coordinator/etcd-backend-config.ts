import { ErrorCodes } from '../errors/codes.js';
import type { CoordinatorBackend } from './backend.js';
import { CoordinatorError } from './coordinator-error.js';
import type { EtcdBackendOptions } from './etcd-options.js';

/**
 * Where a coordinator keeps its state, as the command line (`--backend etcd --etcd-endpoints …`)
 * and a playbook (`coordinator: {backend: etcd, endpoints: […], prefix}`) say it.
 */
export interface CoordinatorBackendConfig {
  /** `memory` (default) or `etcd`. */
  backend?: 'memory' | 'etcd';
  /** etcd endpoints (`host:port` or `http(s)://host:port`); required for `etcd`. */
  endpoints?: readonly string[];
  /** etcd key prefix; default `/lockstep/`. */
  prefix?: string;
  /** etcd TLS files (PEM). */
  tls?: EtcdBackendOptions['tls'];
}

/**
 * Makes the backend a configuration names. The etcd backend (and the `etcd3` client with it) is
 * imported only when asked for.
 * @param config the backend choice and its settings
 * @returns a new backend; the caller disposes it
 * @throws {CoordinatorError} `COORDINATOR_BACKEND_UNAVAILABLE` for an unknown backend, etcd without endpoints, or an etcd that does not answer
 * @throws {TypeError} for malformed etcd settings
 */
export async function createCoordinatorBackend(config: CoordinatorBackendConfig = {}): Promise<CoordinatorBackend> {
  const kind = config.backend ?? 'memory';
  if (kind === 'memory') {
    const { MemoryBackend } = await import('./memory-backend.js');
    return new MemoryBackend();
  }
  if (kind !== 'etcd') {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_BACKEND_UNAVAILABLE, `unknown coordinator backend "${String(kind)}"; use "memory" or "etcd"`);
  }
  if (!config.endpoints || config.endpoints.length === 0) {
    throw new CoordinatorError(ErrorCodes.COORDINATOR_BACKEND_UNAVAILABLE, 'the etcd coordinator backend needs endpoints (--etcd-endpoints a:2379,b:2379 or coordinator.endpoints in the playbook)');
  }
  const { EtcdBackend } = await import('./etcd-backend.js');
  return EtcdBackend.connect({
    endpoints: config.endpoints,
    ...(config.prefix !== undefined ? { prefix: config.prefix } : {}),
    ...(config.tls ? { tls: config.tls } : {}),
  });
}
