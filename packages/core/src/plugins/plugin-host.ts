import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StrictValidator } from 'typanion';
import { disposeAll } from '../disposable.js';
import { ErrorCodes } from '../errors/codes.js';
import { isLockstepError } from '../errors/lockstep-error.js';
import { PluginError } from '../errors/plugin-error.js';
import { EventEmitter, type Event } from '../event.js';
import type { CommandHandler, PluginContext, PluginManifest, PluginModule, StepContribution, StepHandler, StepPlanner } from './api.js';
import { dedupeByRealPath, discoverPluginDirs, type PluginCandidate } from './discover-plugins.js';
import { createPluginContext, type HandlerRegistry, type PluginLogEntry } from './plugin-context.js';
import { inspectPluginPackage } from './read-manifest.js';
import { stepArgsValidator } from './step-args-validator.js';
import type { StepCatalog } from '../playbook/step-catalog.js';

/** Options of {@link PluginHost.discover}. */
export interface PluginHostOptions {
  /** Where discovery starts: the workspace root above it and `node_modules` up to it. */
  cwd: string;
  /** Extra plugin directories (a playbook's `plugins:`), highest priority; relative ones resolve against `cwd`. */
  dirs?: string[];
  /**
   * Plugins that ship with the tool using the host (the CLI passes `@lockstep/plugin-run`'s
   * directory), so `run` works outside a workspace. Priority after `dirs`.
   */
  builtinDirs?: string[];
  /** Check `engine` ranges against this version instead of the running core's (tests). */
  coreVersion?: string;
}

/** A step type ready to run: its handler, optional planner, and its argument validator. */
export interface ActivatedStep {
  /** Package name of the plugin that handles the step. */
  plugin: string;
  contribution: StepContribution;
  handler: StepHandler;
  planner?: StepPlanner;
  /** Validates (and coerces, e.g. durations) the step's rendered arguments. */
  schema: StrictValidator<unknown, unknown>;
}

interface ActivePlugin {
  manifest: PluginManifest;
  context: PluginContext;
  module: PluginModule;
}

/**
 * Finds plugins, reads their manifests without importing code, and activates a plugin the
 * first time one of its activation events fires (`onStep:<type>`, `onCommand:<path>`), the way
 * VS Code activates extensions.
 *
 * @example
 * const host = await PluginHost.discover({ cwd: process.cwd(), dirs: playbook.plugins });
 * const { handler, schema } = await host.activateStep('barrier');
 * // … run steps …
 * await host.deactivateAll();
 */
export class PluginHost {
  readonly #options: PluginHostOptions;
  readonly #manifests: PluginManifest[] = [];
  readonly #problems: PluginError[] = [];
  readonly #seenDirs = new Set<string>();
  readonly #registry: HandlerRegistry = { steps: new Map(), commands: new Map() };
  /** One settled-or-pending activation per plugin name; cleared by {@link deactivateAll}. */
  readonly #activations = new Map<string, Promise<void>>();
  /** Plugins whose activate() succeeded or is running, in activation order. */
  readonly #active: ActivePlugin[] = [];
  readonly #validators = new Map<string, StrictValidator<unknown, unknown>>();
  readonly #onDidLog = new EventEmitter<PluginLogEntry>();
  readonly #onDidActivate = new EventEmitter<string>();

  /** Lines plugins write through `context.log`. */
  readonly onDidLog: Event<PluginLogEntry> = this.#onDidLog.event;
  /** Fires with a plugin's name after its `activate()` returned. */
  readonly onDidActivate: Event<string> = this.#onDidActivate.event;

  private constructor(options: PluginHostOptions) {
    this.#options = options;
  }

  /**
   * Discovers plugins: `dirs`, then `builtinDirs`, then the workspace's `plugins/*`, then
   * `node_modules` packages with a `lockstep` key. When two plugins share a name the first wins.
   * Invalid manifests land in {@link problems}; the others keep working.
   *
   * @param options where to look
   * @returns a host that knows every manifest and has imported no plugin code
   * @throws {PluginError} `LS2005` when one of `dirs` holds no package.json
   */
  static async discover(options: PluginHostOptions): Promise<PluginHost> {
    const host = new PluginHost(options);
    const explicit = (options.dirs ?? []).map((dir): PluginCandidate => ({ dir: resolve(options.cwd, dir), source: 'path' }));
    const builtin = (options.builtinDirs ?? []).map((dir): PluginCandidate => ({ dir: resolve(options.cwd, dir), source: 'builtin' }));
    const found = await discoverPluginDirs(options.cwd);
    await host.#addCandidates(await dedupeByRealPath([...explicit, ...builtin, ...found]));
    return host;
  }

  /** Every usable plugin's manifest, in discovery order. */
  get manifests(): readonly PluginManifest[] {
    return this.#manifests;
  }

