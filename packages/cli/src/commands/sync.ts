import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import type { NodeSpec, PhaseSpec, Playbook, StepSpec } from '@lockstep/core';
import type { LockstepContext } from '../context.js';
import { nodeFromAddress, orgalorgPluginDirs } from '../host-address.js';
import { jsonOption } from '../options.js';
import { SyncReporter } from '../sync-reporter.js';

/** A duration as orgalorg's flags take it: `10s`, `500ms`, or a bare number of MILLISECONDS. */
const isMsDuration = t.cascade(t.isString(), [t.matchesRegExp(/^\s*(\d+(\.\d+)?|(\d+(\.\d+)?(ms|s|m|h))+)\s*$/)]);
const isPositiveInteger = t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]);

/** `lockstep sync`: orgalorg's command line on lockstep's plugins, with no playbook to write. */
export class SyncCommand extends Command<LockstepContext> {
  static override paths = [['sync']];

  static override usage = Command.Usage({
    category: 'Nodes',
    description: "orgalorg's cluster lock, upload and sync, with orgalorg's flags",
    details: `
      Does what orgalorg does, with orgalorg's flags, so a copied orgalorg command line keeps its meaning. In the default mode (\`--sync\`, \`-S\`): takes the global cluster lock (an flock on \`--lock-file\`, default \`/\`, on every node: all or none, heartbeat-checked), streams ONE tar archive of the given files to every node at once into a temporary directory, checks every node's sha256 manifest, then runs the sync tool: the built-in mover (atomic renames into \`/\`), \`--sync-cmd\` (spoken to with the sync protocol: HELLO, NODE, START, SYNC) or, with \`--simple\`, a plain command.

      \`--lock\` (\`-L\`) stops after locking and holds the lock until Ctrl-C. \`--upload\` (\`-U\`) uploads into \`--root\` and exits. \`--command\` (\`-C\`) runs the words after \`--\` with the remote shell on every node.

      Hosts are \`[user@]host[:port]\`: repeat \`-o\`; an \`-o\` value starting with \`/\` or \`./\` is a file with one host per line; \`-s\` reads hosts from stdin too. Keys come from \`--key\` and the ssh-agent; host keys are checked against known_hosts.

      Timeouts are durations (\`10s\`, \`500ms\`); a bare number is MILLISECONDS, as in orgalorg. Each output line is printed whole, prefixed with its node (\`--json\`: one object per line with \`node\`, \`stream\` and \`body\`); failures are summarised node by node after all output. See docs/orgalorg.md for every orgalorg flag.
    `,
    examples: [
      ['Sync two files to three nodes, as orgalorg -S would', '$0 sync -o web1 -o web2 -o deploy@web3:2222 -S -- etc/app.conf srv/app'],
      ['Upload a directory into /srv/app only', '$0 sync -o ./hosts.txt -U -r /srv/app -e -- dist/'],
      ['Hold the cluster lock until Ctrl-C', '$0 sync -o web1 -o web2 -L'],
      ['Run a command on every node, no lock, JSON output', '$0 sync -o web1 -o web2 -y --json -C -- uptime'],
      ['Run a two-phase sync tool after the upload', '$0 sync -o web1 -o web2 -n ./two-phase.sh -g --dry -- etc/app.conf'],
    ],
  });

  static override schema = [
    t.hasMutuallyExclusiveKeys(['sync', 'lock', 'upload', 'command'], { missingIf: 'falsy' }),
    t.hasMutuallyExclusiveKeys(['serial', 'threads'], { missingIf: 'undefined' }),
  ];

  sync = Option.Boolean('--sync,-S', false, { description: 'lock, upload, run the sync tool (the default mode)' });
  lock = Option.Boolean('--lock,-L', false, { description: 'lock the cluster and hold the lock until interrupted' });
  upload = Option.Boolean('--upload,-U', false, { description: 'upload the files into --root and exit' });
  command = Option.Boolean('--command,-C', false, { description: 'run the words after -- on every node and exit' });

