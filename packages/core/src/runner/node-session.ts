import type { CoordinatorClient } from '../coordinator/client.js';
import type { RunCoordinator } from '../coordinator/run-coordinator.js';
import type { Disposable } from '../disposable.js';
import { ConnectionError } from '../errors/connection-error.js';
import { isLockstepError } from '../errors/lockstep-error.js';
import type { NodeSpec } from '../playbook/model.js';
import type { ExposedPort, Transport } from '../transports/transport.js';

/**
 * One node's presence in a run: its transport (connected), the coordinator's port exposed over
 * it, the node's coordinator session, and the `LOCKSTEP_*` variables every step gets.
 */
export interface NodeSession extends Disposable {
  readonly spec: NodeSpec;
  readonly transport: Transport;
  readonly coordinator: CoordinatorClient;
  /** `LOCKSTEP_COORDINATOR`, `LOCKSTEP_TOKEN`, `LOCKSTEP_NODE`, `LOCKSTEP_RUN_ID`. */
  readonly env: Readonly<Record<string, string>>;
  /** Aborts with a {@link ConnectionError} naming the node when its connection drops. */
  readonly lost: AbortSignal;
}

/** What {@link openNodeSession} needs from the run. */
export interface NodeSessionOptions {
  runId: string;
  coordinator: RunCoordinator;
  /** Directory a local node's relative `workdir` resolves against: the playbook's. */
  baseDir?: string;
  /** Aborting gives up connecting. */
  signal?: AbortSignal;
}

/**
 * Connects to a node and sets up what its steps need. On failure everything opened so far is
 * released again.
 *
 * @param spec the node
 * @param options the run's id and coordinator
 * @returns the open session
 * @throws {ConnectionError} when the node cannot be reached
 */
export async function openNodeSession(spec: NodeSpec, options: NodeSessionOptions): Promise<NodeSession> {
  // Imported here, not at the top: the transport factory pulls in execa or ssh2 on demand and
  // core's index must stay cheap to import.
  const { createTransport } = await import('../transports/create-transport.js');
  const transport = createTransport(spec, options.baseDir === undefined ? {} : { baseDir: options.baseDir });
  const opened: Disposable[] = [transport];
  const lost = new AbortController();
  try {
    opened.push(
      transport.onDidDisconnect((error) => {
        lost.abort(
          error instanceof ConnectionError
            ? error
            : new ConnectionError(spec.name, addressOf(spec), 'lost', `connection lost: ${error.message}`, { cause: error }),
        );
      }),
    );
    try {
      await transport.connect(options.signal);
    } catch (error) {
      if (isLockstepError(error)) throw error;
      throw new ConnectionError(spec.name, addressOf(spec), 'other', error instanceof Error ? error.message : String(error), { cause: error });
    }
    const port = Number(options.coordinator.address.slice(options.coordinator.address.lastIndexOf(':') + 1));
    const exposed: ExposedPort = await transport.expose(port);
    opened.push(exposed);
    const coordinator = await options.coordinator.session(spec.name);
    opened.push(coordinator);
    const env = {
      LOCKSTEP_COORDINATOR: exposed.address,
      LOCKSTEP_TOKEN: options.coordinator.token,
      LOCKSTEP_NODE: spec.name,
      LOCKSTEP_RUN_ID: options.runId,
    };
    return {
      spec,
      transport,
      coordinator,
      env,
      lost: lost.signal,
      dispose: () => releaseAll(opened),
    };
  } catch (error) {
    await releaseAll(opened);
    throw error;
  }
}

/**
 * The address a node is dialled at, for error messages.
 *
 * @param spec the node
 * @returns `host:port`, or `local` for local nodes
 */
export function addressOf(spec: NodeSpec): string {
  return spec.connection === 'local' ? 'local' : `${spec.host}:${spec.port ?? 22}`;
}

/** Releases in reverse order; a failure to release one does not keep the others open. */
async function releaseAll(items: Disposable[]): Promise<void> {
  for (const item of items.splice(0).reverse()) {
    try {
      await item.dispose();
    } catch {
      // Closing a session that is already gone fails; it is gone either way.
    }
  }
}
