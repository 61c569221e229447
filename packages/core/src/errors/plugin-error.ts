import type { ErrorCode } from './codes.js';
import { LockstepError } from './lockstep-error.js';

/** A plugin could not be loaded, activated or found; the message names the plugin. */
export class PluginError extends LockstepError {
  override name = 'PluginError';
  /** The plugin's package name, when known. */
  readonly plugin: string | undefined;

  constructor(code: ErrorCode, plugin: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(code, plugin ? `plugin ${plugin}: ${message}` : message, options);
    this.plugin = plugin;
  }
}
