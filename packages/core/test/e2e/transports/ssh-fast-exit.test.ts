import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSshdNodes, type SshdCluster } from '../../../../testing/src/sshd/index.js';
import { createTransport } from '../../../src/transports/create-transport.js';
import type { Transport } from '../../../src/transports/transport.js';

// With a fast remote shell, a command's exec success, exit status and channel close reach the
// runner in one TCP read; an exit status handled a tick late was once lost (`exit code null`).
// The harness gives sessions an empty HOME, so no ~/.bashrc slows the shell down and hides that.
let cluster: SshdCluster;
let work: string;
const transports: Transport[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lockstep-fast-exit-'));
  cluster = await startSshdNodes({ count: 3, baseDir: work });
});
afterAll(async () => {
  for (const transport of transports) await transport.dispose();
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

it('reports the exit status of commands that end at once, every time, on several nodes at the same time', async () => {
  for (const node of cluster.nodes) {
    const transport = createTransport(node);
    await transport.connect();
    transports.push(transport);
  }
  const rounds = await Promise.all(
    transports.map(async (transport) => {
      const codes: Array<number | null> = [];
      for (let i = 0; i < 60; i++) codes.push((await transport.exec(`exit ${i % 3}`)).exitCode);
      return codes;
    }),
  );
  const expected = Array.from({ length: 60 }, (_, i) => i % 3);
  for (const codes of rounds) expect(codes).toEqual(expected);
});

it('reports the exit status of a spawned command that ends at once', async () => {
  const transport = transports[0]!;
  for (let i = 0; i < 20; i++) {
    const child = transport.spawn('exit 4');
    child.stdin.end();
    child.stdout.resume();
    child.stderr.resume();
    expect(await child.exited).toEqual({ exitCode: 4, signal: null });
  }
});
