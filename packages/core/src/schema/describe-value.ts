import type { JsonSchema } from '../plugins/json-schema.js';

/**
 * Describes a value the way a YAML author sees it, for `got …` in messages: `42`, `"abc"`,
 * `a list`, `a mapping`, `nothing` for an empty value.
 *
 * @param value a parsed YAML value
 * @returns a short description
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }
  return String(value);
}

const typeWords: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

/**
 * Describes what a schema accepts, for `expected …` in messages. `x-expected` wins when set.
 *
 * @param schema the schema a value failed
 * @returns e.g. `a string`, `a string or a list`
 */
export function describeExpected(schema: JsonSchema): string {
  if (typeof schema['x-expected'] === 'string') return schema['x-expected'];
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0) return joinOr(types.map((t) => typeWords[t] ?? t));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return joinOr(alternatives.map(describeExpected));
  return 'a value';
}

/**
 * Joins words as `a, b or c`.
 *
 * @param words the alternatives
 * @returns one phrase
 */
export function joinOr(words: readonly string[]): string {
  const unique = [...new Set(words)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

/**
 * Names the JSON type of a parsed value (`integer` for whole numbers).
 *
 * @param value a parsed YAML value
 * @returns a JSON Schema type name
 */
export function jsonTypeOf(value: unknown): 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as 'string' | 'boolean';
  return 'object';
}
