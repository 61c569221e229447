import { Command } from 'clipanion';
import type { LockstepContext } from '../context.js';
import { jsonOption } from '../options.js';

/** `lockstep plugins`: lists installed plugins and what they contribute. */
export class PluginsCommand extends Command<LockstepContext> {
  static override paths = [['plugins']];

  static override usage = Command.Usage({
    category: 'Plugins',
    description: 'list the installed plugins and what they contribute',
    details: `
      Lists every plugin found in the workspace's \`plugins/\` folder and in \`node_modules\`: its name, version and folder, and the step types and commands it contributes. Manifests are read without running any plugin code.

      Invalid manifests are listed as problems (with the plugin, the contribution point and the manifest path); those plugins are skipped by every other command.
    `,
    examples: [
      ['List the plugins', '$0 plugins'],
      ['List them as JSON', '$0 plugins --json'],
    ],
  });

  json = jsonOption('print one JSON document: { plugins, problems }');

  override async execute(): Promise<number> {
    const host = await this.context.plugins();
    const { stdout } = this.context;
    const plugins = host.manifests.map((m) => ({
      name: m.name,
      version: m.version,
      dir: m.dir,
      engine: m.engine,
      steps: m.contributes.steps.map((s) => ({ type: s.type, description: s.description })),
      commands: m.contributes.commands.map((c) => ({ path: c.path, description: c.description })),
    }));
    const problems = host.problems.map((p) => ({ code: p.code, plugin: p.plugin, message: p.message }));
    if (this.json) {
      stdout.write(`${JSON.stringify({ plugins, problems }, null, 2)}\n`);
      return 0;
    }
    if (plugins.length === 0) stdout.write('no plugins installed\n');
    for (const plugin of plugins) {
      stdout.write(`${plugin.name} ${plugin.version}  ${plugin.dir}\n`);
      for (const step of plugin.steps) stdout.write(`  step ${step.type}: ${step.description}\n`);
      for (const command of plugin.commands) stdout.write(`  command lockstep ${command.path.join(' ')}: ${command.description}\n`);
    }
    if (problems.length > 0) {
      stdout.write(`\n${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n`);
      for (const problem of problems) stdout.write(`  ${problem.code} ${problem.message}\n`);
    }
    return 0;
  }
}
