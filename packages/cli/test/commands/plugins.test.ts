import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

describe('lockstep plugins', () => {
  it('lists the run plugin with its version, folder and step type', async () => {
    const { exitCode, stdout } = await runCli(['plugins']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^@lockstep\/plugin-run \d+\.\d+\.\d+ {2}\/.*plugins\/run$/m);
    expect(stdout).toMatch(/^ {2}step run: /m);
  });

  it('lists the same as JSON', async () => {
    const { exitCode, stdout } = await runCli(['plugins', '--json']);
    expect(exitCode).toBe(0);
    const { plugins, problems } = JSON.parse(stdout) as { plugins: Array<{ name: string; steps: Array<{ type: string }> }>; problems: unknown[] };
    expect(Array.isArray(problems)).toBe(true);
    const run = plugins.find((p) => p.name === '@lockstep/plugin-run');
    expect(run?.steps.map((s) => s.type)).toEqual(['run']);
  });

  it('finds the built-in run plugin outside a workspace too', async () => {
    const { exitCode, stdout } = await runCli(['plugins', '--json'], { cwd: '/' });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).plugins.map((p: { name: string }) => p.name)).toContain('@lockstep/plugin-run');
  });
});

describe('lockstep plugins with an invalid manifest', () => {
  const broken = new URL('../fixtures/plugins/broken', import.meta.url).pathname;

  it('lists the problem with its code and the plugin, and still lists the others', async () => {
    const { exitCode, stdout } = await runCli(['plugins'], { pluginDirs: [broken] });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('@lockstep/plugin-run');
    expect(stdout).toMatch(/^ {2}LS2001 .*lockstep-plugin-broken/m);
  });

  it('reports it in --json too', async () => {
    const { stdout } = await runCli(['plugins', '--json'], { pluginDirs: [broken] });
    const { problems } = JSON.parse(stdout) as { problems: Array<{ code: string; plugin?: string }> };
    expect(problems).toContainEqual(expect.objectContaining({ code: 'LS2001' }));
  });
});
