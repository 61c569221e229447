import { readFile } from 'node:fs/promises';
import { shellQuote } from '@lockstep/core';
import type { StepContext } from '@lockstep/core';
import { runSyncTool as runSyncProtocolTool } from '@lockstep/plugin-sync-protocol';
import { TarUploadCodes, TarUploadError } from './errors.js';
import type { NormalizedTarUploadOptions } from './normalize-options.js';
import { asUser, cleanupScript, moveScript } from './remote-scripts.js';
import type { NodeUpload } from './upload-group.js';

/**
 * Runs the sync tool on one node after its upload: the default mover, a `simple` command, or a
 * `sync-cmd` tool spoken to with the sync-protocol plugin's protocol. A tool other than the
 * mover runs in the upload directory with `LOCKSTEP_UPLOAD_DIR` set; the temporary directory
 * is removed after it succeeds.
 *
 * @param upload where the files landed on this node
 * @param options the step's options
 * @param context this node's step context
 * @returns a summary of what the tool did
 * @throws {TarUploadError} `SYNC_FAILED` when the tool fails
 */
export async function runSyncTool(upload: NodeUpload, options: NormalizedTarUploadOptions, context: StepContext): Promise<string> {
  const { node } = context;
  const sync = options.sync;
  const fail = (why: string, cause?: unknown): TarUploadError =>
    new TarUploadError(TarUploadCodes.SYNC_FAILED, `sync tool on ${node.name} failed: ${why}${upload.temporary ? ` (files left in ${upload.dir})` : ''}`, {
      node: node.name,
      cause,
    });
  if (sync.kind === 'none') return upload.temporary ? `in ${upload.dir}` : `into ${upload.dir}`;
  if (sync.kind === 'move') {
    context.progress.report(`moving files into ${sync.dest}`);
    const result = await node.transport.exec(asUser(moveScript({ dir: upload.dir, dest: sync.dest }), options.sudo), { signal: context.signal });
    if (result.exitCode !== 0) throw fail(`mover exited with code ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join('\n')}`);
    return `into ${sync.dest}`;
  }
  const stdin = sync.stdinFile === undefined ? undefined : await readFile(sync.stdinFile, 'utf8');
  const command = `cd ${shellQuote(upload.dir)} || exit; export LOCKSTEP_UPLOAD_DIR=${shellQuote(upload.dir)}; ${asUser(sync.command, options.sudo)}`;
  if (sync.kind === 'simple') {
    context.progress.report('running the sync tool');
    const result = await node.exec(command, { signal: context.signal, ...(stdin === undefined ? {} : { stdin }) });
    if (result.exitCode !== 0) throw fail(`\`${sync.command}\` exited with code ${result.exitCode}`);
  } else {
    // The protocol (HELLO, NODE, START, SYNC broadcast through the run's coordinator) stays the
    // sync-protocol plugin's: it publishes runSyncTool for exactly this.
    try {
      await runSyncProtocolTool({ command, ...(stdin === undefined ? {} : { stdin }) }, context);
    } catch (error) {
      throw fail((error as Error).message, error);
    }
  }
  if (upload.temporary) await node.transport.exec(asUser(cleanupScript(upload.dir), options.sudo)).catch(() => {});
  return `synced by ${sync.kind === 'simple' ? 'simple tool' : 'sync tool'}`;
}
