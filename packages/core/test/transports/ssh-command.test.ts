import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { remoteCommandLine } from '../../src/transports/ssh-command.js';

// What sshd does with the line: hand it to the login shell as `-c`.
function runAsLoginShell(line: string) {
  return spawnSync('sh', ['-c', line], { encoding: 'utf8' });
}

describe('remoteCommandLine', () => {
  it('reports the PID of the command shell first on stderr, then runs the command with env and cwd', () => {
    const result = runAsLoginShell(remoteCommandLine('echo "$X"; pwd; echo $$ >&2', { env: { X: "a'b" }, cwd: '/tmp' }));
    expect(result.stdout).toBe("a'b\n/tmp\n");
    const [marker, pid] = result.stderr.split('\n');
    expect(marker).toMatch(/^\x1elockstep-pid=\d+$/);
    expect(marker!.split('=')[1]).toBe(pid);
  });

  it('keeps the exit status and lets signals end the command shell itself', () => {
    expect(runAsLoginShell(remoteCommandLine('exit 9', {})).status).toBe(9);
    expect(runAsLoginShell(remoteCommandLine('kill -TERM $$', {})).signal).toBe('SIGTERM');
  });
});
