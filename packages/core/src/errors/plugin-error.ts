import type { ErrorCode } from './codes.js';
import { LockstepError } from './lockstep-error.js';

/** A plugin could not be loaded, activated or found; the message names the plugin. */
export class PluginError extends LockstepError {
  override name = 'PluginError';
  /** The plugin's package name, when known. */
  readonly plugin: string | undefined;
  /** The contribution point the problem is in (`steps`, `commands`), for manifest problems. */
  readonly point: string | undefined;
  /** Absolute path of the plugin's package.json, when the problem is in its manifest. */
  readonly manifestPath: string | undefined;

  constructor(
    code: ErrorCode,
    plugin: string | undefined,
    message: string,
    options: { cause?: unknown; point?: string; manifestPath?: string } = {},
  ) {
    super(code, plugin ? `plugin ${plugin}: ${message}` : message, { cause: options.cause });
    this.plugin = plugin;
    this.point = options.point;
    this.manifestPath = options.manifestPath;
  }
}
