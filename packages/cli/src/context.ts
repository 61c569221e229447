import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BaseContext } from 'clipanion';
import type { PluginHost } from '@lockstep/core';

/**
 * What every lockstep command sees instead of `process`: its working directory, environment,
 * streams, and the plugin host. Only `process-context.ts` builds one from `process`; tests build one from
 * `PassThrough` streams (see `@lockstep/testing`'s `runCli`).
 */
export interface LockstepContext extends BaseContext {
  /** Directory relative paths on the command line resolve against. */
  cwd: string;
  /** Environment: `CI`, `NO_COLOR`, and `${{ env.X }}` in playbooks. */
  env: Record<string, string | undefined>;
  /**
   * Aborts when the user interrupts (first Ctrl-C). Commands pass it to the runner, which
   * disposes what the run holds and returns `interrupted`.
   */
  signal: AbortSignal;
  /**
   * The plugin host, discovered on first call (workspace `plugins/`, `node_modules`), then
   * cached. Commands that never need plugins never pay for discovering them.
   */
  plugins(): Promise<PluginHost>;
}

/** What {@link createContext} needs; everything else gets a default. */
export interface ContextOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** The input stream, or a function that makes it when a command first reads `context.stdin`. */
  stdin: NodeJS.ReadableStream | (() => NodeJS.ReadableStream);
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Colour depth of stdout (1 = no colour). Default 1. */
  colorDepth?: number;
  signal?: AbortSignal;
  /** Extra plugin directories to discover besides the workspace and node_modules. */
  pluginDirs?: string[];
}

/**
 * Builds a {@link LockstepContext} with a lazily discovered plugin host.
 *
 * @param options streams, cwd and environment of the invocation
 * @returns the context to pass to `runCli`
 */
export function createContext(options: ContextOptions): LockstepContext {
  let host: Promise<PluginHost> | undefined;
  return {
    cwd: options.cwd,
    env: options.env,
    get stdin() {
      const { stdin } = options;
      return (typeof stdin === 'function' ? stdin() : stdin) as BaseContext['stdin'];
    },
    stdout: options.stdout as BaseContext['stdout'],
    stderr: options.stderr as BaseContext['stderr'],
    colorDepth: options.colorDepth ?? 1,
    signal: options.signal ?? new AbortController().signal,
    plugins() {
      host ??= import('./lazy/core.js').then(({ PluginHost }) =>
        PluginHost.discover({ cwd: options.cwd, dirs: options.pluginDirs, builtinDirs: builtinPluginDirs() }),
      );
      return host;
    },
  };
}

/** The plugins that ship with the CLI: `run` and the seven of lockstep's own. */
export const BUILTIN_PLUGINS = [
  '@lockstep/plugin-run',
  '@lockstep/plugin-semaphore',
  '@lockstep/plugin-barrier',
  '@lockstep/plugin-flock-lock',
  '@lockstep/plugin-ssh-tar-upload',
  '@lockstep/plugin-sync-protocol',
  '@lockstep/plugin-multicast-push',
  '@lockstep/plugin-ring-latency',
] as const;

/**
 * The plugins that ship with the CLI, found next to it (their manifests are read, no code is
 * imported), so playbooks work in any directory, not only inside a workspace that installs them.
 *
 * @returns their absolute directories
 */
export function builtinPluginDirs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return BUILTIN_PLUGINS.map((name) => findInNodeModules(here, name) ?? dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`))));
}

/**
 * Node's node_modules lookup for `<name>/package.json`, done by hand: eight `import.meta.resolve`
 * calls cost about 8 ms of CPU on every `lockstep check` (the ESM resolver is cold at start),
 * a stat per directory level costs microseconds. Like the resolver it returns the real path
 * (workspace packages are symlinks). Anything unusual (no such directory: Yarn PnP, a custom
 * layout) returns undefined, and the caller asks the real resolver.
 */
function findInNodeModules(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (statSync(join(candidate, 'package.json'), { throwIfNoEntry: false })?.isFile()) return realpathSync.native(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}
