import { shellQuote } from '@lockstep/core';

/** Lines the holder script prints, so that the runner can tell its states apart from noise. */
export const HolderMarks = {
  locked: 'LOCKSTEP-FLOCK LOCKED',
  busy: 'LOCKSTEP-FLOCK BUSY',
  shared: 'LOCKSTEP-FLOCK SHARED',
  holder: 'LOCKSTEP-FLOCK HOLDER ',
  pong: 'LOCKSTEP-FLOCK PONG ',
} as const;

/** Exit code flock(1) is told to use when the lock is taken by someone else (EX_TEMPFAIL). */
export const BUSY_EXIT_CODE = 75;

/**
 * The shell script that takes and keeps the lock on a node. `flock(1)` opens the path (a file
 * is created if missing; a directory is opened read-only), takes the lock and runs a small loop
 * that answers each line on stdin with a pong. `-o` closes the lock's descriptor in the loop, so
 * the lock belongs to the flock process alone: when stdin closes (release, or the SSH channel
 * dropped) the loop ends, flock exits and the kernel frees the lock. No state is left behind.
 *
 * When the lock is busy and this run itself holds it (another node on the same machine or
 * filesystem), the script says so and exits: the lock is shared, not refused. Otherwise it
 * waits (`-w`) if told to, and when still busy lists the holders from /proc/locks (matching the path's
 * inode) and describes each from its environment (`LOCKSTEP_LOCK_OWNER`, set by lockstep) or
 * its command line.
 *
 * @param path the file or directory to lock
 * @param owner how this run describes itself to a loser: run id, runner host, pid
 * @param waitMs how long to wait for a busy lock; 0 fails at once
 * @returns the script, to run with `sh -c`
 */
export function holderScript(path: string, owner: string, waitMs: number): string {
  const loop = `echo '${HolderMarks.locked}'; while read -r line; do echo "${HolderMarks.pong}$line"; done`;
  return [
    `p=${shellQuote(path)}`,
    `owner=${shellQuote(owner)}`,
    `command -v flock >/dev/null 2>&1 || { echo 'flock(1) is not installed on this node' >&2; exit 127; }`,
    `take() { LOCKSTEP_LOCK_OWNER="$owner" flock "$@" -E ${BUSY_EXIT_CODE} -o "$p" sh -c ${shellQuote(loop)}; }`,
    'holders() {',
    '  ino=$(stat -L -c %i "$p" 2>/dev/null)',
    `  for pid in $(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == ino) print $5 }' /proc/locks 2>/dev/null); do`,
    `    o=$(tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | sed -n 's/^LOCKSTEP_LOCK_OWNER=//p')`,
    `    [ -n "$o" ] || o="pid $pid of $(stat -c %U /proc/$pid 2>/dev/null): $(tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"`,
    '    printf "%s\\n" "$o"',
    '  done',
    '}',
    'take -n; rc=$?',
    `if [ "$rc" -eq ${BUSY_EXIT_CODE} ]; then`,
    '  h=$(holders)',
    // Nodes that share a machine (or a filesystem) share the lock: held by this very run is fine.
    `  if [ -n "$h" ] && [ -z "$(printf '%s\\n' "$h" | grep -vxF -e "$owner")" ]; then echo '${HolderMarks.shared}'; exit 0; fi`,
    ...(waitMs > 0 ? [`  take -w ${(waitMs / 1000).toFixed(3)}; rc=$?`, `  [ "$rc" -eq ${BUSY_EXIT_CODE} ] && h=$(holders)`] : []),
    `  if [ "$rc" -eq ${BUSY_EXIT_CODE} ]; then echo '${HolderMarks.busy}'; printf '%s\\n' "$h" | sed 's/^/${HolderMarks.holder}/'; fi`,
    'fi',
    'exit "$rc"',
  ].join('\n');
}
