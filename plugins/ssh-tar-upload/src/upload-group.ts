import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { formatDuration } from '@lockstep/core';
import type { Arrival, MemberResult, RemoteProcess, StepContext } from '@lockstep/core';
import { collectSources, type SourceEntry } from './collect-sources.js';
import { TarUploadCodes, TarUploadError } from './errors.js';
import { FanOut } from './fan-out.js';
import type { NormalizedTarUploadOptions } from './normalize-options.js';
import { packEntries } from './pack-stream.js';
import { asUser, cleanupScript, parseManifest, receiveScript, verifyInput, verifyScript } from './remote-scripts.js';

/** Where the archive landed on one node. */
export interface NodeUpload {
  /** Directory the archive was extracted into. */
  dir: string;
  /** True for the per-run temporary directory (the sync tool moves files out of it). */
  temporary: boolean;
  files: number;
  bytes: number;
}

/** How much stderr of a node's tar is kept for the error message. */
const STDERR_KEEP = 4096;

/**
 * The group's work: one archive per distinct set of sources, made once and streamed to every
 * member at the same time; then each node verifies its copy. Members whose stream options
 * differ (another `src`, `compress`, …) get their own stream.
 *
 * @param members every node of the phase that reached the step
 * @returns each node's upload, or its failure
 */
export async function uploadToGroup(members: readonly Arrival<NormalizedTarUploadOptions>[]): Promise<Map<string, MemberResult<NodeUpload>>> {
  const partitions = new Map<string, Arrival<NormalizedTarUploadOptions>[]>();
  for (const member of members) {
    const { src, baseDir, relative, exclude, compress, preserveUid, preserveGid } = member.args;
    const key = JSON.stringify([src, baseDir, relative, exclude, compress, preserveUid, preserveGid]);
    partitions.set(key, [...(partitions.get(key) ?? []), member]);
  }
  const results = new Map<string, MemberResult<NodeUpload>>();
  await Promise.all(
    [...partitions.values()].map(async (partition) => {
      for (const [name, result] of await uploadPartition(partition)) results.set(name, result);
    }),
  );
  return results;
}

interface Receiver {
  member: Arrival<NormalizedTarUploadOptions>;
  context: StepContext;
  dir: string;
  temporary: boolean;
  process: RemoteProcess;
  stderr: string;
  failure: TarUploadError | undefined;
}

async function uploadPartition(members: readonly Arrival<NormalizedTarUploadOptions>[]): Promise<Map<string, MemberResult<NodeUpload>>> {
  const options = members[0]!.args;
  const first = members[0]!.context;
  const failAll = (error: unknown) => new Map(members.map((m) => [m.context.node.name, { ok: false, error } as const]));
  let entries: SourceEntry[];
  try {
    entries = await collectSources(options.src, {
      baseDir: options.baseDir,
      relative: options.relative,
      exclude: options.exclude,
      onSkip: (path, why) => first.log.warn(`skipping ${path}: ${why}`),
    });
  } catch (error) {
    return failAll(error);
  }
  const files = entries.filter((entry) => entry.type === 'file');
  const totalBytes = files.reduce((sum, entry) => sum + entry.stats.size, 0);
  const tag = `${first.run.id}.${randomBytes(4).toString('hex')}`.replace(/[^\w.-]/g, '_');
  const receivers: Receiver[] = members.map((member) => {
    const { root, tempParent, sudo, compress, preserveUid, preserveGid } = member.args;
    const temporary = root === undefined;
    // Per node: nodes that share a machine (or a filesystem) must not share a directory.
    const dir = root ?? `${tempParent.replace(/\/+$/, '')}/.lockstep-upload.${tag}.${member.context.node.name.replace(/[^\w.-]/g, '_')}`;
    // The transport, not node.spawn: tar's chatter and the manifest are not the step's output.
    const process = member.context.node.transport.spawn(asUser(receiveScript({ dir, temporary, compress, preserveUid, preserveGid }), sudo));
    const receiver: Receiver = { member, context: member.context, dir, temporary, process, stderr: '', failure: undefined };
    process.stderr.on('data', (chunk: Buffer) => {
      receiver.stderr = (receiver.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    return receiver;
  });
  const byName = new Map(receivers.map((receiver) => [receiver.context.node.name, receiver]));
  const fanOut = new FanOut(
    receivers.map((receiver) => ({ name: receiver.context.node.name, stream: receiver.process.stdin })),
    {
      sendTimeoutMs: options.sendTimeoutMs,
      onDrop: (name, reason) => {
        const receiver = byName.get(name)!;
        receiver.failure ??= new TarUploadError(TarUploadCodes.UPLOAD_FAILED, `upload to ${name} failed: ${reason.message}`, { node: name, cause: reason });
        receiver.process.kill();
      },
    },
  );
  for (const receiver of receivers) {
    const name = receiver.context.node.name;
    receiver.context.signal.addEventListener('abort', () => fanOut.drop(name, new Error('step cancelled')), { once: true });
    void receiver.process.exited.then(({ exitCode }) => {
      // tar may stop reading at the end-of-archive marker and exit 0: only a failure drops it.
      if (exitCode !== 0 && !fanOut.writableFinished) fanOut.drop(name, new Error(exitReason(receiver, exitCode)));
    });
  }
  const progress = setInterval(() => {
    const fraction = totalBytes > 0 ? Math.min(1, fanOut.bytes / totalBytes) : undefined;
    for (const receiver of receivers) receiver.context.progress.report(`sent ${megabytes(fanOut.bytes)} of ${megabytes(totalBytes)}`, fraction);
  }, 1000);
  const started = Date.now();
  const archive = packEntries(entries, { compress: options.compress });
  let manifest: Map<string, string>;
  try {
    const everyReceiverFailed = await streamTo(archive.stream, fanOut);
    // With no receiver left the archive was abandoned half-made: its manifest would never settle.
    manifest = everyReceiverFailed ? new Map() : await archive.manifest;
    first.log.debug(`sent ${megabytes(fanOut.bytes)} to ${receivers.length} node(s) in ${formatDuration(Date.now() - started)}`);
  } catch (error) {
    for (const receiver of receivers) receiver.process.kill();
    await cleanup(receivers);
    return failAll(error);
  } finally {
    clearInterval(progress);
  }
  const sent = Date.now();
  await Promise.all(
    receivers.map(async (receiver) => {
      const { exitCode } = await receiver.process.exited;
      if (receiver.failure) return;
      if (exitCode === 65) {
        receiver.failure = new TarUploadError(TarUploadCodes.ENTRY_UNSAFE, `${receiver.context.node.name} refused the archive: ${tail(receiver.stderr)}`, {
          node: receiver.context.node.name,
        });
      } else if (exitCode !== 0) {
        receiver.failure = new TarUploadError(TarUploadCodes.UPLOAD_FAILED, exitFailure(receiver, exitCode), { node: receiver.context.node.name });
      } else receiver.failure = await verify(receiver, entries, manifest);
    }),
  );
  const failed = receivers.filter((receiver) => receiver.failure);
  const abort = failed.length > 0 && members.some((member) => member.args.onNodeFailure === 'abort');
  if (abort) {
    const names = failed.map((receiver) => receiver.context.node.name).join(', ');
    for (const receiver of receivers) {
      receiver.failure ??= new TarUploadError(TarUploadCodes.UPLOAD_ABORTED, `upload to ${receiver.context.node.name} rolled back: it failed on ${names}`, {
        node: receiver.context.node.name,
      });
    }
  }
  await cleanup(receivers.filter((receiver) => receiver.failure && receiver.temporary));
  first.log.debug(`extracted and verified on ${receivers.length - failed.length} node(s) ${formatDuration(Date.now() - sent)} after the last byte`);
  return new Map(
    receivers.map((receiver) => [
      receiver.context.node.name,
      receiver.failure
        ? { ok: false, error: receiver.failure }
        : { ok: true, value: { dir: receiver.dir, temporary: receiver.temporary, files: files.length, bytes: totalBytes } },
    ]),
  );
}

/**
 * Pipes the archive into the fan-out. Settles when every byte went out (false), or when no
 * receiver is left (true: each node's failure is already recorded); rejects when the archive
 * itself fails (a source could not be read). Hand-rolled rather than `stream.pipeline`, whose
 * premature-close handling surfaced as an uncaught exception when the last receiver dropped.
 */
function streamTo(archive: Readable, fanOut: FanOut): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    archive.once('error', (error) => {
      fanOut.destroy();
      reject(error);
    });
    fanOut.once('finish', () => resolve(false));
    fanOut.once('close', () => {
      if (fanOut.writableFinished) return;
      archive.unpipe(fanOut);
      archive.destroy();
      resolve(true);
    });
    archive.pipe(fanOut);
  });
}

