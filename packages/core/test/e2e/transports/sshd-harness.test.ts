import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlaybookText } from '../../../src/playbook/load-playbook.js';
import { createTransport } from '../../../src/transports/create-transport.js';
import { isRunning, sshdNodesYaml, startSshdNodes, type SshdCluster } from '../../../../testing/src/sshd/index.js';

let cluster: SshdCluster;
beforeAll(async () => {
  cluster = await startSshdNodes({ count: 2, namePrefix: 'h' });
});
afterAll(async () => {
  await cluster?.stopAll();
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('sshd harness', () => {
  it('writes a nodes: block that the playbook loader reads back into the same nodes', async () => {
    const text = `name: harness\n${sshdNodesYaml(cluster.nodes)}phases:\n  - name: p\n    steps:\n      - run: "true"\n`;
    const playbook = await parsePlaybookText(text, 'harness.yml', {
      catalog: async () => ({ steps: new Map([['run', { contribution: { type: 'run', description: 'run' }, plugin: '@lockstep/core' }]]), plugins: [] }),
    });
    expect(playbook.nodes.map(({ loc: _loc, ...node }) => node)).toEqual(cluster.nodes);
    const transport = createTransport(playbook.nodes[1]!);
    try {
      await transport.connect();
      expect((await transport.exec('echo from h2')).stdout).toBe('from h2');
    } finally {
      await transport.dispose();
    }
  });

  it('stops a node by PID and starts it again on the same port', async () => {
    const { pid, port } = cluster.sshd('h1');
    expect(pid).toBeDefined();
    await cluster.stop('h1');
    expect(isRunning(pid!)).toBe(false);
    expect(await accepts(port)).toBe(false);
    await cluster.startAgain('h1');
    expect(cluster.sshd('h1').port).toBe(port);
    expect(await accepts(port)).toBe(true);
  });
});
