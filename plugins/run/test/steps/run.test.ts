import { fileURLToPath } from 'node:url';
import { readPluginManifest } from '@lockstep/core';
import { createFakePluginContext, createLocalCluster, runStep } from '@lockstep/testing';
import { describe, expect, it } from 'vitest';
import * as plugin from '../../src/index.js';

const pluginDir = fileURLToPath(new URL('../..', import.meta.url));

describe('run', () => {
  it('runs the command on every node, streaming its output', async () => {
    const { result, output, events } = await runStep('run', 'echo "hi from $LOCKSTEP_NODE"; echo second', { plugins: [pluginDir], nodes: 2 });
    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(output('node1')).toEqual(['hi from node1', 'second']);
    expect(output('node2')).toEqual(['hi from node2', 'second']);
    const end = events.find((e) => e.type === 'step:end');
    expect(end).toMatchObject({ status: 'ok' });
  });

  it('fails with the exit code and the tail of stderr', async () => {
    const { result, events } = await runStep('run', 'echo "disk full" >&2; exit 2', { plugins: [pluginDir] });
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    const end = events.find((e) => e.type === 'step:end');
    expect(end).toMatchObject({ status: 'failed', error: { code: 'LS4001' } });
    const message = end?.type === 'step:end' ? end.error?.message : '';
    expect(message).toBe('step "run/0:run" on node1 (localhost): exit code 2: echo "disk full" >&2; exit 2\ndisk full');
  });

  it('takes a working directory and a shell in the long form', async () => {
    const cluster = await createLocalCluster(1);
    try {
      const { result, output } = await runStep('run', { command: 'mkdir -p sub && cd sub && echo "$0 in $(basename $PWD)"', shell: 'bash' }, {
        plugins: [pluginDir],
        nodes: cluster,
      });
      expect(result.status).toBe('ok');
      expect(output()).toEqual(['bash in sub']);
      const again = await runStep('run', { command: 'basename $PWD', cwd: 'sub' }, { plugins: [pluginDir], nodes: cluster });
      expect(again.output()).toEqual(['sub']);
    } finally {
      await cluster.cleanup();
    }
  });

  it('refuses arguments that are neither a command nor {command, cwd?, shell?}', async () => {
    const { result, events } = await runStep('run', { cmd: 'ls' }, { plugins: [pluginDir] });
    expect(result.status).toBe('failed');
    const end = events.find((e) => e.type === 'step:end');
    expect(end?.type === 'step:end' && end.error?.message).toContain('invalid arguments for step "run"');
  });

  it('describes the command in a dry run', async () => {
    const { events } = await runStep('run', { command: 'make', cwd: 'app' }, { plugins: [pluginDir], dryRun: true });
    expect(events.find((e) => e.type === 'step:plan')).toMatchObject({ description: 'run "make" in app' });
  });
});

describe('activate/deactivate', () => {
  it('registers `run` and releases it on deactivate', async () => {
    const context = createFakePluginContext(await readPluginManifest(pluginDir));
    plugin.activate(context);
    expect([...context.steps.keys()]).toEqual(['run']);
    await context.deactivate(plugin);
    expect(context.steps.size).toBe(0);
    context.assertDisposed();
  });

  it('the fake context catches a registration that is never disposed', async () => {
    const context = createFakePluginContext(await readPluginManifest(pluginDir));
    context.registerStep('run', async () => {});
    await context.deactivate();
    expect(() => context.assertDisposed()).toThrow('registerStep("run") was never disposed');
    expect(() => context.registerStep('other', async () => {})).toThrow('does not contribute step "other"');
  });
});
