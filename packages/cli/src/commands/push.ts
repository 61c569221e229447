import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import type { LockstepContext } from '../context.js';
import { jsonOption } from '../options.js';

/** `lockstep push`: sends paths to every live member by reliable multicast (makuosan's msync). */
export class PushCommand extends Command<LockstepContext> {
  static override paths = [['push']];

  static override usage = Command.Usage({
    category: 'Agent',
    description: 'send files to every live member at once by reliable multicast',
    details: `
      Asks the agent at \`-c\` (else \`$LOCKSTEP_AGENT\`, else the default socket) to send PATHS, relative to its base directory, to every live member (\`lockstep members\`). Data goes out once by UDP multicast, so the time does not grow with the number of members; members ask again (NACK) for what they missed, only that is resent, and each member confirms every file with its SHA-256. A member that stops answering or cannot keep up is named in the report and the command exits 1: nobody is left silently out of date.

      Files are written to a temporary name and renamed; modes and times are kept, and owners and groups when the agent runs as root. Without \`--checksum\` a file whose size and time match is skipped (rsync's quick check); with it, only content that differs is sent.

      \`-n\` lists what would be sent to whom and changes nothing. \`--delete\` removes, under each directory sent with \`-r\`, what the source no longer has (excluded paths are kept). \`--sync\` catches up members that were down: it sends everything under the base that they lack or have different (add \`-t\` to pick them). \`--status\` shows what the agent is doing.
    `,
    examples: [
      ['Send index.html from the base directory', '$0 push index.html'],
      ['Send the whole base directory, recursively', '$0 push -r .'],
      ['Show what would be sent (dry run)', '$0 push -r -n .'],
      ['Send only to host3, mirroring deletions', '$0 push -t host3 -r --delete site/'],
      ['Catch up a member that was down', '$0 push --sync -t host4'],
    ],
  });

  static override schema = [t.hasMutuallyExclusiveKeys(['status', 'sync'], { missingIf: 'falsy' }), t.hasMutuallyExclusiveKeys(['status', 'dryRun'], { missingIf: 'falsy' })];

  control = Option.String('--control,-c', { description: 'agent control socket (unix:PATH or tcp:HOST:PORT)' });
  recursive = Option.Boolean('--recursive,-r', false, { description: 'send directories and everything in them' });
  dryRun = Option.Boolean('--dry-run,-n', false, { description: 'list what would be sent to whom; change nothing' });
  targets = Option.Array('--target,-t', [], { description: 'send only to this member (name or address; repeatable)' });
  delete = Option.Boolean('--delete', false, { description: 'delete what the source no longer has under each directory sent' });
  checksum = Option.Boolean('--checksum', false, { description: 'compare content (SHA-256), not size and time' });
  bwlimit = Option.String('--bwlimit', { description: 'cap the send rate in bytes per second (500K, 10M)', validator: t.cascade(t.isString(), [t.matchesRegExp(/^\d+(\.\d+)?\s*([KMG]i?B?)?(\/s)?$/i)]) });
  exclude = Option.Array('--exclude', [], { description: 'skip paths matching this glob (repeatable; no `/` matches a name anywhere)' });
  excludeFrom = Option.String('--exclude-from', { description: 'read exclude globs from a file, one per line' });
  status = Option.Boolean('--status', false, { description: 'show what the agent is doing and exit' });
  sync = Option.Boolean('--sync', false, { description: 'catch up members: send everything under the base they lack' });
  json = jsonOption('print the report as one JSON document');
  files = Option.Rest({ name: 'paths' });

  override async execute(): Promise<number> {
    const { requestAgent, resolveAgentControl, formatPushReport, AgentRequestError } = await import('@lockstep/agent');
    const control = resolveAgentControl(this.control, this.context.env);
    const { stdout } = this.context;
    if (this.status) {
      const status = await requestAgent<Record<string, unknown>>(control, 'status', {}, { signal: this.context.signal });
      stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    if (this.files.length === 0 && !this.sync) throw new UsageError('push needs at least one path (relative to the agent base), or --sync / --status');
    const exclude = [...this.exclude];
    if (this.excludeFrom) {
      const text = await readFile(resolve(this.context.cwd, this.excludeFrom), 'utf8');
      exclude.push(...text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    }
    const params = { paths: this.files, recursive: this.recursive, dryRun: this.dryRun, targets: this.targets, delete: this.delete, checksum: this.checksum, bwlimit: this.bwlimit, exclude, sync: this.sync };
    try {
      const report = await requestAgent<import('@lockstep/agent').PushReport>(control, 'push', params, {
        signal: this.context.signal,
        onEvent: (event) => {
          const e = event as { kind?: string; member?: string; reason?: string };
          if (!this.json && e.kind === 'member-failed') this.context.stderr.write(`member ${e.member} failed: ${e.reason}\n`);
        },
      });
      stdout.write(this.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPushReport(report).join('\n')}\n`);
      return 0;
    } catch (error) {
      // An incomplete push still has a report: show it, then let main print the error.
      if (error instanceof AgentRequestError && error.data) {
        const report = error.data as import('@lockstep/agent').PushReport;
        stdout.write(this.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPushReport(report).join('\n')}\n`);
      }
      throw error;
    }
  }
}
