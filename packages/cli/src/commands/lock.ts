import { Command, Option } from 'clipanion';
import { clientOptions, CoordinatorClientCommand } from '../coordinator-options.js';

/** Exit codes of `lockstep lock` for its own failures, as flom's 96-99; anything else is the command's status. */
export const LockExitCodes = {
  /** The lock could not be obtained within `--wait` (timed out), or the wait was interrupted. */
  COULD_NOT_WAIT: 96,
  /** The lock was obtained but the command did not start (not found, not executable). */
  COMMAND_DID_NOT_START: 97,
  /** `--wait 0` and the resource is held by someone else. */
  RESOURCE_BUSY: 98,
  /** Anything else: coordinator unreachable, token refused, connection lost while the command ran. */
  OTHER_ERROR: 99,
} as const;

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** `lockstep lock -- COMMAND`: flom. Runs a command while holding a lock on a resource. */
export class LockCommand extends CoordinatorClientCommand {
  static override paths = [['lock']];

  static override usage = Command.Usage({
    category: 'Coordination',
    description: 'run a command while holding a named lock (flom)',
    details: `
      Takes the lock on \`--resource\` (default \`lockstep\`) from the coordinator, runs the command after \`--\`, releases the lock after the command has exited, and exits with the command's status (128+N when a signal N ended it). Signals sent to \`lockstep lock\` (INT, TERM, HUP, QUIT, USR1, USR2) are passed to the command. The command's environment has \`LOCKSTEP_FENCE\`, the fencing token of this grant (it grows with every grant; see docs/coordinator.md).

      \`--shared\` takes a shared lock (many shared holders, no exclusive one). A resource written \`name[N]\` (flom's numeric resource) allows N holders at once.

      \`--wait T\` bounds the wait (\`0\`: do not wait at all); without it, it waits until the lock is free.

      If the connection to the coordinator is lost while the command runs, the lock no longer protects it, so the command is stopped (SIGTERM, then SIGKILL after 5 seconds), as \`consul lock\` does, and the exit code is 99. \`--keep-running-if-lost\` lets it run on, with a warning.

      Exit codes of its own (flom's): 96 could not wait (timed out or interrupted while waiting), 97 the command did not start, 98 the resource is busy (\`--wait 0\`), 99 any other error.
    `,
    examples: [
      ['Run a backup while holding the lock "db"', '$0 lock --resource db -- ./backup.sh'],
      ['Fail at once (exit 98) if someone holds it', '$0 lock --resource db --wait 0 -- ./migrate.sh'],
      ['Allow three concurrent builds', "$0 lock --resource 'builders[3]' -- make -j4"],
      ['Take a shared lock, wait at most 10 seconds', '$0 lock --resource cfg --shared --wait 10s -- cat /etc/app.conf'],
    ],
  });

  resource = Option.String('--resource,-r', 'lockstep', { description: 'the resource to lock; name[N] allows N holders' });
  shared = Option.Boolean('--shared,-s', false, { description: 'take a shared lock instead of an exclusive one' });
  wait = clientOptions.duration('--wait,-w', 'give up (exit 96) if the lock is not granted within this long; 0: do not wait (exit 98 if busy)');
  keepRunningIfLost = Option.Boolean('--keep-running-if-lost', false, {
    description: 'if the coordinator is lost while the command runs, let it run on (with a warning) instead of stopping it',
  });
  command = Option.Rest({ name: 'COMMAND', required: 1 });

  override async execute(): Promise<number> {
    const stderr = this.context.stderr;
    const fail = (exitCode: number, error: unknown): number => {
      const e = error as { code?: unknown; message?: unknown };
      stderr.write(`${typeof e.code === 'string' ? `${e.code} ` : ''}${String(e.message ?? error)}\n`);
      return exitCode;
    };
    let connected;
    try {
      connected = await this.connect('lock');
    } catch (error) {
      return fail(LockExitCodes.OTHER_ERROR, error);
    }
    const { client, lib } = connected;
    try {
      let hold;
      try {
        hold = await client.lock(this.resource, {
          mode: this.shared ? 'shared' : 'exclusive',
          signal: this.context.signal,
          ...(this.wait === undefined ? {} : { timeoutMs: lib.parseDuration(this.wait) }),
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === lib.ErrorCodes.RESOURCE_BUSY) return fail(LockExitCodes.RESOURCE_BUSY, error);
        if (code === lib.ErrorCodes.COORDINATOR_TIMED_OUT || this.context.signal.aborted) return fail(LockExitCodes.COULD_NOT_WAIT, error);
        return fail(LockExitCodes.OTHER_ERROR, error);
      }
      const result = await this.#run(hold.fence, client.onDidEnd);
      if (result.kind === 'not-started') return fail(LockExitCodes.COMMAND_DID_NOT_START, result.error);
      // Released only now, after the command has exited.
      await hold.release().catch(() => undefined);
      if (result.lost && !this.keepRunningIfLost) return LockExitCodes.OTHER_ERROR;
      return result.exitCode;
    } finally {
      await client.dispose();
    }
  }

  async #run(
    fence: number,
    onLost: (listener: (error: Error) => void) => { dispose(): void },
  ): Promise<{ kind: 'not-started'; error: Error } | { kind: 'exited'; exitCode: number; lost: boolean }> {
    const { spawn } = await import('node:child_process');
    const { constants } = await import('node:os');
    const [file, ...args] = this.command as [string, ...string[]];
    const out = this.context.stdout as unknown as { fd?: number; write(chunk: unknown): unknown };
    const err = this.context.stderr as unknown as { fd?: number; write(chunk: unknown): unknown };
    // Real terminals and files are passed straight to the command; injected streams (tests) get piped.
    const child = spawn(file, args, {
      cwd: this.context.cwd,
      env: { ...this.context.env, LOCKSTEP_FENCE: String(fence) },
      stdio: ['inherit', out.fd === 1 ? 'inherit' : 'pipe', err.fd === 2 ? 'inherit' : 'pipe'],
    });
    child.stdout?.on('data', (chunk) => out.write(chunk));
    child.stderr?.on('data', (chunk) => err.write(chunk));
    let lost = false;
    let killTimer: NodeJS.Timeout | undefined;
    const subscription = onLost((error) => {
      lost = true;
      if (this.keepRunningIfLost) {
        this.context.stderr.write(`warning: ${error.message}; the lock no longer protects the command, which keeps running (--keep-running-if-lost)\n`);
        return;
      }
      this.context.stderr.write(`${error.message}; the lock no longer protects the command: stopping it (SIGTERM, then SIGKILL after 5s)\n`);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    });
    // Signals are process-wide: main.ts turns INT/TERM into an abort, which is not a signal a
    // child can get. So forward them here, for as long as the command runs.
    const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    try {
      return await new Promise((resolve) => {
        child.once('error', (error) => resolve({ kind: 'not-started', error: new Error(`command did not start: ${file}: ${error.message}`) }));
        child.once('close', (code, signal) => {
          const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
          resolve({ kind: 'exited', exitCode, lost });
        });
      });
    } finally {
      clearTimeout(killTimer);
      subscription.dispose();
      for (const [signal, handler] of handlers) process.off(signal, handler);
    }
  }
}
