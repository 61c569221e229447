import * as t from 'typanion';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../src/plugins/json-schema.js';
import { jsonSchemaToTypanion, type LocatedValidationState } from '../../src/schema/json-schema-to-typanion.js';

/** Validates and returns typanion's error strings. */
function errorsOf(schema: JsonSchema, value: unknown, options = {}): string[] {
  const errors: string[] = [];
  jsonSchemaToTypanion(schema, options)(value, { errors });
  return errors;
}

describe('jsonSchemaToTypanion', () => {
  it('checks types and says what was expected and what was found', () => {
    expect(errorsOf({ type: 'string' }, 42)).toEqual(['.: expected a string, got 42']);
    expect(errorsOf({ type: 'integer' }, 1.5)).toEqual(['.: expected an integer, got 1.5']);
    expect(errorsOf({ type: 'number' }, 2)).toEqual([]);
    expect(errorsOf({ type: 'boolean' }, 'yes')).toEqual(['.: expected a boolean (true or false), got "yes"']);
    expect(errorsOf({ type: 'object' }, [])).toEqual(['.: expected a mapping, got a list']);
    expect(errorsOf({ type: ['string', 'array'] }, null)).toEqual(['.: expected a string or a list, got nothing (null)']);
  });

  it('reports every failure in nested mappings and lists, with typanion-style paths', () => {
    const schema: JsonSchema = {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, list: { type: 'array', items: { type: 'integer', minimum: 0 } }, 'odd key': { type: 'string' } },
    };
    expect(errorsOf(schema, { list: [1, -1, 'x'], 'odd key': 3, nmae: 'x' })).toEqual([
      '.: missing required key "name"',
      '.list[1]: expected an integer >= 0, got -1',
      '.list[2]: expected an integer, got "x"',
      '.["odd key"]: expected a string, got 3',
      '.nmae: unknown key "nmae"; did you mean "name"? Allowed keys: name, list, odd key',
    ]);
  });

  it('suggests the closest enum value, and honours x-expected', () => {
    expect(errorsOf({ enum: ['linear', 'free'] }, 'lineer')).toEqual(['.: expected one of "linear", "free", got "lineer"; did you mean "linear"?']);
    expect(errorsOf({ type: 'string', pattern: '^\\d+%$', 'x-expected': 'a percentage' }, '30')).toEqual(['.: expected a percentage, got "30"']);
  });

  it('checks durations marked with x-duration', () => {
    const schema: JsonSchema = { type: ['string', 'number'], 'x-duration': true };
    expect(errorsOf(schema, '1m30s')).toEqual([]);
    expect(errorsOf(schema, 5)).toEqual([]);
    expect(errorsOf(schema, '5 min')).toEqual(['.: expected a duration like 500ms, 3s, 2m or a number of seconds, got "5 min"']);
  });

  it('reports unions by the alternative the value fits, or lists the alternatives', () => {
    const run: JsonSchema = {
      oneOf: [{ type: 'string' }, { type: 'object', required: ['command'], additionalProperties: false, properties: { command: { type: 'string' }, cwd: { type: 'string' } } }],
    };
    expect(errorsOf(run, 'ls')).toEqual([]);
    expect(errorsOf(run, { command: 'ls', cwd: 1 })).toEqual(['.cwd: expected a string, got 1']);
    expect(errorsOf(run, 42)).toEqual(['.: expected a string or a mapping, got 42']);
    expect(errorsOf({ oneOf: [{ type: 'integer' }, { type: 'number' }] }, 3)).toEqual(['.: expected exactly one of an integer or a number, but the value matches 2 of them']);
    expect(errorsOf({ anyOf: [{ type: 'integer' }, { type: 'number' }] }, 3)).toEqual([]);
  });

  it('follows $refs into $defs, including recursive ones', () => {
    const tree: JsonSchema = {
      $ref: '#/$defs/node',
      $defs: { node: { type: 'object', additionalProperties: false, properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
    };
    expect(errorsOf(tree, { value: 1, children: [{ value: 2, children: [{ value: 'x' }] }] })).toEqual(['.children[0].children[0].value: expected an integer, got "x"']);
  });

  it('accepts what acceptsAnything says, and records structured problems', () => {
    const schema: JsonSchema = { type: 'object', properties: { port: { type: 'integer' } } };
    expect(errorsOf(schema, { port: '${{ vars.port }}' }, { acceptsAnything: (v: unknown) => typeof v === 'string' && v.startsWith('${{') })).toEqual([]);
    const state: LocatedValidationState = { problems: [] };
    jsonSchemaToTypanion({ type: 'object', additionalProperties: false, properties: {} })({ a: { b: 1 } }, state);
    expect(state.problems).toEqual([{ path: ['a'], message: 'unknown key "a". Allowed keys: ', at: 'key' }]);
  });

  it('composes with typanion\'s own validators', () => {
    const isConfig = t.isObject({ args: jsonSchemaToTypanion({ type: 'array', items: { type: 'string' } }) });
    const errors: string[] = [];
    expect(isConfig({ args: ['a', 2] }, { errors })).toBe(false);
    expect(errors).toEqual(['.args[1]: expected a string, got 2']);
  });
});