  hosts = Option.Array('--host,-o', [], { description: 'target [user@]host[:port]; a value starting with / or ./ is a file of hosts' });
  readStdin = Option.Boolean('--read-stdin,-s', false, { description: 'read hosts from stdin too' });
  key = Option.String('--key,-k', { description: 'private key file (the ssh-agent is used too when SSH_AUTH_SOCK is set)' });
  knownHosts = Option.String('--known-hosts', { description: 'known_hosts file to check host keys against (lockstep only; default ~/.ssh/known_hosts)' });
  user = Option.String('--user,-u', { description: 'user for hosts that name none (default: the current user)' });
  password = Option.Boolean('--password,-p', false, { description: 'not supported: use keys or the ssh-agent' });
  sudo = Option.Boolean('--sudo,-x', false, { description: "obtain root with 'sudo -n' (NOPASSWD) for the upload, the sync tool and commands" });

  lockFile = Option.String('--lock-file', { description: 'file or directory to flock (default: --root, else /)' });
  noLock = Option.Boolean('--no-lock,-y', false, { description: 'do not lock at all' });
  noLockFail = Option.Boolean('--no-lock-fail,-t', false, { description: 'warn and go on when the lock cannot be taken' });
  skipUnreachable = Option.Boolean('--skip-unreachable,--no-conn-fail,-w', false, { description: 'leave out hosts that cannot be reached' });

  root = Option.String('--root,-r', { description: 'extract straight into this directory (no temporary directory)' });
  relative = Option.Boolean('--relative,-e', false, { description: 'keep paths relative to the working directory instead of absolute' });
  noPreserveUid = Option.Boolean('--no-preserve-uid', false, { description: 'do not keep file owners' });
  noPreserveGid = Option.Boolean('--no-preserve-gid', false, { description: 'do not keep file groups' });
  noUpload = Option.Boolean('--no-upload', false, { description: 'run the sync tool without uploading anything' });

  syncCmd = Option.String('--sync-cmd,-n', { description: 'sync tool run on every node, spoken to with the sync protocol' });
  syncArgs = Option.Array('--sync-arg,--arg,-g', [], { description: 'word appended untouched to the sync tool (repeatable)' });
  simple = Option.Boolean('--simple,-m', false, { description: 'treat --sync-cmd as a plain command (no protocol)' });
  stdin = Option.String('--stdin,-i', { description: 'file passed as stdin to the sync tool or the command' });
  shell = Option.String('--shell', { description: "wrapper for commands; '{}' is replaced by the quoted command (e.g. \"bash -c {}\")" });

  threads = Option.String('--threads,-d', { description: 'nodes worked on at once (default 16)', validator: isPositiveInteger });
  serial = Option.Boolean('--serial,-l', false, { description: 'run the sync tool or command on one node at a time' });
  json = jsonOption('one JSON object per line: {"node", "stream", "body"}');
  quiet = Option.Boolean('--quiet,-q', false, { description: 'print output lines without node prefixes' });
  verbose = Option.Counter('--verbose,-v', 0, { description: 'also print what each step did' });

  connTimeout = Option.String('--conn-timeout', '10000', { description: 'connect timeout (bare number: ms)', validator: isMsDuration });
  sendTimeout = Option.String('--send-timeout', { description: 'a node that accepts no data this long is dropped; also the lock heartbeat (bare number: ms)', validator: isMsDuration });
  recvTimeout = Option.String('--recv-timeout', { description: 'how long a lock holder may take to answer a heartbeat (bare number: ms)', validator: isMsDuration });
  keepAlive = Option.String('--keep-alive', '10000', { description: 'SSH keepalive interval (bare number: ms)', validator: isMsDuration });

  words = Option.Rest({ name: 'files or command' });