  /** Invalid manifests and entries, engine mismatches, activation failures: reported, then skipped. */
  get problems(): readonly PluginError[] {
    return this.#problems;
  }

  /**
   * Adds plugin directories, e.g. those a playbook lists under `plugins:`. Known ones are ignored.
   *
   * @param dirs plugin directories, absolute or relative to the host's `cwd`
   * @throws {PluginError} `LS2005` naming a directory that holds no package.json or no `lockstep` manifest
   */
  async addPluginDirs(dirs: string[]): Promise<void> {
    await this.#addCandidates(dirs.map((dir) => ({ dir: resolve(this.#options.cwd, dir), source: 'path' })));
  }

  /**
   * Every step type known from the manifests, with its contribution and the plugin that
   * contributes it. No code is imported.
   *
   * @returns the catalog the playbook loader validates against
   */
  catalog(): StepCatalog {
    const steps = new Map<string, { contribution: StepContribution; plugin: string }>();
    for (const manifest of this.#manifests) {
      for (const contribution of manifest.contributes.steps) {
        if (!steps.has(contribution.type)) steps.set(contribution.type, { contribution, plugin: manifest.name });
      }
    }
    return { steps, plugins: this.#manifests.map((manifest) => manifest.name) };
  }

  /**
   * Tells whether a plugin's `activate()` has run (and not been undone by {@link deactivateAll}).
   *
   * @param plugin the plugin's package name
   * @returns true once activated
   */
  isActivated(plugin: string): boolean {
    return this.#active.some((active) => active.manifest.name === plugin);
  }

  /**
   * Fires `onStep:<type>`: activates the contributing plugin (and any other listening to the
   * event) on first use, then returns what the plugin registered.
   *
   * @param type the step type, as written in a playbook
   * @returns the handler, planner and argument validator
   * @throws {PluginError} `LS2004` when nothing contributes `type` or the plugin registered no
   *   handler for it; `LS2003` when the plugin failed to load or its `activate()` threw
   */
  async activateStep(type: string): Promise<ActivatedStep> {
    const entry = this.catalog().steps.get(type);
    if (!entry) {
      throw new PluginError(
        ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
        undefined,
        `no plugin contributes step type "${type}" (installed: ${this.#manifests.map((m) => m.name).join(', ') || 'none'})`,
      );
    }
    await this.#fire(`onStep:${type}`, entry.plugin);
    const registration = this.#registry.steps.get(type);
    if (!registration) {
      throw new PluginError(
        ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
        entry.plugin,
        `contributes step "${type}" but its activate() did not call registerStep("${type}", …)`,
      );
    }
    return {
      plugin: entry.plugin,
      contribution: entry.contribution,
      handler: registration.handler,
      ...(registration.planner ? { planner: registration.planner } : {}),
      schema: this.#validator(entry.contribution),
    };
  }

  /**
   * Fires `onCommand:<path>` and returns the handler the contributing plugin registered.
   *
   * @param path the command's words, e.g. `['barrier']`
   * @returns the handler, or undefined when no plugin contributes the command
   * @throws {PluginError} `LS2003` when the plugin failed to activate, `LS2004` when it registered no handler
   */
  async activateCommand(path: string[]): Promise<CommandHandler | undefined> {
    const key = path.join(' ');
    const owner = this.#manifests.find((m) => m.contributes.commands.some((command) => command.path.join(' ') === key));
    if (!owner) return undefined;
    await this.#fire(`onCommand:${key}`, owner.name);
    const registration = this.#registry.commands.get(key);
    if (!registration) {
      throw new PluginError(
        ErrorCodes.PLUGIN_CONTRIBUTION_MISSING,
        owner.name,
        `contributes command "${key}" but its activate() did not call registerCommand([…], …)`,
      );
    }
    return registration.handler;
  }

  /**
   * Deactivates every active plugin, last activated first: its subscriptions are disposed in
   * reverse order (each awaited; one failing does not stop the others), then its `deactivate()`
   * is called. The host can activate plugins again afterwards.
   *
   * @returns the errors thrown by disposers and `deactivate()`, as {@link PluginError}s naming the plugin
   */
  async deactivateAll(): Promise<unknown[]> {
    // An activation still running (Ctrl-C during activate) must finish before it can be undone.
    await Promise.allSettled([...this.#activations.values()]);
    const errors: unknown[] = [];
    for (const active of this.#active.splice(0).reverse()) {
      const name = active.manifest.name;
      for (const error of await disposeAll(active.context.subscriptions)) {
        errors.push(wrap(name, 'a subscription failed to dispose', error));
      }
      try {
        await active.module.deactivate?.();
      } catch (error) {
        errors.push(wrap(name, 'deactivate() threw', error));
      }
      this.#dropRegistrations(name);
    }
    this.#activations.clear();
    return errors;
  }

  async #addCandidates(candidates: PluginCandidate[]): Promise<void> {
    const missing: PluginError[] = [];
    for (const candidate of candidates) {
      if (this.#seenDirs.has(candidate.dir)) continue;
      this.#seenDirs.add(candidate.dir);
      const result = await inspectPluginPackage(candidate.dir, { coreVersion: this.#options.coreVersion });
      if (candidate.source === 'path' && !result.isPlugin) {
        missing.push(
          result.problems[0] ??
            new PluginError(ErrorCodes.PLUGIN_NOT_FOUND, undefined, `${candidate.dir}/package.json has no "lockstep" manifest`),
        );
        continue;
      }
      this.#problems.push(...result.problems);
      const manifest = result.manifest;
      if (!manifest || this.#manifests.some((known) => known.name === manifest.name)) continue;
      this.#manifests.push(this.#withoutTakenSteps(manifest));
    }
    if (missing.length > 0) {
      this.#problems.push(...missing);
      throw missing[0];
    }
  }

  /** A step type belongs to the first plugin that contributes it; later claims are reported. */
  #withoutTakenSteps(manifest: PluginManifest): PluginManifest {
    const taken = this.catalog().steps;
    const steps = manifest.contributes.steps.filter((step) => {
      const owner = taken.get(step.type);
      if (!owner) return true;
      this.#problems.push(
        new PluginError(
          ErrorCodes.PLUGIN_MANIFEST_INVALID,
          manifest.name,
          `${manifest.dir}/package.json: step "${step.type}" is already contributed by ${owner.plugin}; skipped`,
          { point: 'steps', manifestPath: `${manifest.dir}/package.json` },
        ),
      );
      return false;
    });
    return steps.length === manifest.contributes.steps.length ? manifest : { ...manifest, contributes: { ...manifest.contributes, steps } };
  }

  /** Activates every plugin listening to `event`; throws only for `owner`'s failure. */
  async #fire(event: string, owner: string): Promise<void> {
    const listeners = this.#manifests.filter((m) => m.activationEvents.includes(event) || m.activationEvents.includes('*'));
    for (const manifest of listeners) {
      try {
        await this.#activate(manifest);
      } catch (error) {
        if (manifest.name === owner) throw error;
      }
    }
  }

  #activate(manifest: PluginManifest): Promise<void> {
    const existing = this.#activations.get(manifest.name);
    if (existing) return existing;
    const activation = this.#runActivate(manifest);
    this.#activations.set(manifest.name, activation);
    // A failure is reported once, to problems; later activations rethrow the same error.
    activation.catch((error: PluginError) => this.#problems.push(error));
    return activation;
  }

  async #runActivate(manifest: PluginManifest): Promise<void> {
    const name = manifest.name;
    let module: Partial<PluginModule>;
    try {
      module = (await import(pathToFileURL(manifest.main).href)) as Partial<PluginModule>;
    } catch (error) {
      throw wrap(name, `could not load ${manifest.main}`, error);
    }
    if (typeof module.activate !== 'function') {
      throw new PluginError(ErrorCodes.PLUGIN_ACTIVATION_FAILED, name, `${manifest.main} does not export an activate() function`);
    }
    const context = createPluginContext(manifest, this.#registry, (entry) => this.#onDidLog.fire(entry));
    const active: ActivePlugin = { manifest, context, module: module as PluginModule };
    this.#active.push(active);
    try {
      await module.activate(context);
    } catch (error) {
      // Undo what the half-activated plugin acquired before reporting it; it stays inactive.
      this.#active.splice(this.#active.indexOf(active), 1);
      await disposeAll(context.subscriptions);
      this.#dropRegistrations(name);
      throw wrap(name, 'activate() threw', error);
    }
    this.#onDidActivate.fire(name);
  }

  #dropRegistrations(plugin: string): void {
    for (const [key, registration] of this.#registry.steps) if (registration.plugin === plugin) this.#registry.steps.delete(key);
    for (const [key, registration] of this.#registry.commands) if (registration.plugin === plugin) this.#registry.commands.delete(key);
  }

  #validator(contribution: StepContribution): StrictValidator<unknown, unknown> {
    let validator = this.#validators.get(contribution.type);
    if (!validator) {
      validator = stepArgsValidator(contribution, this.catalog().steps.get(contribution.type)?.plugin);
      this.#validators.set(contribution.type, validator);
    }
    return validator;
  }
}

function wrap(plugin: string, what: string, error: unknown): PluginError {
  if (isLockstepError(error) && error instanceof PluginError && error.plugin === plugin) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PluginError(ErrorCodes.PLUGIN_ACTIVATION_FAILED, plugin, `${what}: ${message}`, { cause: error });
}
