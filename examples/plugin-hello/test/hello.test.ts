import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readPluginManifest } from '@lockstep/core';
import { createFakePluginContext, runPlaybook, runStep } from '@lockstep/testing';
import { afterAll, describe, expect, it } from 'vitest';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));

afterAll(async () => {
  // The playbook's local nodes work under .lockstep/ next to it.
  await rm(new URL('../.lockstep', import.meta.url), { recursive: true, force: true });
});

describe('hello', () => {
  it('greets from each node', async () => {
    const { result, output } = await runStep('hello', { greeting: 'hi' }, { plugins: [pluginDir], nodes: 2 });
    expect(result.exitCode).toBe(0);
    expect(output('node1')).toEqual(['hi from node1']);
    expect(output('node2')).toEqual(['hi from node2']);
  });

  it('says hello by default, and can shout', async () => {
    expect((await runStep('hello', null, { plugins: [pluginDir] })).output()).toEqual(['hello from node1']);
    expect((await runStep('hello', { shout: true }, { plugins: [pluginDir] })).output()).toEqual(['HELLO from node1']);
  });

  it('rejects arguments its schema does not allow', async () => {
    const { result, events } = await runStep('hello', { greting: 'typo' }, { plugins: [pluginDir] });
    expect(result.exitCode).toBe(1);
    const end = events.find((event) => event.type === 'step:end');
    expect(end?.type === 'step:end' && end.error?.message).toContain('did you mean "greeting"');
  });

  it('runs the example playbook, which loads the plugin by path', async () => {
    const { result, output } = await runPlaybook(fileURLToPath(new URL('../playbook.yml', import.meta.url)));
    expect(result.status).toBe('ok');
    expect(output('left')).toEqual(['good morning from left', 'HI LEFT from left']);
    expect(output('right')).toEqual(['good morning from right', 'HI RIGHT from right']);
  });

  it('plans without running in a dry run', async () => {
    const { events } = await runStep('hello', { greeting: 'hey' }, { plugins: [pluginDir], dryRun: true });
    expect(events.find((event) => event.type === 'step:plan')).toMatchObject({ description: 'would say "hey" on node1' });
  });

  it('releases everything it registers', async () => {
    const plugin = await import('../index.js');
    const context = createFakePluginContext(await readPluginManifest(pluginDir));
    plugin.activate(context);
    expect([...context.steps.keys()]).toEqual(['hello']);
    await context.deactivate(plugin);
    context.assertDisposed();
  });
});
