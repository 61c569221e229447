import type { Readable, Writable } from 'node:stream';
import type { Disposable } from '../disposable.js';
import type { Event } from '../event.js';
import type { NodeSpec } from '../playbook/model.js';

/** Options for running a command on a node. */
export interface ExecOptions {
  /** Working directory; default the node's (local) or the login directory (ssh). */
  cwd?: string;
  /** Extra environment variables for the command. */
  env?: Record<string, string>;
  /** Data written to the command's stdin, which is then closed. */
  stdin?: string | Uint8Array;
  /** Aborting kills the command (SIGTERM, then SIGKILL) and rejects. */
  signal?: AbortSignal;
  /** Called with each complete output line (without newline), as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** What a finished command left behind. A non-zero exit is a result, not an exception. */
export interface ExecResult {
  exitCode: number | null;
  /** Signal name when the command was killed, e.g. `SIGTERM`. */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A running command with its streams, for steps that talk to a process (tar, sync tools). */
export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles when the process exits; never rejects (a lost connection gives exitCode null). */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** Sends a signal (default SIGTERM). Over SSH this is best effort, then the channel is closed. */
  kill(signal?: NodeJS.Signals): void;
}

/** A TCP service on the runner made reachable from a node. */
export interface ExposedPort extends Disposable {
  /** `host:port` that programs on the node dial. */
  readonly address: string;
}

/**
 * How lockstep reaches one node. One transport per node for the whole run: `local` spawns child
 * processes, `ssh` multiplexes channels over one connection.
 */
export interface Transport extends Disposable {
  readonly kind: 'local' | 'ssh';
  readonly node: NodeSpec;
  /** Opens the connection. Throws a `ConnectionError` that names the node, address and reason. */
  connect(signal?: AbortSignal): Promise<void>;
  /** Runs a shell command (`sh -c`) to completion. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Starts a shell command with its streams open. */
  spawn(command: string, options?: Omit<ExecOptions, 'stdin' | 'onLine'>): RemoteProcess;
  /**
   * Makes a TCP port on the runner's loopback reachable from the node: over SSH a reverse forward
   * to a loopback port on the node; locally the same address.
   */
  expose(localPort: number): Promise<ExposedPort>;
  /** Fires once when the connection drops unexpectedly (not on dispose). */
  readonly onDidDisconnect: Event<Error>;
}
