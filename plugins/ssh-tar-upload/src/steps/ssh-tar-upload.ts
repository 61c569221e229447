import type { StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { joinArrivalGroup } from '@lockstep/core';
import { normalizeTarUploadOptions, type NormalizedTarUploadOptions, type TarUploadArgs } from '../normalize-options.js';
import { runSyncTool } from '../sync-tools.js';
import { uploadToGroup, type NodeUpload } from '../upload-group.js';

export type { TarUploadArgs } from '../normalize-options.js';

/**
 * orgalorg's upload. The nodes of the phase act together: once all have reached the step, one
 * tar archive of `src` is made, read once, and streamed to all of them at the same time at the
 * pace of the slowest; each extracts it (into a per-run temporary directory, or into `root`),
 * checks that no link points out, and reports a sha256 manifest that must match the sender's.
 * Then each node runs its sync tool: by default a mover that renames every file into `dest`.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns `N files, X MB into DEST`
 * @throws {TarUploadError} `TU1001`…`TU1006` (see the README)
 */
export const tarUploadStep: StepHandler<TarUploadArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const options = normalizeTarUploadOptions(args, context.run.dir ?? process.cwd());
  if (context.run.dryRun) return { summary: planTarUpload(args, context.node.spec) };
  context.progress.report('waiting for the other nodes of the phase');
  const upload = await joinArrivalGroup<NormalizedTarUploadOptions, NodeUpload>(options, context, { kind: 'ssh-tar-upload', work: uploadToGroup });
  const where = await runSyncTool(upload, options, context);
  return {
    summary: `${upload.files} file${upload.files === 1 ? '' : 's'}, ${(upload.bytes / 1048576).toFixed(1)} MB ${where}`,
    data: { files: upload.files, bytes: upload.bytes, dir: upload.dir },
  };
};

/**
 * Describes the step for `--dry-run`.
 *
 * @param args validated step arguments
 * @returns one line, e.g. `tar dist to / (via a temporary directory, mover)`
 */
export const planTarUpload: StepPlanner<TarUploadArgs> = (args) => {
  const src = typeof args.src === 'string' ? args.src : args.src.join(' ');
  const target = args.root ?? args.dest ?? '/';
  const tool = args['sync-cmd'] ? `sync tool \`${args['sync-cmd']}\`` : args.simple ? `command \`${args.simple}\`` : args.root || args.sync === 'none' ? 'no sync tool' : 'atomic mover';
  return `upload ${src} to ${target} on every node of the phase (${args.root ? 'straight' : 'via a temporary directory'}, ${tool})`;
};
