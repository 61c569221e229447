import { fileURLToPath } from 'node:url';
import { playbookScratch, sshdNodesYaml, startSshdNodes, type SshdCluster } from '@lockstep/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const scratch = playbookScratch({ plugins: [fileURLToPath(new URL('../../', import.meta.url))] });
let cluster: SshdCluster;
beforeAll(async () => {
  cluster = await startSshdNodes({ count: 3 });
  await scratch.create();
});
afterAll(async () => {
  await cluster?.stopAll();
  await scratch.remove();
});

it('speaks the sync protocol with tools on three SSH nodes: preamble, SYNC broadcast, BARRIER and SEM answers', async () => {
  const preamble = scratch.path('preamble');
  const syncs = scratch.path('syncs');
  const answers = scratch.path('answers');
  const result = await scratch.run(`
name: sync over ssh
${sshdNodesYaml(cluster.nodes)}
phases:
  - name: sync
    steps:
      - sync-protocol: { command: 'sh ${fixture('record-preamble.sh')} ${preamble}', prefix: "S:1" }
      - sync-protocol: { command: 'sh ${fixture('sync-all.sh')} ${syncs}', prefix: "S:2" }
      - sync-protocol: { command: 'sh ${fixture('primitives.sh')} ${answers}', prefix: "S:3" }
`);
  expect(result.exitCode).toBe(0);
  const names = cluster.nodes.map((node) => node.name);
  for (const node of names) {
    expect(await scratch.lines(`preamble.${node}`)).toEqual([
      'S:1 HELLO',
      ...names.map((name) => `S:1 NODE ${name}${name === node ? ' CURRENT' : ''}`),
      'S:1 START',
      'prefix from env: S:1',
    ]);
    expect((await scratch.lines(`syncs.${node}`)).sort()).toEqual(names.map((name) => `S:2 SYNC ${name} hello from ${name}`));
    const [barrier, sem] = await scratch.lines(`answers.${node}`);
    expect(barrier).toBe('S:3 BARRIER met OK 1');
    expect(sem).toMatch(/^S:3 SEM tokens OK [123]$/);
  }
});
