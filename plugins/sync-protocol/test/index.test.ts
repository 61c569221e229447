import { fileURLToPath } from 'node:url';
import { readPluginManifest } from '@lockstep/core';
import { createFakePluginContext } from '@lockstep/testing';
import { expect, it } from 'vitest';
import * as plugin from '../src/index.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));

it('registers the `sync-protocol` step its manifest contributes, with a planner, and releases it on deactivation', async () => {
  const manifest = await readPluginManifest(pluginDir);
  expect(manifest.contributes.steps.map((step) => step.type)).toEqual(['sync-protocol']);
  expect(manifest.activationEvents).toContain('onStep:sync-protocol');
  expect(Object.keys(plugin).sort()).toEqual(['activate', 'deactivate', 'runSyncTool']);
  const context = createFakePluginContext(manifest);
  await plugin.activate(context);
  expect(context.steps.get('sync-protocol')?.planner).toBeTypeOf('function');
  await context.deactivate(plugin);
  context.assertDisposed();
  expect(context.steps.size).toBe(0);
});
