import { randomBytes } from 'node:crypto';
import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import type { Playbook } from '../playbook/model.js';
import type { CoordinatorClient } from './client.js';
import { Coordinator } from './coordinator.js';
import { CoordinatorError } from './coordinator-error.js';
import { CoordinatorServer } from './server.js';

/** Options of {@link startRunCoordinator}. */
export interface RunCoordinatorOptions {
  /** The playbook's `coordinator:` settings; absent means the in-memory backend. */
  backend?: Playbook['coordinator'];
}

/** The coordinator of one run: in-process sessions for the nodes' steps, and a TCP service for their scripts. */
export interface RunCoordinator extends Disposable {
  /** `127.0.0.1:port` on the runner, served to nodes as `LOCKSTEP_COORDINATOR`. */
  readonly address: string;
  /** The run's random token, served to nodes as `LOCKSTEP_TOKEN`. */
  readonly token: string;
  /** The coordinator itself (tests and plugins that need more than a session). */
  readonly coordinator: Coordinator;
  /**
   * Opens an in-process session for one node.
   * @param name the node name, used in messages ("web2 left the barrier")
   */
  session(name: string): Promise<CoordinatorClient>;
}

/**
 * Starts the coordinator of a run: an in-memory {@link Coordinator} served by a
 * {@link CoordinatorServer} on `127.0.0.1:0` with a random 256-bit token. Disposing it closes
 * every connection and session.
 *
 * @param options the playbook's backend choice
 * @returns the running coordinator
 * @throws {CoordinatorError} `COORDINATOR_BACKEND_UNAVAILABLE` for an unknown backend, or an etcd that does not answer
 * @example
 * const run = await startRunCoordinator();
 * const web1 = await run.session('web1');
 * env.LOCKSTEP_COORDINATOR = run.address; env.LOCKSTEP_TOKEN = run.token;
 */
export async function startRunCoordinator(options: RunCoordinatorOptions = {}): Promise<RunCoordinator> {
  const backend = options.backend?.backend ?? 'memory';
  if (backend !== 'memory' && backend !== 'etcd') {
    throw new CoordinatorError(
      ErrorCodes.COORDINATOR_BACKEND_UNAVAILABLE,
      `coordinator backend "${String(backend)}" is not available in this version; use "memory" (the default) or "etcd"`,
    );
  }
  // etcd: the playbook's `coordinator: {backend: etcd, endpoints, prefix}`; imported only when used.
  const { createCoordinatorBackend } = await import('./etcd-backend-config.js');
  const store = backend === 'etcd' ? await createCoordinatorBackend(options.backend!) : undefined;
  const coordinator = new Coordinator(store ? { backend: store } : {});
  const token = randomBytes(32).toString('hex');
  const server = await CoordinatorServer.listen({ coordinator, token, host: '127.0.0.1', port: 0 });
  let disposed: Promise<void> | undefined;
  return {
    address: server.address,
    token,
    coordinator,
    session: (name) => coordinator.openSession({ name }),
    dispose: () =>
      (disposed ??= (async () => {
        await server.dispose();
        await coordinator.dispose();
        await store?.dispose();
      })()),
  };
}
