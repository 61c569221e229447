import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { journal, makePlugin, resetJournal } from '../plugins/fixtures/make-plugin.js';
import { alive, ofType, phase, playbook, run, step, useLocalClusters } from './fixtures/harness.js';

beforeEach(() => resetJournal());
const cluster = useLocalClusters();

const lifecycle = {
  engine: '^0.1.0',
  contributes: {
    steps: [
      { type: 'hold', description: 'holds something for the rest of the run' },
      { type: 'wait-abort', description: 'waits until aborted' },
      { type: 'give-up', description: 'aborts the run once a file exists', schema: { type: 'object', properties: { after: { type: 'string' } } } },
      { type: 'count', description: 'uses the node coordinator session', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    ],
  },
};

const lifecycleCode = `
const log = (globalThis.__lockstepJournal ??= []);
export function activate(context) {
  context.subscriptions.push(context.registerStep('hold', async (args, ctx) => {
    ctx.run.subscriptions.push({ dispose: async () => { log.push('run subscription of ' + ctx.node.name); } });
    return { summary: 'held' };
  }));
  context.subscriptions.push(context.registerStep('wait-abort', async (args, ctx) => {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    log.push('step saw abort on ' + ctx.node.name);
    throw ctx.signal.reason;
  }));
  context.subscriptions.push(context.registerStep('give-up', async (args, ctx) => {
    const { existsSync } = await import('node:fs');
    while (!existsSync(args.after)) await new Promise((resolve) => setTimeout(resolve, 20));
    ctx.run.abort(new Error('heartbeat lost'));
  }));
  context.subscriptions.push(context.registerStep('count', async (args, ctx) => {
    const value = await ctx.coordinator.semaphore(args.name, 1);
    return { summary: 'value ' + value };
  }));
  context.subscriptions.push({ dispose: () => { log.push('plugin subscription 1'); } });
  context.subscriptions.push({ dispose: async () => { log.push('plugin subscription 2'); } });
}
export function deactivate() { log.push('deactivate'); }
`;

async function lifecyclePlugin(dir: string): Promise<string> {
  return makePlugin(join(dir, 'lifecycle-plugin'), { name: 'lifecycle', lockstep: lifecycle, code: lifecycleCode });
}

describe('disposables', () => {
  it('releases run and plugin subscriptions in reverse at the end of a successful run', async () => {
    const { dir, nodes } = await cluster(1);
    const plugin = await lifecyclePlugin(dir);
    const { result } = await run(playbook(dir, nodes, [phase('p', [step('hold', null)])]), { dirs: [plugin] });
    expect(result.status).toBe('ok');
    expect(journal()).toEqual(['run subscription of node1', 'plugin subscription 2', 'plugin subscription 1', 'deactivate']);
  });

  it('releases them when a node failed', async () => {
    const { dir, nodes } = await cluster(1);
    const plugin = await lifecyclePlugin(dir);
    const { result } = await run(playbook(dir, nodes, [phase('p', [step('hold', null), step('run', 'exit 1')])]), { dirs: [plugin] });
    expect(result.status).toBe('failed');
    expect(journal()).toEqual(['run subscription of node1', 'plugin subscription 2', 'plugin subscription 1', 'deactivate']);
  });

  it('on interrupt, kills the running child, aborts steps, then releases everything (exit 130)', async () => {
    const { dir, nodes } = await cluster(2);
    const plugin = await lifecyclePlugin(dir);
    const pb = playbook(dir, nodes, [
      phase('p', [step('hold', null), step('run', 'echo $$ > pid; exec sleep 30', { when: "node.name == 'node1'" }), step('wait-abort', null)]),
      phase('never', [step('run', 'touch never')]),
    ]);
    const controller = new AbortController();
    const pidFile = join(nodes[0]!.workdir!, 'pid');
    const poll = setInterval(() => {
      if (existsSync(pidFile) && journal().length === 0) controller.abort();
    }, 20);
    try {
      const { result, events } = await run(pb, { dirs: [plugin], signal: controller.signal });
      expect(result).toMatchObject({ status: 'interrupted', exitCode: 130, error: { code: 'LS4003' } });
      expect(events.at(-1)).toMatchObject({ type: 'run:end', status: 'interrupted' });
      expect(events.some((e) => e.type === 'phase:start' && e.phase === 'never')).toBe(false);
      expect(ofType(events, 'step:end').filter((e) => e.status === 'cancelled').map((e) => `${e.step.node}:${e.step.type}`).sort()).toEqual([
        'node1:run',
        'node2:wait-abort',
      ]);
    } finally {
      clearInterval(poll);
    }
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(journal()).toEqual([
      'step saw abort on node2',
      // run subscriptions: last pushed first (node order depends on timing)
      expect.stringMatching(/^run subscription of node[12]$/),
      expect.stringMatching(/^run subscription of node[12]$/),
      'plugin subscription 2',
      'plugin subscription 1',
      'deactivate',
    ]);
  });

  it('is interrupted before anything starts when the signal is already aborted', async () => {
    const { dir, nodes } = await cluster(1);
    const { result, events } = await run(playbook(dir, nodes, [phase('p', [step('run', 'touch x')])]), { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ status: 'interrupted', exitCode: 130 });
    expect(existsSync(join(nodes[0]!.workdir!, 'x'))).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['run:start', 'run:end']);
  });
});

