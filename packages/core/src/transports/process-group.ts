import { readdirSync, readFileSync } from 'node:fs';

/*
 * Local commands run as the leaders of their own process groups (execa's `detached`), so that
 * aborting `sh -c 'a | b; c'` reaches every process the shell started, not only the shell:
 * orphans would otherwise keep running after the step was cancelled.
 */

/**
 * Sends a signal to every process in a group.
 *
 * @param pgid the group id (the leader's PID)
 * @param signal signal name
 * @returns false when the group no longer exists
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Tells whether any process of a group is still alive.
 *
 * @param pgid the group id
 * @returns true while the group has members
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill(-pgid, 0) also succeeds for zombies, which an init that reaps slowly keeps around for a
  // while; on Linux, look for a member that is not one.
  if (process.platform !== 'linux') return true;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readProcStat(entry);
      if (stat === undefined) continue;
      // After the parenthesised command name: state, ppid, pgrp, …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    }
    return false;
  } catch {
    return true;
  }
}

function readProcStat(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * Ends a process group: SIGTERM, then SIGKILL when it outlives `graceMs`.
 *
 * @param pgid the group id
 * @param graceMs how long the group may take to exit after SIGTERM
 * @returns when the group is gone, or right after SIGKILL was sent
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}
