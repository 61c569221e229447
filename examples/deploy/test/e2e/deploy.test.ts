import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@lockstep/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../start-nodes.mjs', import.meta.url));
let nodes: ChildProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockstep-deploy-example-'));
  nodes = spawn(process.execPath, [script, '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    nodes.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready:') && resolve());
    nodes.once('exit', (code) => reject(new Error(`start-nodes.mjs exited with ${code}`)));
  });
});
afterAll(async () => {
  if (nodes?.exitCode === null) {
    const exited = new Promise((resolve) => nodes.once('exit', resolve));
    process.kill(nodes.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

it('locks three sshd nodes, uploads the site once to all, and switches every node only after all staged', async () => {
  const out = join(dir, 'out');
  const { exitCode, stdout } = await runCli(['run', join(dir, 'playbook.yml'), '--plain', '--vars', `out=${out}`]);
  expect(exitCode, stdout).toBe(0);
  for (const node of ['web1', 'web2', 'web3']) {
    const current = readlinkSync(join(out, node, 'current'));
    expect(readFileSync(join(current, 'index.html'), 'utf8')).toContain('Hello from every node at once');
    expect(readFileSync(join(current, 'css', 'site.css'), 'utf8')).toContain('sans-serif');
  }
  // Every tool staged before any switched: the SYNC broadcast held them back.
  const lines = stdout.split('\n');
  const lastStaged = Math.max(...['web1', 'web2', 'web3'].map((n) => lines.findIndex((l) => l.includes(`${n} staged`))));
  const firstSwitched = Math.min(...['web1', 'web2', 'web3'].map((n) => lines.findIndex((l) => l.includes(`${n} switched`))));
  expect(lastStaged).toBeGreaterThan(-1);
  expect(firstSwitched).toBeGreaterThan(lastStaged);

  // The same nodes, orgalorg-style: hold the lock file the playbook uses and see a second run refused.
  const sshArgs = readFileSync(join(dir, 'ssh-args'), 'utf8').trim().split(' ');
  const upload = await runCli(['sync', '-o', join(dir, 'hosts.txt'), ...sshArgs, '-y', '-U', '-r', join(out, 'plain'), '-e', '--', 'index.html'], {
    cwd: fileURLToPath(new URL('../../site', import.meta.url)),
  });
  expect(upload.exitCode, upload.stderr).toBe(0);
  expect(readFileSync(join(out, 'plain', 'index.html'), 'utf8')).toContain('Hello');
});
