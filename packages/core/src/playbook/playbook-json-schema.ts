import type { JsonSchema } from '../plugins/json-schema.js';
import { playbookSchema, stepCommonProperties } from './playbook-schema.js';
import type { StepCatalog } from './step-catalog.js';

/** A whole-value `${{ }}` template: accepted wherever a step argument of any type is expected. */
const templateSchema: JsonSchema = {
  type: 'string',
  pattern: '^\\$\\{\\{[\\s\\S]*\\}\\}$',
  description: 'A `${{ }}` template, rendered on each node; a template alone keeps the type of its value.',
};

/**
 * The JSON Schema (draft 2020-12) of playbooks with the installed step types, for editors
 * (`lockstep schema > playbook.schema.json`, then `# yaml-language-server: $schema=…`). Every
 * field has a description; a step is a `oneOf` over the step types, each with its arguments
 * under its key plus the common fields, so editors complete step types.
 *
 * It is built from the same JSON Schema the loader validates with, so the two never disagree.
 * Step arguments also accept a whole `${{ }}` template where another type is expected, as the
 * loader does.
 *
 * @param catalog the installed step types
 * @returns the schema
 * @example await writeFile('playbook.schema.json', JSON.stringify(playbookJsonSchema(host.catalog()), null, 2));
 */
export function playbookJsonSchema(catalog: StepCatalog): JsonSchema {
  const defs: Record<string, JsonSchema> = { ...playbookSchema.$defs };
  const variants: JsonSchema[] = [];
  for (const [type, { contribution, plugin }] of catalog.steps) {
    const args = hoistDefs(contribution.schema ?? {}, `step-${type}-`, defs);
    variants.push({
      title: `${type} step`,
      type: 'object',
      description: `${contribution.description} (step type \`${type}\` from ${plugin})`,
      additionalProperties: false,
      required: [type],
      properties: { [type]: { ...templatable(args), description: args.description ?? contribution.description }, ...stepCommonProperties },
    });
  }
  if (variants.length > 0) {
    defs.step = {
      title: 'step',
      description: 'A step: one key naming its type, plus the common fields name, timeout, retries, ignore-errors, env and when.',
      oneOf: variants,
    };
  }
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://lockstep.dev/schemas/playbook.json', ...playbookSchema, $defs: defs };
}

/** Moves a step schema's own `$defs` into the playbook's, renaming them and their `$ref`s. */
function hoistDefs(schema: JsonSchema, prefix: string, into: Record<string, JsonSchema>): JsonSchema {
  const rename = (s: JsonSchema): JsonSchema => mapSchema(s, (node) => (node.$ref?.startsWith('#/$defs/') ? { ...node, $ref: `#/$defs/${prefix}${node.$ref.slice(8)}` } : node));
  for (const [name, def] of Object.entries(schema.$defs ?? {})) into[`${prefix}${name}`] = rename(def);
  const { $defs: _defs, ...rest } = schema;
  return rename(rest);
}

/** Lets a whole `${{ }}` template stand for any non-string value, at every level. */
function templatable(schema: JsonSchema): JsonSchema {
  return mapSchema(schema, (node) => {
    const keys = Object.keys(node).filter((key) => key !== 'description' && key !== 'default' && key !== 'title');
    const plainString = node.type === 'string' && node.pattern === undefined && node.enum === undefined;
    if (keys.length === 0 || plainString) return node;
    return node.description === undefined ? { anyOf: [node, templateSchema] } : { description: node.description, anyOf: [node, templateSchema] };
  });
}

/** Applies `f` bottom-up to every subschema. */
function mapSchema(schema: JsonSchema, f: (schema: JsonSchema) => JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, mapSchema(v, f)]));
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = mapSchema(schema.additionalProperties, f);
  if (schema.items) out.items = mapSchema(schema.items, f);
  if (schema.oneOf) out.oneOf = schema.oneOf.map((s) => mapSchema(s, f));
  if (schema.anyOf) out.anyOf = schema.anyOf.map((s) => mapSchema(s, f));
  return f(out);
}
