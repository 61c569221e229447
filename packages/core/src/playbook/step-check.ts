import { closestMatch, didYouMean } from '../schema/closest-match.js';
import { describeValue } from '../schema/describe-value.js';
import { compileSchema, isPlainObject, unknownKeyMessage, type Check } from '../schema/json-schema-to-typanion.js';
import { stepCommonProperties } from './playbook-schema.js';
import type { StepCatalog } from './step-catalog.js';
import { isWholeTemplate } from './templates.js';

/**
 * Builds the check for one step: a mapping with exactly one key naming its type (checked against
 * the catalog, with that type's argument schema) plus the common fields. A JSON Schema `oneOf`
 * over every type says the same for editors (see playbookJsonSchema), but reports "matches none
 * of 14 alternatives"; this check names the unknown type, the closest known one and the plugins.
 *
 * @param catalog the installed step types
 * @returns a check for `#/$defs/step`
 */
export function buildStepCheck(catalog: StepCatalog): Check {
  const commonKeys = Object.keys(stepCommonProperties);
  const common = new Map(Object.entries(stepCommonProperties).map(([key, schema]) => [key, compileSchema(schema)]));
  const args = new Map<string, Check>();
  const argsCheck = (type: string): Check => {
    let check = args.get(type);
    if (!check) {
      const entry = catalog.steps.get(type);
      try {
        check = compileSchema(entry?.contribution.schema ?? {}, { acceptsAnything: isWholeTemplate });
      } catch (error) {
        // A plugin's broken schema is its author's bug; say so at the step instead of crashing.
        const reason = (error as Error).message;
        check = (_value, ctx) => ctx.fail(`cannot check the arguments of step type "${type}": plugin ${entry?.plugin} declares an invalid schema (${reason})`);
      }
      args.set(type, check);
    }
    return check;
  };
  const types = [...catalog.steps.keys()];
  const typeList = types.length > 0 ? types.join(', ') : 'none';

  return (value, ctx) => {
    if (!isPlainObject(value)) {
      return ctx.fail(`expected a step: a mapping with one key naming its type (such as "${types[0] ?? 'run'}: …"), got ${describeValue(value)}`);
    }
    let ok = true;
    const keys = Object.keys(value);
    for (const key of keys) {
      const check = common.get(key);
      if (check) ok = check(value[key], ctx.child(key)) && ok;
    }
    const typeKeys = keys.filter((key) => !common.has(key));
    const known = typeKeys.filter((key) => catalog.steps.has(key));
    const unknown = typeKeys.filter((key) => !catalog.steps.has(key));
    if (known.length > 1) {
      ok = ctx.child(known[1]!).fail(`a step has exactly one type key, found ${known.map((k) => `"${k}"`).join(' and ')}; write one step for each`, 'key');
    }
    let typeFound = known.length > 0;
    for (const key of unknown) {
      const asCommonKey = closestMatch(key, commonKeys);
      if (typeFound || asCommonKey) {
        ok = ctx.child(key).fail(unknownKeyMessage(key, [...known.slice(0, 1), ...commonKeys], 'step'), 'key');
      } else {
        typeFound = true;
        ok = ctx.child(key).fail(unknownTypeMessage(key, types, catalog.plugins), 'key');
      }
    }
    if (!typeFound) ok = ctx.fail(`step has no type: expected one key naming the step type (${typeList}) besides ${commonKeys.join(', ')}`);
    for (const type of known) ok = argsCheck(type)(value[type], ctx.child(type)) && ok;
    return ok;
  };
}

function unknownTypeMessage(type: string, types: readonly string[], plugins: readonly string[]): string {
  const hint = closestMatch(type, types);
  const installed = plugins.length > 0 ? `installed plugins: ${plugins.join(', ')}` : 'no plugins are installed';
  return `unknown step type "${type}"${didYouMean(hint)} Known step types: ${types.join(', ') || 'none'}; ${installed}`;
}
