import { AssertionError } from 'node:assert';
import { resolve } from 'node:path';
import {
  ErrorCodes,
  PluginError,
  type CommandHandler,
  type Disposable,
  type Logger,
  type PluginContext,
  type PluginManifest,
  type PluginModule,
  type StepHandler,
  type StepPlanner,
} from '@lockstep/core';

/** A manifest as a test writes it: the name, and what the plugin contributes. */
export type FakeManifest = Pick<PluginManifest, 'name'> & Partial<PluginManifest>;

/** One line the plugin logged. */
export interface FakeLogEntry {
  level: keyof Logger;
  message: string;
}

/**
 * A {@link PluginContext} for unit tests of `activate()`/`deactivate()`, with the handlers the
 * plugin registered and a leak check.
 */
export interface FakePluginContext extends PluginContext {
  /** Step handlers registered and not disposed, by type. */
  readonly steps: ReadonlyMap<string, { handler: StepHandler; planner?: StepPlanner }>;
  /** Command handlers registered and not disposed, by path joined with spaces. */
  readonly commands: ReadonlyMap<string, CommandHandler>;
  readonly logs: readonly FakeLogEntry[];
  /**
   * Does what the host does on deactivation: disposes `subscriptions` last first (awaited), then
   * calls the module's `deactivate()`.
   *
   * @param module the plugin module (for its `deactivate`)
   * @returns errors thrown by disposers and `deactivate()`
   */
  deactivate(module?: Partial<PluginModule>): Promise<unknown[]>;
  /**
   * Fails the test unless everything was released: `deactivate()` ran, every disposer and
   * `deactivate()` succeeded, nothing was pushed onto `subscriptions` afterwards, and every
   * `register…` result was disposed (push them onto `subscriptions`).
   *
   * @throws {AssertionError} listing what was left behind
   */
  assertDisposed(): void;
}

/**
 * Makes a fake plugin context. `registerStep`/`registerCommand` refuse what the manifest does not
 * contribute, as the real host does.
 *
 * @param manifest the plugin's manifest (e.g. from `readPluginManifest(dir)`), or its name and contributions
 * @returns the context with `steps`, `commands`, `deactivate()` and `assertDisposed()`
 * @example
 * const context = createFakePluginContext(await readPluginManifest(pluginDir));
 * await plugin.activate(context);
 * await context.deactivate(plugin);
 * context.assertDisposed();
 */
export function createFakePluginContext(manifest: FakeManifest): FakePluginContext {
  const full: PluginManifest = {
    version: '0.0.0',
    dir: process.cwd(),
    main: resolve(process.cwd(), 'index.js'),
    engine: '*',
    activationEvents: [],
    ...manifest,
    contributes: { steps: manifest.contributes?.steps ?? [], commands: manifest.contributes?.commands ?? [] },
  };
  const steps = new Map<string, { handler: StepHandler; planner?: StepPlanner }>();
  const commands = new Map<string, CommandHandler>();
  const logs: FakeLogEntry[] = [];
  const registrations = new Map<string, { disposed: boolean }>();
  const subscriptions: Disposable[] = [];
  const errors: unknown[] = [];
  let deactivated = false;

  const track = (label: string, release: () => void): Disposable => {
    const state = { disposed: false };
    registrations.set(`${label}#${registrations.size}`, state);
    return {
      dispose: () => {
        state.disposed = true;
        release();
      },
    };
  };
  const refuse = (point: 'steps' | 'commands', what: string): never => {
    throw new PluginError(ErrorCodes.PLUGIN_CONTRIBUTION_MISSING, full.name, `the manifest does not contribute ${what}`, { point });
  };
  const log = (level: keyof Logger) => (message: string) => void logs.push({ level, message });

  return {
    manifest: full,
    subscriptions,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    steps,
    commands,
    logs,
    registerStep<Args>(type: string, handler: StepHandler<Args>, planner?: StepPlanner<Args>): Disposable {
      if (!full.contributes.steps.some((contribution) => contribution.type === type)) refuse('steps', `step "${type}"`);
      const entry = { handler: handler as StepHandler, ...(planner ? { planner: planner as StepPlanner } : {}) };
      steps.set(type, entry);
      return track(`registerStep("${type}")`, () => steps.get(type) === entry && steps.delete(type));
    },
    registerCommand(path: string[], handler: CommandHandler): Disposable {
      const key = path.join(' ');
      if (!full.contributes.commands.some((command) => command.path.join(' ') === key)) refuse('commands', `command "${key}"`);
      commands.set(key, handler);
      return track(`registerCommand("${key}")`, () => commands.get(key) === handler && commands.delete(key));
    },
    async deactivate(module?: Partial<PluginModule>): Promise<unknown[]> {
      const found: unknown[] = [];
      while (subscriptions.length > 0) {
        try {
          await subscriptions.pop()!.dispose();
        } catch (error) {
          found.push(error);
        }
      }
      try {
        await module?.deactivate?.();
      } catch (error) {
        found.push(error);
      }
      deactivated = true;
      errors.push(...found);
      return found;
    },
    assertDisposed(): void {
      const problems: string[] = [];
      if (!deactivated) problems.push('deactivate() was never called on the fake context');
      for (const error of errors) problems.push(`a disposer or deactivate() threw: ${error instanceof Error ? error.message : String(error)}`);
      if (subscriptions.length > 0) problems.push(`${subscriptions.length} subscription(s) were pushed after deactivation and never disposed`);
      for (const [label, state] of registrations) {
        if (!state.disposed) problems.push(`${label.slice(0, label.lastIndexOf('#'))} was never disposed (push it onto context.subscriptions)`);
      }
      if (problems.length > 0) {
        throw new AssertionError({ message: `plugin ${full.name} left resources behind:\n- ${problems.join('\n- ')}` });
      }
    },
  };
}