  override async execute(): Promise<number> {
    if (this.password) throw new UsageError('--password: password authentication is not supported; use --key or the ssh-agent');
    if (this.simple && this.syncCmd === undefined) throw new UsageError('--simple needs --sync-cmd: it says how to treat that tool');
    const mode = this.lock ? 'lock' : this.upload ? 'upload' : this.command ? 'command' : 'sync';
    if (mode === 'upload' && this.root === undefined) throw new UsageError('--upload needs --root: the directory to upload into');
    if ((mode === 'upload' || (mode === 'sync' && !this.noUpload)) && this.words.length === 0) throw new UsageError(`${mode} mode needs files to upload after the options`);
    if (mode === 'command' && this.words.length === 0) throw new UsageError('--command needs the command after --');
    const core = await import('@lockstep/core');
    const ms = (value: string | undefined) => (value === undefined ? undefined : core.parseDuration(value, 'ms'));
    const addresses = await this.#hostWords();
    if (addresses.length === 0) throw new UsageError('no hosts: give -o [user@]host[:port] (repeatable), a hosts file, or -s');
    let nodes = addresses.map((word) =>
      nodeFromAddress(word, {
        user: this.user ?? this.context.env.USER ?? this.context.env.LOGNAME ?? 'root',
        identityFile: this.key === undefined ? undefined : resolve(this.context.cwd, this.key),
        knownHostsFile: this.knownHosts === undefined ? undefined : resolve(this.context.cwd, this.knownHosts),
        connectTimeoutMs: ms(this.connTimeout)!,
        keepaliveIntervalMs: ms(this.keepAlive)!,
      }),
    );
    const reporter = new SyncReporter(this.context, { json: this.json, quiet: this.quiet, verbose: this.verbose > 0 });
    if (this.skipUnreachable) nodes = await reachableNodes(nodes, reporter, this.context.signal);
    // The `run` step has no stdin: a command's input travels inside the command, base64-encoded.
    const stdinFile = this.stdin === undefined ? undefined : resolve(this.context.cwd, this.stdin);
    const inlineStdin = stdinFile !== undefined && (mode === 'command' || this.noUpload) ? (await readFile(stdinFile)).toString('base64') : undefined;
    const playbook = this.#playbook(mode, nodes, { sendTimeoutMs: ms(this.sendTimeout), recvTimeoutMs: ms(this.recvTimeout) }, stdinFile, inlineStdin, core.shellQuote);
    const host = await this.context.plugins();
    await host.addPluginDirs(orgalorgPluginDirs());
    try {
      const result = await core.runPlaybook(playbook, { host, reporter, forks: this.threads ?? 16, signal: this.context.signal });
      reporter.runError(result);
      // With --lock, Ctrl-C is how the user says "done": the lock is released and that is success.
      if (mode === 'lock' && result.status === 'interrupted') return 0;
      return result.exitCode;
    } finally {
      await reporter.finish();
      await host.deactivateAll();
    }
  }

