import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from './context.js';

// Only clipanion, typanion and types at the top: every command module is loaded at start-up
// (commands/index.ts), so whatever this imports, each `lockstep …` pays for. The coordinator
// client, fs, os and child_process are imported when a command connects.

/** Durations as the command line writes them: `500ms`, `3s`, `2m`, `1m30s`, or bare seconds. */
export const isDuration = t.cascade(t.isString(), [t.matchesRegExp(/^(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h))+)$/)]);

/** `--lifespan` values: -1 (forever), 0, or a number of seconds. */
export const isLifespan = t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(-1)]);

/** The cross-option rule of every command with `--token` and `--token-file`: not both. */
export const tokenSchema = [t.hasMutuallyExclusiveKeys(['token', 'tokenFile'], { missingIf: 'undefined' })];

/**
 * The options of commands that talk to a coordinator, declared once so names and help agree.
 * Each is a factory, since clipanion needs a fresh option per class field.
 */
export const clientOptions = {
  coordinator: () =>
    Option.String('--coordinator,-c', { description: 'coordinator address host:port (default: $LOCKSTEP_COORDINATOR, else --discover)' }),
  token: () => Option.String('--token', { description: 'coordinator token (default: $LOCKSTEP_TOKEN)' }),
  tokenFile: () => Option.String('--token-file', { description: 'read the token from this file' }),
  discover: () =>
    Option.String('--discover', { description: 'find the coordinator by UDP multicast on group:port, e.g. 239.255.0.1:28015 (flom -A/-P)' }),
  iface: () =>
    Option.String('--interface', { description: 'local interface address for --discover (default 127.0.0.1; never the default route)' }),
  lifespan: () =>
    Option.String('--lifespan,-d', {
      description: 'with --discover: 0 never starts a coordinator; N starts one living N idle seconds when none answers (--lifespan=-1: forever; default 60)',
      validator: isLifespan,
    }),
  connectTimeout: () => Option.String('--connect-timeout', '5s', { description: 'give up connecting after this long', validator: isDuration }),
  duration: (flag: string, description: string) => Option.String(flag, { description, validator: isDuration }),
};

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
 * A command that works against a coordinator (`sem`, `barrier`, `lock`): it has the client
 * options of {@link clientOptions} and the `--token`/`--token-file` rule, and connects with
 * {@link CoordinatorClientCommand.connect}. Declare the command's own options in the subclass.
 */
export abstract class CoordinatorClientCommand extends Command<LockstepContext> implements ClientOptionValues {
  static override schema = tokenSchema;

  coordinator = clientOptions.coordinator();
  token = clientOptions.token();
  tokenFile = clientOptions.tokenFile();
  discover = clientOptions.discover();
  iface = clientOptions.iface();
  lifespan = clientOptions.lifespan();
  connectTimeout = clientOptions.connectTimeout();

  /**
   * Connects to the coordinator the options, the environment or discovery name.
   *
   * @param name the command, in the session name `<node or hostname>/<command>`
   * @returns the connected client and the light client module
   * @throws {LockstepError} `COORDINATOR_UNREACHABLE`, `COORDINATOR_AUTH_FAILED`
   */
  protected connect(name: string) {
    return connectFromOptions(this.context, this, name);
  }
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
