import type { Disposable } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { PluginError } from '../errors/plugin-error.js';
import type { CommandHandler, Logger, PluginContext, PluginManifest, StepHandler, StepPlanner } from './api.js';

/** A step handler as registered by an activated plugin. */
export interface StepRegistration {
  plugin: string;
  handler: StepHandler;
  planner?: StepPlanner;
}

/** A command handler as registered by an activated plugin. */
export interface CommandRegistration {
  plugin: string;
  handler: CommandHandler;
}

/** What plugins registered, keyed by step type and by command path joined with spaces. */
export interface HandlerRegistry {
  steps: Map<string, StepRegistration>;
  commands: Map<string, CommandRegistration>;
}

/** One log line a plugin wrote through {@link PluginContext.log}. */
export interface PluginLogEntry {
  plugin: string;
  level: keyof Logger;
  message: string;
}

/**
 * Builds the context `activate()` receives. Its `register…` functions refuse what the manifest
 * does not contribute, so a manifest is always an honest list of what a plugin does.
 *
 * @param manifest the plugin's validated manifest
 * @param registry where registrations go
 * @param log where `context.log` lines go
 * @returns the context; its `subscriptions` are disposed by the host on deactivation
 */
export function createPluginContext(
  manifest: PluginManifest,
  registry: HandlerRegistry,
  log: (entry: PluginLogEntry) => void,
): PluginContext {
  const plugin = manifest.name;
  const logger: Logger = {
    debug: (message) => log({ plugin, level: 'debug', message }),
    info: (message) => log({ plugin, level: 'info', message }),
    warn: (message) => log({ plugin, level: 'warn', message }),
    error: (message) => log({ plugin, level: 'error', message }),
  };
  return {
    manifest,
    subscriptions: [],
    log: logger,
    registerStep<Args>(type: string, handler: StepHandler<Args>, planner?: StepPlanner<Args>): Disposable {
      if (!manifest.contributes.steps.some((step) => step.type === type)) {
        throw new PluginError(
          ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
          plugin,
          `registerStep("${type}"): the manifest does not contribute step "${type}" (add it to lockstep.contributes.steps)`,
          { point: 'steps', manifestPath: `${manifest.dir}/package.json` },
        );
      }
      const registration: StepRegistration = {
        plugin,
        handler: handler as StepHandler,
        ...(planner ? { planner: planner as StepPlanner } : {}),
      };
      registry.steps.set(type, registration);
      return { dispose: () => void (registry.steps.get(type) === registration && registry.steps.delete(type)) };
    },
    registerCommand(path: string[], handler: CommandHandler): Disposable {
      const key = path.join(' ');
      if (!manifest.contributes.commands.some((command) => command.path.join(' ') === key)) {
        throw new PluginError(
          ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
          plugin,
          `registerCommand("${key}"): the manifest does not contribute command "${key}" (add it to lockstep.contributes.commands)`,
          { point: 'commands', manifestPath: `${manifest.dir}/package.json` },
        );
      }
      const registration: CommandRegistration = { plugin, handler };
      registry.commands.set(key, registration);
      return { dispose: () => void (registry.commands.get(key) === registration && registry.commands.delete(key)) };
    },
  };
}
