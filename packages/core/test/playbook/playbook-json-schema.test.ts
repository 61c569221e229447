import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonSchema } from '../../src/plugins/json-schema.js';
import { playbookJsonSchema } from '../../src/playbook/playbook-json-schema.js';
import { stepCatalogOf } from '../../src/playbook/step-catalog.js';
import { testCatalog } from './test-catalog.js';

const fixture = (name: string) => new URL(`../fixtures/playbooks/${name}`, import.meta.url);

/** A strict Ajv that knows lockstep's `x-` keywords. */
function compile(schema: JsonSchema) {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addVocabulary(['x-duration', 'x-expected']);
  return ajv.compile(schema);
}

/** Every subschema with its JSON pointer. */
function* subschemas(schema: JsonSchema, at = '#'): Generator<[string, JsonSchema]> {
  yield [at, schema];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) yield* subschemas(sub, `${at}/properties/${key}`);
  if (typeof schema.additionalProperties === 'object') yield* subschemas(schema.additionalProperties, `${at}/additionalProperties`);
  if (schema.items) yield* subschemas(schema.items, `${at}/items`);
  for (const [i, sub] of (schema.oneOf ?? []).entries()) yield* subschemas(sub, `${at}/oneOf/${i}`);
  for (const [i, sub] of (schema.anyOf ?? []).entries()) yield* subschemas(sub, `${at}/anyOf/${i}`);
  for (const [key, sub] of Object.entries(schema.$defs ?? {})) yield* subschemas(sub, `${at}/$defs/${key}`);
}

describe('playbookJsonSchema', () => {
  const schema = playbookJsonSchema(testCatalog);

  it('is a valid draft 2020-12 schema that accepts the valid fixture', async () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const validate = compile(schema);
    const valid = validate(parse(await readFile(fixture('valid.yml'), 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects the fixture with mistakes', async () => {
    const validate = compile(schema);
    expect(validate(parse(await readFile(fixture('mistakes.yml'), 'utf8')))).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain('/phases/0');
    expect(paths).toContain('/phases/0/steps/1/retries');
  });

  it('offers every step type as a oneOf, each with its arguments and the common fields', () => {
    const step = schema.$defs!.step!;
    expect(step.oneOf!.map((variant) => variant.required)).toEqual([['run'], ['barrier'], ['semaphore'], ['ssh-tar-upload']]);
    const barrier = step.oneOf![1]!;
    expect(Object.keys(barrier.properties!)).toEqual(['barrier', 'name', 'timeout', 'retries', 'ignore-errors', 'env', 'when']);
    expect(barrier.additionalProperties).toBe(false);
    expect(barrier.description).toBe('Waits until every node of the phase arrives. (step type `barrier` from @lockstep/plugin-barrier)');
    expect(schema.properties!.phases!.items!.properties!.steps!.items).toEqual({ $ref: '#/$defs/step' });
  });

  it('describes every field', () => {
    const undocumented = [...subschemas(schema)]
      .filter(([at]) => /\/properties\/[^/]+$/.test(at) && !/\$defs\/step\/oneOf\/\d+\/properties\/(run|barrier|semaphore|ssh-tar-upload)\//.test(at))
      .filter(([, sub]) => !sub.description && !sub.$ref)
      .map(([at]) => at);
    expect(undocumented).toEqual([]);
  });

  it('lets whole templates stand for non-string step arguments, as the loader does', () => {
    const validate = compile(schema);
    const playbook = (count: unknown) => ({ nodes: { a: null }, phases: [{ steps: [{ barrier: { name: 'b', count } }] }] });
    expect(validate(playbook('${{ vars.n }}'))).toBe(true);
    expect(validate(playbook(3))).toBe(true);
    expect(validate(playbook('three'))).toBe(false);
  });

  it('moves a step schema\'s own $defs into the playbook schema', () => {
    const catalog = stepCatalogOf({
      p: [{ type: 'copy', description: 'copies', schema: { type: 'object', properties: { file: { $ref: '#/$defs/file' } }, $defs: { file: { type: 'string' } } } }],
    });
    const withDefs = playbookJsonSchema(catalog);
    expect(withDefs.$defs!['step-copy-file']).toEqual({ type: 'string' });
    const validate = compile(withDefs);
    expect(validate({ nodes: {}, phases: [{ steps: [{ copy: { file: 'x' } }] }] })).toBe(true);
    expect(validate({ nodes: {}, phases: [{ steps: [{ copy: { file: 3 } }] }] })).toBe(false);
  });
});
