import type { LockstepContext } from './context.js';

// No clipanion here: the quick path (quick-path.ts) connects through this module without
// loading the command-line parser. The coordinator client, fs, os and child_process are
// imported when a command connects.

/** `--connect-timeout` when none is given. */
export const DEFAULT_CONNECT_TIMEOUT = '5s';

/** What {@link connectFromOptions} reads from a client command. */
export interface ClientOptionValues {
  coordinator: string | undefined;
  token: string | undefined;
  tokenFile: string | undefined;
  discover: string | undefined;
  iface: string | undefined;
  lifespan: number | undefined;
  connectTimeout: string;
}

/**
 * Connects a client command to its coordinator: resolves the address (flags, environment,
 * discovery, dynamic start), then connects. Imports only the light client entry of core.
 *
 * @param context the command's context (env, cwd)
 * @param values the command's client options
 * @param name the command, in the session name `<node or hostname>/<command>`
 * @returns the connected client and the light client module
 * @throws {LockstepError} `COORDINATOR_UNREACHABLE`, `COORDINATOR_AUTH_FAILED`
 */
export async function connectFromOptions(context: LockstepContext, values: ClientOptionValues, name: string) {
  const lib = await import('@lockstep/core/coordinator-client');
  let token = values.token;
  if (values.tokenFile !== undefined) token = await readToken(context, values.tokenFile);
  const { address, token: resolvedToken } = await lib.resolveCoordinator({
    coordinator: values.coordinator,
    token,
    discover: values.discover,
    interface: values.iface,
    lifespan: values.lifespan,
    env: context.env,
    startCoordinator: ({ endpoint, lifespan, token: secret }) => startDetachedCoordinator(context, endpoint, lifespan, secret),
  });
  const { hostname } = await import('node:os');
  const client = await lib.connectCoordinator({
    address,
    token: resolvedToken,
    name: `${context.env.LOCKSTEP_NODE ?? hostname()}/${name}`,
    connectTimeoutMs: lib.parseDuration(values.connectTimeout),
  });
  return { client, lib };
}

/**
 * Reads `--token-file`: the file's text, trimmed.
 *
 * @param context the command's context (for cwd)
 * @param file the path, relative to the context's cwd
 * @returns the token
 * @throws {Error} when the file cannot be read
 */
export async function readToken(context: LockstepContext, file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  return (await readFile(resolve(context.cwd, file), 'utf8')).trim();
}

/** flom's dynamic mode: start `lockstep coordinator` detached, answering discovery, with a lifespan. */
async function startDetachedCoordinator(
  context: LockstepContext,
  endpoint: { group: string; port: number; interface: string },
  lifespan: number,
  token: string,
): Promise<void> {
  const { spawn } = await import('node:child_process');
  const main = new URL('./main.js', import.meta.url);
  const { fileURLToPath } = await import('node:url');
  const child = spawn(
    context.env.LOCKSTEP_NODE_BINARY ?? 'node',
    [
      fileURLToPath(main),
      'coordinator',
      '--listen',
      `${endpoint.interface}:0`,
      '--discover',
      `${endpoint.group}:${endpoint.port}`,
      '--interface',
      endpoint.interface,
      '--lifespan',
      String(lifespan),
    ],
    // The token travels in the environment, not argv, where `ps` would show it.
    { detached: true, stdio: 'ignore', cwd: context.cwd, env: { ...context.env, LOCKSTEP_TOKEN: token } },
  );
  child.on('error', () => undefined);
  child.unref();
}
