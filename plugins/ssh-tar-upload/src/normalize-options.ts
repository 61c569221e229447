import { posix, resolve } from 'node:path';
import { parseDuration } from '@lockstep/core';

/** Arguments of the `ssh-tar-upload` step, as the playbook writes them. */
export interface TarUploadArgs {
  src: string | string[];
  'base-dir'?: string;
  dest?: string;
  root?: string;
  relative?: boolean;
  'preserve-uid'?: boolean;
  'preserve-gid'?: boolean;
  sudo?: boolean;
  exclude?: string[];
  compress?: boolean;
  'sync-cmd'?: string;
  'sync-args'?: string[];
  simple?: string;
  stdin?: string;
  sync?: 'move' | 'none';
  'on-node-failure'?: 'continue' | 'abort';
  'send-timeout'?: string | number;
}

/** What runs after the upload on each node. */
export type SyncTool =
  | { kind: 'move'; dest: string }
  | { kind: 'none' }
  | { kind: 'simple'; command: string; stdinFile: string | undefined }
  | { kind: 'protocol'; command: string; stdinFile: string | undefined };

/** {@link TarUploadArgs} with every default applied. */
export interface NormalizedTarUploadOptions {
  /** Sources as written (globs unexpanded). */
  src: string[];
  /** Absolute directory relative sources, `relative` names and `stdin` resolve against. */
  baseDir: string;
  /** Where the archive is extracted on the node; undefined: a per-run temporary directory. */
  root: string | undefined;
  /** Parent of the temporary directory: the mover's destination (renames stay on one filesystem), else `/var/tmp`. */
  tempParent: string;
  relative: boolean;
  preserveUid: boolean;
  preserveGid: boolean;
  sudo: boolean;
  exclude: string[];
  compress: boolean;
  sync: SyncTool;
  onNodeFailure: 'continue' | 'abort';
  sendTimeoutMs: number | undefined;
}

/**
 * Applies the defaults of the `ssh-tar-upload` step and checks what the schema cannot.
 *
 * @param args validated arguments
 * @param runDir the playbook's directory (`base-dir` and relative sources resolve against it)
 * @returns the complete options
 * @throws {TypeError} naming the option, when options contradict each other
 */
export function normalizeTarUploadOptions(args: TarUploadArgs, runDir: string): NormalizedTarUploadOptions {
  const baseDir = resolve(runDir, args['base-dir'] ?? '.');
  const src = typeof args.src === 'string' ? [args.src] : [...args.src];
  if (src.length === 0 || src.some((s) => s === '')) throw new TypeError('ssh-tar-upload: `src` needs at least one non-empty path or glob');
  if (args['sync-cmd'] !== undefined && args.simple !== undefined) {
    throw new TypeError('ssh-tar-upload: give either `sync-cmd` (protocol tool) or `simple` (plain command), not both');
  }
  const tool = args['sync-cmd'] ?? args.simple;
  if (tool !== undefined && args.sync === 'none') throw new TypeError('ssh-tar-upload: `sync: none` contradicts a `sync-cmd` or `simple` tool');
  if (args.dest !== undefined && args.root !== undefined) {
    throw new TypeError('ssh-tar-upload: `dest` is where the mover puts files from the temporary directory; with `root` there is none. Use one of them');
  }
  for (const [name, value] of [['dest', args.dest], ['root', args.root]] as const) {
    if (value !== undefined && !posix.isAbsolute(value)) throw new TypeError(`ssh-tar-upload: \`${name}\` must be an absolute path on the node, got ${JSON.stringify(value)}`);
  }
  const dest = args.dest ?? '/';
  const stdinFile = args.stdin === undefined ? undefined : resolve(baseDir, args.stdin);
  if (stdinFile !== undefined && tool === undefined) throw new TypeError('ssh-tar-upload: `stdin` is for a `simple` or `sync-cmd` tool; none is given');
  // As orgalorg's `--arg`: appended untouched, so the user escapes what needs escaping.
  const withArgs = (command: string) => [command, ...(args['sync-args'] ?? [])].join(' ');
  let sync: SyncTool;
  if (args['sync-cmd'] !== undefined) sync = { kind: 'protocol', command: withArgs(args['sync-cmd']), stdinFile };
  else if (args.simple !== undefined) sync = { kind: 'simple', command: withArgs(args.simple), stdinFile };
  else if (args.sync === 'none' || args.root !== undefined) sync = { kind: 'none' };
  else sync = { kind: 'move', dest };
  return {
    src,
    baseDir,
    root: args.root,
    // The mover renames into dest, so its files wait on dest's filesystem; a tool's wait in /var/tmp.
    tempParent: sync.kind === 'move' ? dest : (args.dest ?? '/var/tmp'),
    relative: args.relative ?? false,
    preserveUid: args['preserve-uid'] ?? true,
    preserveGid: args['preserve-gid'] ?? true,
    sudo: args.sudo ?? false,
    exclude: args.exclude ?? [],
    compress: args.compress ?? false,
    sync,
    onNodeFailure: args['on-node-failure'] ?? 'continue',
    sendTimeoutMs: args['send-timeout'] === undefined ? undefined : parseDuration(args['send-timeout']),
  };
}
