import { ErrorCodes, isLockstepError, markPhaseFallout, StepError } from '@lockstep/core';
import type { ChannelMessage, Disposable, StepContext, StepHandler, StepOutcome, StepPlanner } from '@lockstep/core';
import { watchSyncPeers } from '../failed-peers.js';
import { answerLine, parseToolLine, preambleLines, syncBroadcastLine } from '../protocol/messages.js';
import { readLines } from '../protocol/read-lines.js';
import { ToolInput } from '../protocol/tool-input.js';
import { channelName, nextOccurrence, runPrefix } from '../run-state.js';

/** Arguments of the `sync-protocol` step, as the playbook writes them. */
export interface SyncProtocolArgs {
  /** The sync tool: a shell command run on each node of the phase. */
  command: string;
  /** Protocol prefix; default `LOCKSTEP:<unix nanoseconds>`, one per run. */
  prefix?: string;
  /** Text written to the tool's stdin after START. */
  stdin?: string;
}

/** How much of the tool's stderr a failure keeps (the error's tail is capped again by StepError). */
const STDERR_KEEP = 8192;

/**
 * Runs a sync tool on this node and speaks orgalorg's sync protocol with it: HELLO, the phase's
 * nodes (this node's line ends with ` CURRENT`), START; every `<prefix> SYNC <description>` the
 * tool prints reaches every node's tool as `<prefix> SYNC <node> <description>`, through a
 * coordinator channel of this run; `<prefix> BARRIER …` and `<prefix> SEM …` lines are answered
 * on stdin. Other output goes to the report untouched.
 *
 * The tools of all nodes start together: each node subscribes to the channel and then meets
 * the others at a start barrier, so no SYNC is sent before every node listens.
 *
 * @param args validated step arguments
 * @param context the step context
 * @returns counts of the SYNC lines sent and received, in `data`
 * @throws {StepError} `STEP_FAILED` when the tool exits with a non-zero status
 * @throws {LockstepError} `BARRIER_BROKEN` when another node of the phase failed (before the
 *   start, or while the tools run: the tool is then stopped, since it may wait for that node)
 */
