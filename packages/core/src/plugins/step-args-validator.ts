import * as t from 'typanion';
import { ErrorCodes } from '../errors/codes.js';
import { PluginError } from '../errors/plugin-error.js';
import { jsonSchemaToTypanion } from '../schema/json-schema-to-typanion.js';
import type { StepContribution } from './api.js';

/**
 * The validator of a step's rendered arguments, from the contribution's JSON Schema through the
 * one converter the playbook loader also uses. A step without a schema accepts anything.
 *
 * @param contribution the step as the manifest contributes it
 * @param plugin the contributing plugin, for the error message
 * @returns a typanion validator
 * @throws {PluginError} `LS2001` when the schema cannot be converted (e.g. a dangling `$ref`)
 */
export function stepArgsValidator(contribution: StepContribution, plugin?: string): t.StrictValidator<unknown, unknown> {
  if (!contribution.schema) return t.isUnknown();
  try {
    return jsonSchemaToTypanion(contribution.schema);
  } catch (error) {
    throw new PluginError(
      ErrorCodes.PLUGIN_MANIFEST_INVALID,
      plugin,
      `the schema of step "${contribution.type}" is invalid: ${(error as Error).message}`,
      { cause: error, point: 'steps' },
    );
  }
}
