import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/**
 * PIDs of every descendant of a process, found through /proc (sshd forks a child per
 * connection; killing only the listener would leave live sessions behind).
 *
 * @param pid the ancestor
 * @returns descendant PIDs, children before grandchildren
 */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name, which is parenthesised and may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === current) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/**
 * Tells whether a process is alive (a zombie counts as gone).
 *
 * @param pid the process
 * @returns true while it runs or is stopped
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Sends a signal, ignoring processes that are already gone.
 *
 * @param pid the process
 * @param signal the signal
 */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Finds a free TCP port on 127.0.0.1 by binding port 0 and releasing it.
 *
 * @returns the port
 */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Waits until a TCP port on 127.0.0.1 accepts connections and sends something (sshd's banner).
 *
 * @param port the port
 * @param timeoutMs how long to try
 * @param gone returns a reason when the server process died, to stop waiting early
 * @throws {Error} on timeout or when `gone` reports the process died
 */
export async function waitForBanner(port: number, timeoutMs: number, gone: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = gone();
    if (dead !== undefined) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (value: boolean) => {
        socket.destroy();
        resolve(value);
      };
      socket.once('data', () => done(true));
      socket.once('error', () => done(false));
      socket.setTimeout(1000, () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * PIDs of processes started through an sshd on `port`, found by the `SSH_CONNECTION` variable sshd
 * puts in their environment. Commands outlive a dropped connection (no pty, no hangup), so the
 * harness looks for them this way when it stops a node.
 *
 * @param port the sshd's port
 * @returns matching PIDs
 */
export function sessionProcesses(port: number): number[] {
  const suffix = ` 127.0.0.1 ${port}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const vars = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (vars.some((v) => v.startsWith('SSH_CONNECTION=') && v.endsWith(suffix))) found.push(Number(entry));
    } catch {
      // exited, or not ours to read
    }
  }
  return found;
}

/**
 * The command name of a process (`/proc/<pid>/comm`).
 *
 * @param pid the process
 * @returns its name, or undefined when it is gone
 */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