export const syncProtocolStep: StepHandler<SyncProtocolArgs> = async (args, context: StepContext): Promise<StepOutcome> => {
  const { node, phase, run, coordinator } = context;
  const prefix = args.prefix ?? runPrefix(run);
  const channel = channelName(run.id, phase.name, nextOccurrence(run, phase.name, node.name));
  let started = false;
  const peers = watchSyncPeers(context, () => (started ? 'stopped the sync tool' : 'could not start'));
  // Ends the tool's pending BARRIER/SEM waits once the tool has exited.
  const finished = new AbortController();
  const requestSignal = AbortSignal.any([peers.signal, finished.signal]);
  const disposables: Disposable[] = [peers];
  let sent = 0;
  let received = 0;
  let failure: unknown;

  try {
    // Subscribe before the start barrier: once every node passed it, every node listens.
    // SYNCs that arrive before this node's tool runs wait in `queued`.
    const queued: string[] = [];
    let deliver: (line: string) => void = (line) => queued.push(line);
    disposables.push(
      await coordinator.subscribe(channel, (message: ChannelMessage) => {
        const sync = decodeSync(message.data);
        if (!sync) return;
        received++;
        deliver(syncBroadcastLine(prefix, sync.node, sync.description));
      }),
    );
    context.progress.report(`waiting for the ${phase.nodes.length} nodes of the phase to start ${args.command}`);
    await coordinator.barrier(`${channel}/start`, phase.nodes.length, { signal: peers.signal });

    started = true;
    const tool = node.spawn(args.command, { signal: peers.signal, env: { LOCKSTEP_SYNC_PREFIX: prefix } });
    const input = new ToolInput(tool.stdin);
    for (const line of queued) input.send(line);
    deliver = (line) => input.send(line);
    input.open(preambleLines(prefix, phase.nodes, node.name), args.stdin);
    context.progress.report(`running ${args.command}`);

    const fail = (error: unknown): void => {
      failure ??= error;
      tool.kill();
    };
    const answer = (request: Promise<string>): void => {
      request.then((line) => input.send(line)).catch(fail);
    };
    // Output goes to the report untouched, as `step:output` lines where the host supports it.
    const report = context.output ?? ((stream: 'stdout' | 'stderr', line: string) => (stream === 'stdout' ? context.log.info(line) : context.log.warn(line)));
    let stderrTail = '';
    const output = Promise.all([
      readLines(tool.stdout, (line) => {
        const message = parseToolLine(prefix, line);
        if (!message) return report('stdout', line);
        switch (message.kind) {
          case 'sync':
            sent++;
            coordinator.publish(channel, JSON.stringify({ node: node.name, description: message.description })).catch(fail);
            return;
          case 'barrier': {
            const count = message.count ?? phase.nodes.length;
            return answer(
              reply(prefix, 'BARRIER', message.name, () =>
                coordinator.barrier(message.name, count, { signal: requestSignal }).then(({ generation }) => generation),
              ),
            );
          }
          case 'sem':
            return answer(
              reply(prefix, 'SEM', message.name, () => coordinator.semaphore(message.name, message.delta, { signal: requestSignal })),
            );
          case 'invalid':
            context.log.warn(`sync tool sent an invalid protocol line: ${line} (${message.reason})`);
            return input.send(answerLine(prefix, { verb: message.verb, name: message.name, error: message.reason }));
        }
      }),
      readLines(tool.stderr, (line) => {
        stderrTail = `${stderrTail}${line}\n`.slice(-STDERR_KEEP);
        report('stderr', line);
      }),
    ]);
    const exit = await tool.exited;
    await output;
    input.close();
    // Killed by us: a peer failed, or the step timed out or was interrupted. A tool that
    // exited by itself is judged by its own status, even if a peer failed meanwhile.
    if (peers.signal.aborted && exit.signal !== null) throw peers.signal.reason;
    if (failure) throw failure;
    if (exit.exitCode !== 0) {
      const stopped = peers.signal.aborted && isLockstepError(peers.signal.reason) ? ` (${peers.signal.reason.message})` : '';
      throw new StepError(`${exit.signal ? `sync tool killed by ${exit.signal}` : `sync tool exited with code ${exit.exitCode}`}${stopped}`, {
        node: node.name,
        host: node.host,
        step: context.step?.id ?? 'sync-protocol',
        transport: node.transport.kind,
        command: args.command,
        exitCode: exit.exitCode,
        signal: exit.signal,
        stderr: stderrTail,
      });
    }
    return { summary: `${sent} SYNC sent, ${received} received`, data: { prefix, nodes: [...phase.nodes], sent, received } };
  } catch (error) {
    // When the start barrier broke because a peer left, the peer's failure is the reason to show.
    const brokenBarrier = isLockstepError(error) && error.code === ErrorCodes.BARRIER_BROKEN;
    const reason = (!started && (peers.signal.aborted || brokenBarrier) ? peers.broken() : undefined) ?? error;
    if (isLockstepError(reason) && reason.code === ErrorCodes.BARRIER_BROKEN) markPhaseFallout(context);
    throw reason;
  } finally {
    finished.abort();
    for (const disposable of disposables.reverse()) await disposable.dispose();
  }
};

/** Runs one BARRIER or SEM request of the tool and builds its answer line; failures answer ERR. */
async function reply(prefix: string, verb: 'BARRIER' | 'SEM', name: string, request: () => Promise<number>): Promise<string> {
  try {
    return answerLine(prefix, { verb, name, ok: await request() });
  } catch (error) {
    const text = isLockstepError(error) ? `${error.code} ${error.message}` : error instanceof Error ? error.message : String(error);
    return answerLine(prefix, { verb, name, error: text });
  }
}

/** Reads a SYNC as published on the run's channel; ignores anything else on it. */
function decodeSync(data: string): { node: string; description: string } | undefined {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return undefined;
    const { node, description } = value as Record<string, unknown>;
    return typeof node === 'string' && typeof description === 'string' ? { node, description } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Describes the step for `--dry-run`.
 *
 * @param args validated step arguments
 * @returns one line, e.g. `run sync tool "./sync.sh" with every node of the phase (orgalorg's sync protocol)`
 */
export const planSyncProtocol: StepPlanner<SyncProtocolArgs> = (args) =>
  `run sync tool ${JSON.stringify(args.command)} with every node of the phase (orgalorg's sync protocol${args.prefix ? `, prefix ${args.prefix}` : ''})`;
