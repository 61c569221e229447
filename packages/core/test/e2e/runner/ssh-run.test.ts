import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSshdNodes, type SshdCluster } from '../../../../testing/src/sshd/index.js';
import { ofType, phase, playbook, run, step } from '../../runner/fixtures/harness.js';

let cluster: SshdCluster;
let scratch: string;

beforeAll(async () => {
  cluster = await startSshdNodes({ count: 2 });
  scratch = mkdtempSync(join(tmpdir(), 'lockstep-runner-ssh-'));
});

afterAll(async () => {
  await cluster?.stopAll();
  rmSync(scratch, { recursive: true, force: true });
});

it('runs steps over ssh with the coordinator reachable from the node', async () => {
  // A script on the node dials LOCKSTEP_COORDINATOR, which the runner forwards over the node's ssh connection.
  const dial = 'h=${LOCKSTEP_COORDINATOR%:*}; p=${LOCKSTEP_COORDINATOR##*:}; exec 3<>/dev/tcp/$h/$p && echo reachable';
  const pb = playbook(scratch, cluster.nodes, [phase('p', [step('run', { command: dial, shell: 'bash' }), step('run', 'echo $LOCKSTEP_NODE')])]);
  const { result, events } = await run(pb);
  expect(result.status).toBe('ok');
  const lines = (node: string) => ofType(events, 'step:output').filter((e) => e.step.node === node).map((e) => e.line);
  expect(lines('node1')).toEqual(['reachable', 'node1']);
  expect(lines('node2')).toEqual(['reachable', 'node2']);
});

it('fails a node whose connection drops with a ConnectionError naming it; the others finish', async () => {
  const pidFile = join(scratch, 'node1.pid');
  const doneFile = join(scratch, 'node2.done');
  const pb = playbook(scratch, cluster.nodes, [
    phase('p', [
      step('run', `if [ "$LOCKSTEP_NODE" = node1 ]; then echo $$ > ${pidFile}; exec sleep 30; fi; until [ -e ${pidFile}.dropped ]; do sleep 0.05; done; touch ${doneFile}`),
    ]),
  ]);
  // Once node1's command runs, kill its sshd (and sessions); node2 goes on only after that.
  let dropping = false;
  const poll = setInterval(() => {
    if (dropping || !existsSync(pidFile)) return;
    dropping = true;
    void cluster.stop('node1').then(() => writeFileSync(`${pidFile}.dropped`, ''));
  }, 20);
  try {
    const { result, events } = await run(pb);
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    const end = ofType(events, 'step:end').find((e) => e.step.node === 'node1');
    expect(end).toMatchObject({ status: 'failed', error: { code: 'LS3004' } });
    expect(end?.error?.message).toContain('node1');
    expect(existsSync(doneFile)).toBe(true);
    expect(result.summary.nodes.map((n) => n.status)).toEqual(['failed', 'ok']);
  } finally {
    clearInterval(poll);
    await cluster.startAgain('node1');
  }
});
