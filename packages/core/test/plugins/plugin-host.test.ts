import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PluginError } from '../../src/errors/plugin-error.js';
import { PluginHost } from '../../src/plugins/plugin-host.js';
import { journal, journalingPlugin, makePlugin, resetJournal } from './fixtures/make-plugin.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lockstep-host-'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'ws', private: true, workspaces: ['plugins/*'] }));
  resetJournal();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const steps = (...types: string[]) => ({ engine: '^0.1.0', contributes: { steps: types.map((type) => ({ type, description: `does ${type}` })) } });

describe('discovery', () => {
  it('finds workspace plugins and plugin-named node_modules packages with a lockstep key, from a nested cwd', async () => {
    await makePlugin(join(root, 'plugins/alpha'), { name: 'alpha', lockstep: steps('alpha') });
    await makePlugin(join(root, 'node_modules/lockstep-plugin-beta'), { name: 'beta', lockstep: steps('beta') });
    await makePlugin(join(root, 'node_modules/@scope/lockstep-plugin-gamma'), { name: '@scope/gamma', lockstep: steps('gamma') });
    await makePlugin(join(root, 'node_modules/@lockstep/plugin-delta'), { name: '@lockstep/plugin-delta', lockstep: steps('delta') });
    // Not named like a plugin: its package.json is never read, so it is not listed.
    await makePlugin(join(root, 'node_modules/epsilon'), { name: 'epsilon', lockstep: steps('epsilon') });
    await mkdir(join(root, 'node_modules/lockstep-plugin-not-really'), { recursive: true });
    await writeFile(join(root, 'node_modules/lockstep-plugin-not-really/package.json'), JSON.stringify({ name: 'not-a-plugin' }));
    // A workspace plugin is also linked into node_modules: it is listed once.
    await mkdir(join(root, 'node_modules/@ws'), { recursive: true });
    await symlink(join(root, 'plugins/alpha'), join(root, 'node_modules/@ws/lockstep-plugin-alpha'));
    const nested = join(root, 'deploy/prod');
    await mkdir(nested, { recursive: true });

    const host = await PluginHost.discover({ cwd: nested });

    expect(host.manifests.map((m) => m.name).sort()).toEqual(['@lockstep/plugin-delta', '@scope/gamma', 'alpha', 'beta']);
    expect([...host.catalog().steps.keys()].sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(host.problems).toEqual([]);
  });

  it('reads manifests without importing code: a plugin whose module throws at import is listed', async () => {
    await makePlugin(join(root, 'plugins/broken'), {
      name: 'broken',
      lockstep: steps('broken'),
      code: `globalThis.__lockstepJournal.push('imported broken'); throw new Error('boom at import');`,
    });
    const host = await PluginHost.discover({ cwd: root });
    expect(host.manifests.map((m) => m.name)).toEqual(['broken']);
    expect(host.catalog().steps.get('broken')?.plugin).toBe('broken');
    expect(journal()).toEqual([]);

    const error = await host.activateStep('broken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ code: 'LS2003', plugin: 'broken' });
    expect((error as Error).message).toContain('boom at import');
  });

  it('derives activation events from contributions and keeps explicit ones', async () => {
    await makePlugin(join(root, 'plugins/p'), {
      name: 'p',
      lockstep: {
        engine: '^0.1.0',
        activationEvents: ['onCommand:p extra'],
        contributes: { steps: [{ type: 'p-step', description: 'x' }], commands: [{ path: ['p', 'show'], description: 'y' }] },
      },
    });
    const host = await PluginHost.discover({ cwd: root });
    expect(host.manifests[0]?.activationEvents).toEqual(['onCommand:p extra', 'onStep:p-step', 'onCommand:p show']);
  });

  it('reports an invalid entry with plugin, point and manifest path, skips it, and keeps the rest', async () => {
    const dir = await makePlugin(join(root, 'plugins/mixed'), {
      name: 'mixed',
      lockstep: {
        engine: '^0.1.0',
        contributes: {
          steps: [{ type: 'Not Valid', description: 'x' }, { type: 'good', description: 'fine' }, { type: 'nodesc' }],
          commands: [{ path: [], description: 'empty path' }],
        },
      },
    });
    await makePlugin(join(root, 'plugins/other'), { name: 'other', lockstep: steps('other') });

    const host = await PluginHost.discover({ cwd: root });

    expect(host.manifests.map((m) => m.name).sort()).toEqual(['mixed', 'other']);
    expect([...host.catalog().steps.keys()].sort()).toEqual(['good', 'other']);
    expect(host.problems).toHaveLength(3);
    for (const problem of host.problems) {
      expect(problem).toMatchObject({ code: 'LS2001', plugin: 'mixed', manifestPath: join(dir, 'package.json') });
      expect(problem.message).toContain('mixed');
      expect(problem.message).toContain(join(dir, 'package.json'));
    }
    expect(host.problems.map((p) => p.point)).toEqual(['steps', 'steps', 'commands']);
    expect(host.problems[0]?.message).toContain('contributes.steps[0].type');
    expect(host.problems[1]?.message).toContain('contributes.steps[2]');
  });

  it('skips a plugin whose whole manifest is invalid, and reports it', async () => {
    await makePlugin(join(root, 'plugins/noengine'), { name: 'noengine', lockstep: { contributes: {} } });
    await makePlugin(join(root, 'plugins/ok'), { name: 'ok', lockstep: steps('ok') });
    const host = await PluginHost.discover({ cwd: root });
    expect(host.manifests.map((m) => m.name)).toEqual(['ok']);
    expect(host.problems).toHaveLength(1);
    expect(host.problems[0]).toMatchObject({ code: 'LS2001', plugin: 'noengine' });
    expect(host.problems[0]?.message).toContain('engine');
  });

  it('skips a plugin whose engine range excludes this lockstep (LS2002)', async () => {
    await makePlugin(join(root, 'plugins/future'), { name: 'future', lockstep: { ...steps('future'), engine: '^9.0.0' } });
    await makePlugin(join(root, 'plugins/now'), { name: 'now', lockstep: steps('now') });
    const host = await PluginHost.discover({ cwd: root });
    expect(host.manifests.map((m) => m.name)).toEqual(['now']);
    expect(host.problems).toHaveLength(1);
    expect(host.problems[0]).toMatchObject({ code: 'LS2002', plugin: 'future' });
    expect(host.problems[0]?.message).toMatch(/needs lockstep \^9\.0\.0 but this is lockstep 0\.1\.\d/);
  });

  it('lets the first plugin keep a step type another one also claims', async () => {
    await makePlugin(join(root, 'plugins/a'), { name: 'a', lockstep: steps('shared') });
    await makePlugin(join(root, 'plugins/b'), { name: 'b', lockstep: steps('shared', 'own') });
    const host = await PluginHost.discover({ cwd: root });
    expect(host.catalog().steps.get('shared')?.plugin).toBe('a');
    expect(host.catalog().steps.get('own')?.plugin).toBe('b');
    expect(host.problems[0]?.message).toContain('already contributed by a');
  });

  it('adds plugin dirs by path and refuses a dir without a plugin (LS2005)', async () => {
    const extra = await makePlugin(join(root, 'elsewhere/extra'), { name: 'extra', lockstep: steps('extra') });
    const host = await PluginHost.discover({ cwd: root });
    await host.addPluginDirs([extra]);
    expect(host.catalog().steps.has('extra')).toBe(true);
    await expect(host.addPluginDirs([join(root, 'missing')])).rejects.toMatchObject({ code: 'LS2005' });
  });
});

describe('activation', () => {
  it('imports and activates a plugin only on first use of one of its steps, once', async () => {
    await makePlugin(join(root, 'plugins/one'), { name: 'one', lockstep: steps('one-a', 'one-b'), code: journalingPlugin('one', ['one-a', 'one-b']) });
    await makePlugin(join(root, 'plugins/two'), { name: 'two', lockstep: steps('two'), code: journalingPlugin('two', ['two']) });
    const host = await PluginHost.discover({ cwd: root });
    expect(journal()).toEqual([]);
    expect(host.isActivated('one')).toBe(false);

    const a = await host.activateStep('one-a');
    await host.activateStep('one-b');
    await host.activateStep('one-a');
    await a.handler({ x: 1 }, {} as never);

    expect(journal()).toEqual(['import one', 'activate one', 'step one-a {"x":1}']);
    expect(host.isActivated('one')).toBe(true);
    expect(host.isActivated('two')).toBe(false);
    await host.deactivateAll();
  });

  it('names a plugin whose activate() throws (LS2003) and keeps the others working', async () => {
    await makePlugin(join(root, 'plugins/bad'), {
      name: 'bad',
      lockstep: steps('bad'),
      code: `export function activate(context) {
        context.subscriptions.push({ dispose() { globalThis.__lockstepJournal.push('disposed bad'); } });
        throw new Error('cannot start');
      }`,
    });
    await makePlugin(join(root, 'plugins/good'), { name: 'good', lockstep: steps('good'), code: journalingPlugin('good', ['good']) });
    const host = await PluginHost.discover({ cwd: root });

    const error = await host.activateStep('bad').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PluginError', code: 'LS2003', plugin: 'bad' });
    expect((error as Error).message).toBe('plugin bad: activate() threw: cannot start');
    // What the plugin acquired before throwing was released; a second use reports the same error.
    expect(journal()).toEqual(['disposed bad']);
    await expect(host.activateStep('bad')).rejects.toBe(error);
    expect(host.problems).toContain(error);

    await expect(host.activateStep('good')).resolves.toMatchObject({ plugin: 'good' });
    await host.deactivateAll();
  });

  it('refuses registerStep for a type the manifest does not contribute', async () => {
    await makePlugin(join(root, 'plugins/liar'), {
      name: 'liar',
      lockstep: steps('liar'),
      code: `export function activate(context) { context.registerStep('liar', async () => {}); context.registerStep('sneaky', async () => {}); }`,
    });
    const host = await PluginHost.discover({ cwd: root });
    const error = await host.activateStep('liar').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LS2004', plugin: 'liar' });
    expect((error as Error).message).toContain('does not contribute step "sneaky"');
  });

  it('reports a step type nobody contributes, and a contributed step never registered', async () => {
    await makePlugin(join(root, 'plugins/lazy'), { name: 'lazy', lockstep: steps('lazy') });
    const host = await PluginHost.discover({ cwd: root });
    await expect(host.activateStep('nope')).rejects.toMatchObject({ code: 'LS2004', message: expect.stringContaining('"nope"') });
    await expect(host.activateStep('lazy')).rejects.toMatchObject({ code: 'LS2004', plugin: 'lazy' });
  });

  it('activates commands through onCommand events', async () => {
    await makePlugin(join(root, 'plugins/cmd'), {
      name: 'cmd',
      lockstep: { engine: '^0.1.0', contributes: { commands: [{ path: ['cmd', 'hello'], description: 'says hi' }] } },
      code: `export function activate(context) {
        context.subscriptions.push(context.registerCommand(['cmd', 'hello'], async (args) => args.length));
      }`,
    });
    const host = await PluginHost.discover({ cwd: root });
    expect(await host.activateCommand(['unknown'])).toBeUndefined();
    const handler = await host.activateCommand(['cmd', 'hello']);
    expect(await handler?.(['a', 'b'], {} as never)).toBe(2);
    await host.deactivateAll();
  });

  it('validates step arguments with the schema from the manifest', async () => {
    await makePlugin(join(root, 'plugins/typed'), {
      name: 'typed',
      lockstep: {
        engine: '^0.1.0',
        contributes: {
          steps: [{ type: 'typed', description: 'x', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } }],
        },
      },
      code: `export function activate(context) { context.registerStep('typed', async () => {}); }`,
    });
    const host = await PluginHost.discover({ cwd: root });
    const { schema } = await host.activateStep('typed');
    const errors: string[] = [];
    expect(schema({ n: 3 })).toBe(true);
    expect(schema({ n: 'x' }, { errors })).toBe(false);
    expect(errors.join()).toContain('.n');
    await host.deactivateAll();
  });
});

describe('deactivateAll', () => {
  it('disposes subscriptions in reverse, then calls deactivate, last activated plugin first', async () => {
    await makePlugin(join(root, 'plugins/first'), { name: 'first', lockstep: steps('first'), code: journalingPlugin('first', ['first']) });
    await makePlugin(join(root, 'plugins/second'), { name: 'second', lockstep: steps('second'), code: journalingPlugin('second', ['second']) });
    const host = await PluginHost.discover({ cwd: root });
    await host.activateStep('first');
    await host.activateStep('second');
    resetJournal();

    expect(await host.deactivateAll()).toEqual([]);

    expect(journal()).toEqual([
      'dispose second 2',
      'dispose second 1',
      'deactivate second',
      'dispose first 2',
      'dispose first 1',
      'deactivate first',
    ]);
    expect(host.isActivated('first')).toBe(false);
    // Deactivated handlers are gone; using the step again activates the plugin again.
    await host.activateStep('first');
    expect(journal()).toContain('activate first');
    await host.deactivateAll();
  });

  it('keeps disposing when a disposer or deactivate throws, and returns the errors naming the plugin', async () => {
    await makePlugin(join(root, 'plugins/messy'), {
      name: 'messy',
      lockstep: steps('messy'),
      code: `const log = globalThis.__lockstepJournal;
      export function activate(context) {
        context.registerStep('messy', async () => {});
        context.subscriptions.push({ dispose() { log.push('first still disposed'); } });
        context.subscriptions.push({ dispose() { throw new Error('dispose failed'); } });
      }
      export function deactivate() { throw new Error('deactivate failed'); }`,
    });
    const host = await PluginHost.discover({ cwd: root });
    await host.activateStep('messy');
    const errors = await host.deactivateAll();
    expect(journal()).toEqual(['first still disposed']);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'plugin messy: a subscription failed to dispose: dispose failed',
      'plugin messy: deactivate() threw: deactivate failed',
    ]);
  });
});