describe('run.abort()', () => {
  it('ends the run from a step: running steps elsewhere are cancelled and their processes killed', async () => {
    const { dir, nodes } = await cluster(2);
    const plugin = await lifecyclePlugin(dir);
    const pidFile = join(nodes[1]!.workdir!, 'pid');
    const pb = playbook(dir, nodes, [
      phase('p', [
        step('give-up', { after: pidFile }, { when: "node.name == 'node1'" }),
        step('run', 'echo $$ > pid; exec sleep 30', { when: "node.name == 'node2'" }),
      ]),
    ]);
    const { result, events } = await run(pb, { dirs: [plugin] });
    expect(result).toMatchObject({ status: 'failed', exitCode: 1, error: { message: 'heartbeat lost' } });
    expect(ofType(events, 'step:end').find((e) => e.step.node === 'node2' && e.step.type === 'run')?.status).toBe('cancelled');
    expect(alive(Number(await readFile(pidFile, 'utf8')))).toBe(false);
  });
});

describe('plugins in a run', () => {
  it('names a plugin whose activate() throws, fails its steps, and lets other steps run', async () => {
    const { dir, nodes } = await cluster(1);
    const bad = await makePlugin(join(dir, 'bad'), {
      name: 'bad-plugin',
      lockstep: { engine: '^0.1.0', contributes: { steps: [{ type: 'bad', description: 'x' }] } },
      code: `export function activate() { throw new Error('no luck'); }`,
    });
    const pb = playbook(dir, nodes, [phase('p', [step('run', 'touch before'), step('bad', null, { ignoreErrors: true }), step('run', 'touch after')])]);
    const { result, events } = await run(pb, { dirs: [bad] });
    expect(result.status).toBe('ok');
    const end = ofType(events, 'step:end')[1];
    expect(end).toMatchObject({ status: 'ignored', error: { code: 'LS2003', message: 'plugin bad-plugin: activate() threw: no luck' } });
    expect(existsSync(join(nodes[0]!.workdir!, 'after'))).toBe(true);
  });

  it('gives each node its own coordinator session on the run coordinator', async () => {
    const { dir, nodes } = await cluster(3);
    const plugin = await lifecyclePlugin(dir);
    const { result, events } = await run(playbook(dir, nodes, [phase('p', [step('count', { name: 'visits' })])]), { dirs: [plugin] });
    expect(result.status).toBe('ok');
    expect(ofType(events, 'step:end').map((e) => e.summary).sort()).toEqual(['value 1', 'value 2', 'value 3']);
  });

  it('fails a step whose rendered arguments do not fit its schema', async () => {
    const { dir, nodes } = await cluster(1);
    const plugin = await lifecyclePlugin(dir);
    const { result, events } = await run(playbook(dir, nodes, [phase('p', [step('count', { name: 42 })])]), { dirs: [plugin] });
    expect(result.status).toBe('failed');
    expect(ofType(events, 'step:end')[0]?.error?.message).toContain('invalid arguments for step "count" on node node1');
  });
});

describe('dry run', () => {
  it('connects to nothing, runs nothing, and plans every step on every node', async () => {
    const { dir, nodes } = await cluster(2, { create: false });
    const plugin = await lifecyclePlugin(dir);
    const pb = playbook(dir, nodes, [
      phase('p', [step('run', 'touch ${{ node.name }}.txt'), step('count', { name: 'n' }), step('run', 'touch x', { when: "node.name == 'node1'" })]),
    ]);
    const { result, events } = await run(pb, { dirs: [plugin], dryRun: true });
    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(events[0]).toMatchObject({ type: 'run:start', dryRun: true });
    const plans = (node: string) => ofType(events, 'step:plan').filter((e) => e.step.node === node).map((e) => e.description);
    expect(plans('node1')).toEqual(['run "touch node1.txt"', 'count {"name":"n"}', 'run "touch x"']);
    expect(plans('node2')).toEqual(['run "touch node2.txt"', 'count {"name":"n"}']);
    expect(events.some((e) => e.type === 'step:start')).toBe(false);
    for (const node of nodes) expect(existsSync(node.workdir!)).toBe(false);
    expect(existsSync(join(dir, '.lockstep'))).toBe(false);
  });
});

