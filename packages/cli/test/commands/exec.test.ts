import { mkdtemp, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-cli-exec-'));
  await copyFile(join(fixtures, 'inventory.yml'), join(work, 'inventory.yml'));
  await copyFile(join(fixtures, 'local.yml'), join(work, 'local.yml'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('lockstep exec', () => {
  it('runs the command on the selected nodes, each whole line prefixed with its node', async () => {
    const { exitCode, stdout, stderr } = await runCli(
      ['exec', '--inventory', 'inventory.yml', '--nodes', 'ab', '--', 'for i in 1 2 3; do echo "$LOCKSTEP_NODE-$i"; done; echo "to stderr" >&2'],
      { cwd: work },
    );
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const lines = stdout.split('\n');
    const output = lines.filter((l) => / \| /.test(l));
    // Whatever the interleaving between nodes, every line is whole and carries its node.
    for (const line of output) expect(line).toMatch(/^(a|b) \| (\S+-\d|to stderr)$/);
    expect(output.filter((l) => l.startsWith('a | '))).toHaveLength(4);
    expect(output.filter((l) => l.startsWith('b | '))).toHaveLength(4);
    expect(output.some((l) => l.startsWith('c | '))).toBe(false);
    expect(lines.some((l) => /^\[exec\] a: .* ok \(.*\) - exit 0$/.test(l))).toBe(true);
    expect(lines).toContain('node  ok  failed  skipped  status');
  });

  it('exits with 1 when the command fails on a node, with the exit code in the summary', async () => {
    const { exitCode, stdout } = await runCli(
      ['exec', '--playbook', 'local.yml', '--nodes', 'a,b', '--', 'test "$(basename "$PWD")" = a || exit 7'],
      { cwd: work },
    );
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/^\[exec\] b: .* failed \(.*\) - exit 7: LS4001 exit 7/m);
    expect(stdout).toMatch(/^b +0 +1 +0 +failed +LS4001 exit 7/m);
  });

  it('prints NDJSON with --json', async () => {
    const { exitCode, stdout } = await runCli(['exec', '-i', 'inventory.yml', '--nodes', 'c', '--json', '--', 'echo', 'hi'], { cwd: work });
    expect(exitCode).toBe(0);
    const events = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'run:start', nodes: ['c'], phases: ['exec'] });
    expect(events.find((e) => e.type === 'step:output')).toMatchObject({ step: { node: 'c' }, line: 'hi' });
    expect(events.at(-1)).toMatchObject({ type: 'run:end', status: 'ok' });
  });

  it('needs exactly one of --inventory and --playbook', async () => {
    const neither = await runCli(['exec', '--nodes', 'a', '--', 'true'], { cwd: work });
    expect(neither.exitCode).toBe(2);
    const both = await runCli(['exec', '-i', 'inventory.yml', '-p', 'local.yml', '--nodes', 'a', '--', 'true'], { cwd: work });
    expect(both.exitCode).toBe(2);
  });

  it('names an unknown node with exit code 2', async () => {
    const { exitCode, stderr } = await runCli(['exec', '-i', 'inventory.yml', '--nodes', 'zz', '--', 'true'], { cwd: work });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^LS1005 .*zz/);
  });
});