/** Runs the node's own checks and compares its manifest with the sender's. */
async function verify(receiver: Receiver, entries: readonly SourceEntry[], expected: Map<string, string>): Promise<TarUploadError | undefined> {
  const { node } = receiver.context;
  const { sudo, preserveUid, preserveGid } = receiver.member.args;
  const result = await node.transport.exec(asUser(verifyScript({ dir: receiver.dir, temporary: receiver.temporary, preserveUid, preserveGid }), sudo), {
    stdin: verifyInput(entries),
    signal: receiver.context.signal,
  });
  if (result.exitCode === 66) return new TarUploadError(TarUploadCodes.ENTRY_UNSAFE, `${node.name} refused the archive: ${tail(result.stderr)}`, { node: node.name });
  if (result.exitCode !== 0) {
    return new TarUploadError(TarUploadCodes.CHECKSUM_MISMATCH, `${node.name}: could not compute the checksum manifest (exit ${result.exitCode}): ${tail(result.stderr)}`, {
      node: node.name,
    });
  }
  const actual = parseManifest(result.stdout);
  const problems: string[] = [];
  for (const [name, sum] of expected) {
    const got = actual.get(name);
    if (got === undefined) problems.push(`${name} missing`);
    else if (got !== sum) problems.push(`${name} differs`);
  }
  for (const name of actual.keys()) if (!expected.has(name)) problems.push(`${name} not in the archive`);
  if (problems.length === 0) return undefined;
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  return new TarUploadError(TarUploadCodes.CHECKSUM_MISMATCH, `checksums on ${node.name} differ from the sender's: ${shown}`, { node: node.name });
}

async function cleanup(receivers: readonly Receiver[]): Promise<void> {
  await Promise.all(
    receivers
      .filter((receiver) => receiver.temporary)
      .map((receiver) =>
        receiver.context.node.transport.exec(asUser(cleanupScript(receiver.dir), receiver.member.args.sudo)).catch(() => {
          // The node may be gone; its directory then stays, and is named in the error.
        }),
      ),
  );
}

function exitFailure(receiver: Receiver, exitCode: number | null): string {
  return `upload to ${receiver.context.node.name} failed: ${exitReason(receiver, exitCode)}`;
}

function exitReason(receiver: Receiver, exitCode: number | null): string {
  const why = exitCode === null ? 'the connection was lost' : `tar exited with code ${exitCode}`;
  const stderr = tail(receiver.stderr);
  return `${why}${stderr ? `: ${stderr}` : ''}`;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
