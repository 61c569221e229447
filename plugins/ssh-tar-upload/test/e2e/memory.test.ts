import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSshdNodes, type SshdCluster } from '@lockstep/testing';

// Needs the plugin built (`yarn build`): the child process imports dist, not the sources.
const child = fileURLToPath(new URL('./fixtures/upload-child.mjs', import.meta.url));
let cluster: SshdCluster;
let work: string;

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 4 });
  work = mkdtempSync(join(tmpdir(), 'tar-upload-memory-'));
});
afterAll(async () => {
  await cluster?.stopAll();
  rmSync(work, { recursive: true, force: true });
});

it('streams a 300 MB file to 4 nodes with the runner under 150 MB of memory', { timeout: 600_000 }, async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  execFileSync('dd', ['if=/dev/urandom', `of=${join(src, 'big.bin')}`, 'bs=1M', 'count=300', 'status=none']);
  const destOf = Object.fromEntries(cluster.nodes.map((node) => [node.name, join(work, 'dest', node.name)]));
  const config = { specs: cluster.nodes, src, destOf };
  const { stdout } = await promisify(execFile)(process.execPath, [child, JSON.stringify(config)], { maxBuffer: 1 << 20 });
  const outcome = JSON.parse(stdout) as { statuses: string[]; maxRssMb: number; wallMs: number };
  console.log(`300 MB to 4 nodes: ${outcome.wallMs} ms, runner peak RSS ${outcome.maxRssMb} MB`);
  expect(outcome.statuses).toEqual(['ok', 'ok', 'ok', 'ok']);
  expect(outcome.maxRssMb).toBeLessThan(150);
  const size = statSync(join(src, 'big.bin')).size;
  for (const dest of Object.values(destOf)) expect(statSync(join(dest, 'big.bin')).size).toBe(size);
  expect(readFileSync(join(destOf.node4!, 'big.bin')).subarray(0, 4096).equals(readFileSync(join(src, 'big.bin')).subarray(0, 4096))).toBe(true);
});
