import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { buildRemoteScript, shellQuote } from './shell-quote.js';

/** How long a signalled command may take to exit before SIGKILL and closing its channel. */
export const SSH_KILL_GRACE_MS = 2000;

/** The line the wrapper writes first on stderr: a record separator, then the command's PID. */
const PID_MARKER = '\x1elockstep-pid=';
/** Give up looking for the marker after this much stderr (a login shell that prints a lot). */
const MARKER_SEARCH_LIMIT = 8192;

/** How a remote command ended; both null when the connection dropped. */
export interface ExitStatus {
  exitCode: number | null;
  signal: string | null;
}

/**
 * Builds the command line for one exec channel. `exec sh -c` replaces the login shell (so the
 * command's shell leads the session sshd created, and signals reach it), then the script reports
 * its PID on stderr before anything else: sshd refuses channel `signal` requests in root sessions
 * (no privilege separation there), so aborting kills the process group through a second channel.
 *
 * @param command the user's command
 * @param options env and working directory
 * @returns what to pass to ssh2's `exec`
 */
export function remoteCommandLine(command: string, options: { env?: Record<string, string>; cwd?: string }): string {
  const reportPid = `printf '${PID_MARKER.replace('\x1e', '\\036')}%s\\n' "$$" >&2; `;
  return `exec sh -c ${shellQuote(reportPid + buildRemoteScript(command, options))}`;
}

/**
 * One command running on an exec channel: its streams (stderr without the PID line), its exit
 * status, and a kill that works in root sessions too.
 */
export class SshCommand {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles when the channel closes; never rejects. */
  readonly closed: Promise<ExitStatus>;
  readonly #channel: ClientChannel;
  readonly #killGroup: (pid: number, signal: string) => void;
  #pid: number | undefined;
  #pendingSignal: string | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #status: ExitStatus = { exitCode: null, signal: null };

  /**
   * @param channel an exec channel started with {@link remoteCommandLine}
   * @param killGroup signals the remote process group over another channel
   */
  constructor(channel: ClientChannel, killGroup: (pid: number, signal: string) => void) {
    this.#channel = channel;
    this.#killGroup = killGroup;
    this.stdout = channel;
    this.stderr = channel.stderr.pipe(new PidFilter((pid) => this.#onPid(pid)));
    channel.on('error', () => {}); // a broken channel shows as a null exit status
    channel.on('exit', (code: number | null, signal?: string) => {
      // ssh2 reports `SIGTERM` for OpenSSH's `TERM`; normalize either way.
      this.#status = { exitCode: code ?? null, signal: signal ? `SIG${signal.replace(/^SIG/, '')}` : null };
    });
    this.closed = new Promise((resolve) =>
      channel.once('close', () => {
        clearTimeout(this.#graceTimer);
        resolve(this.#status);
      }),
    );
  }

  /**
   * Signals the command's process group; if it is still running after {@link SSH_KILL_GRACE_MS},
   * sends SIGKILL and closes the channel.
   *
   * @param signal signal name, `SIGTERM` by default
   */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    const name = signal.replace(/^SIG/, '');
    this.#send(name);
    this.#graceTimer ??= setTimeout(() => {
      this.#send('KILL');
      this.#channel.close();
    }, SSH_KILL_GRACE_MS);
  }

  #send(name: string): void {
    try {
      this.#channel.signal(name); // enough for non-root sessions
    } catch {
      // the channel is already closing
    }
    if (this.#pid === undefined) this.#pendingSignal = name;
    else this.#killGroup(this.#pid, name);
  }

  #onPid(pid: number): void {
    this.#pid = pid;
    if (this.#pendingSignal !== undefined) this.#killGroup(pid, this.#pendingSignal);
  }
}

/** Removes the PID line from stderr and passes everything else through unchanged. */
class PidFilter extends Transform {
  readonly #onPid: (pid: number) => void;
  #done = false;
  #pending = Buffer.alloc(0);

  constructor(onPid: (pid: number) => void) {
    super();
    this.#onPid = onPid;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#done) return callback(null, chunk);
    this.#pending = Buffer.concat([this.#pending, chunk]);
    // Lines a login shell printed before the wrapper ran pass through; the marker line is dropped.
    for (let newline = this.#pending.indexOf(10); newline !== -1 && !this.#done; newline = this.#pending.indexOf(10)) {
      const line = this.#pending.subarray(0, newline).toString('latin1');
      if (line.startsWith(PID_MARKER)) {
        this.#done = true;
        const pid = Number(line.slice(PID_MARKER.length));
        if (Number.isInteger(pid) && pid > 1) this.#onPid(pid);
      } else {
        this.push(this.#pending.subarray(0, newline + 1));
      }
      this.#pending = this.#pending.subarray(newline + 1);
    }
    if (this.#done || this.#pending.length > MARKER_SEARCH_LIMIT) {
      this.#done = true;
      if (this.#pending.length > 0) this.push(this.#pending);
      this.#pending = Buffer.alloc(0);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#pending.length > 0) this.push(this.#pending);
    callback();
  }
}
