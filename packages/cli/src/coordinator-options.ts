import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from './context.js';
import { connectFromOptions, DEFAULT_CONNECT_TIMEOUT, type ClientOptionValues } from './coordinator-connection.js';

// Only clipanion, typanion and types at the top: every command module is loaded at start-up
// (commands/index.ts), so whatever this imports, each `lockstep …` pays for. Connecting lives in
// coordinator-connection.ts, which the quick path (quick-path.ts) shares without clipanion.

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
  connectTimeout: () => Option.String('--connect-timeout', DEFAULT_CONNECT_TIMEOUT, { description: 'give up connecting after this long', validator: isDuration }),
  duration: (flag: string, description: string) => Option.String(flag, { description, validator: isDuration }),
};

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

export type { ClientOptionValues };