  async #hostWords(): Promise<string[]> {
    const words: string[] = [];
    for (const value of this.hosts) {
      if (value.startsWith('/') || value.startsWith('./')) words.push(...hostLines(await readFile(resolve(this.context.cwd, value), 'utf8')));
      else words.push(value);
    }
    if (this.readStdin) {
      let text = '';
      for await (const chunk of this.context.stdin as AsyncIterable<Buffer | string>) text += chunk.toString();
      words.push(...hostLines(text));
    }
    return [...new Set(words)];
  }

  #playbook(
    mode: 'sync' | 'lock' | 'upload' | 'command',
    nodes: NodeSpec[],
    timeouts: { sendTimeoutMs?: number; recvTimeoutMs?: number },
    stdinFile: string | undefined,
    inlineStdin: string | undefined,
    /** core's shellQuote: core is imported when the command runs, not when the CLI starts. */
    quote: (value: string) => string,
  ): Playbook {
    const names = nodes.map((node) => node.name);
    const phase = (name: string, steps: StepSpec[], serial?: number): PhaseSpec => ({ name, on: names, strategy: 'linear', steps, ...(serial ? { serial } : {}) });
    const step = (type: string, args: unknown, name?: string): StepSpec => ({ type, args, retries: 0, ignoreErrors: false, env: {}, ...(name ? { name } : {}) });
    const phases: PhaseSpec[] = [];
    if (!this.noLock || mode === 'lock') {
      phases.push(
        phase('lock', [
          step('flock-lock', {
            path: this.lockFile ?? this.root ?? '/',
            heartbeat: `${timeouts.sendTimeoutMs ?? 10_000}ms`,
            fail: !this.noLockFail,
            hold: mode === 'lock',
            ...(timeouts.recvTimeoutMs === undefined ? {} : { 'answer-timeout': `${timeouts.recvTimeoutMs}ms` }),
          }),
        ]),
      );
    }
    if (mode === 'command') {
      phases.push(phase('command', [step('run', this.#commandLine(this.words.join(' '), inlineStdin, quote), this.words.join(' '))], this.serial ? 1 : undefined));
    } else if (mode === 'upload' || (mode === 'sync' && !this.noUpload)) {
      const tool = mode === 'upload' ? {} : this.syncCmd === undefined ? {} : this.simple ? { simple: this.syncCmd } : { 'sync-cmd': this.syncCmd };
      phases.push(
        phase('upload', [
          step('ssh-tar-upload', {
            src: this.words,
            'base-dir': this.context.cwd,
            ...(this.root === undefined ? {} : { root: this.root }),
            relative: this.relative,
            'preserve-uid': !this.noPreserveUid,
            'preserve-gid': !this.noPreserveGid,
            sudo: this.sudo,
            ...tool,
            ...(this.syncArgs.length > 0 && this.syncCmd !== undefined ? { 'sync-args': this.syncArgs } : {}),
            ...(stdinFile !== undefined && this.syncCmd !== undefined ? { stdin: stdinFile } : {}),
            ...(mode === 'upload' || (this.root !== undefined && this.syncCmd === undefined) ? { sync: 'none' } : {}),
            // orgalorg stops everything when one node fails: no node runs the sync tool then.
            'on-node-failure': 'abort',
            ...(timeouts.sendTimeoutMs === undefined ? {} : { 'send-timeout': `${timeouts.sendTimeoutMs}ms` }),
          }),
        ]),
      );
    } else if (mode === 'sync' && this.syncCmd !== undefined) {
      // --no-upload: the sync tool alone, in --root when given.
      const tool = [this.syncCmd, ...this.syncArgs].join(' ');
      const where = this.root === undefined ? tool : `cd ${quote(this.root)} || exit; ${tool}`;
      phases.push(
        this.simple
          ? phase('sync', [step('run', this.#commandLine(where, inlineStdin, quote), tool)], this.serial ? 1 : undefined)
          : phase('sync', [step('sync-protocol', { command: this.#commandLine(where, undefined, quote) }, tool)]),
      );
    }
    return { file: '<lockstep sync>', dir: this.context.cwd, name: `lockstep sync (${mode})`, vars: {}, nodes, groups: {}, phases, plugins: [] };
  }

  /** The remote command: `--shell` wrapping, `sudo -n`, and `--stdin` fed from an embedded copy. */
  #commandLine(command: string, stdinBase64: string | undefined, quote: (value: string) => string): string {
    let line = this.shell === undefined ? command : this.shell.replaceAll('{}', quote(command));
    if (this.sudo) line = `sudo -n -- sh -c ${quote(line)}`;
    if (stdinBase64 === undefined) return line;
    // A single command line is limited to 128 kB by the kernel: fine for a command's input.
    return `printf %s ${quote(stdinBase64)} | base64 -d | { ${line}; }`;
  }
}

function hostLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** Drops the hosts that cannot be reached, with a warning line each (orgalorg `-w`). */
async function reachableNodes(nodes: NodeSpec[], reporter: SyncReporter, signal: AbortSignal): Promise<NodeSpec[]> {
  const { createTransport } = await import('@lockstep/core');
  const reachable = await Promise.all(
    nodes.map(async (node) => {
      const transport = createTransport(node);
      try {
        await transport.connect(signal);
        return true;
      } catch (error) {
        reporter.line(node.name, 'warning', `skipped, unreachable: ${(error as Error).message}`);
        return false;
      } finally {
        await Promise.resolve(transport.dispose()).catch(() => undefined);
      }
    }),
  );
  return nodes.filter((_, index) => reachable[index]);
}
