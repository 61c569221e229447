import { makeValidator, type StrictValidator, type ValidationState } from 'typanion';
import type { JsonSchema } from '../plugins/json-schema.js';
import { parseDuration } from '../util/parse-duration.js';
import { closestMatch, didYouMean } from './closest-match.js';
import { describeExpected, describeValue, jsonTypeOf } from './describe-value.js';

/** One step of a path into a document: a mapping key or a list index. */
export type PathSegment = string | number;

/**
 * A validation failure with its place as data, so a caller can find the YAML node behind it.
 * `at: 'key'` means the key itself is wrong (an unknown key), not its value.
 */
export interface SchemaProblem {
  path: PathSegment[];
  message: string;
  at: 'key' | 'value';
}

/**
 * typanion's validation state plus a structured channel: validators built by
 * {@link jsonSchemaToTypanion} push each failure both as typanion's `".a.b: message"` string
 * (into `errors`) and as a {@link SchemaProblem} (into `problems`).
 */
export interface LocatedValidationState extends ValidationState {
  problems?: SchemaProblem[];
  /** The structured form of `p`, when validating a value nested in a larger document. */
  path?: PathSegment[];
}

/** Where a check runs: the path to the value and where failures go. */
export interface CheckContext {
  readonly path: PathSegment[];
  /** typanion's path string, `.phases[0].steps`. */
  readonly p: string | undefined;
  /** The context of a child value. */
  child(key: PathSegment): CheckContext;
  /** Records a failure here; always returns false so checks can `return ctx.fail(…)`. */
  fail(message: string, at?: 'key' | 'value'): false;
}

/** A compiled schema: true when `value` is valid; failures go to the context. */
export type Check = (value: unknown, ctx: CheckContext) => boolean;

/** Options of {@link compileSchema} and {@link jsonSchemaToTypanion}. */
export interface SchemaConversionOptions {
  /**
   * Values that pass any schema. lockstep passes "is this a whole `${{ }}` template" for step
   * arguments: their type is only known once rendered on a node.
   */
  acceptsAnything?: (value: unknown) => boolean;
  /** Checks to use for `$ref`s, by the ref string (e.g. `#/$defs/step`), instead of the definition. */
  refs?: Record<string, Check>;
}

/**
 * Converts a JSON Schema (lockstep's subset, see {@link JsonSchema}) to a typanion validator.
 * This is the only converter: step argument schemas and the playbook schema both go through it,
 * so validation and the schema editors see never disagree.
 *
 * Messages say what was expected and what was found (`expected a string, got 42`); unknown keys
 * name the allowed keys and the closest one. Pass a {@link LocatedValidationState} to also get
 * failures with structured paths.
 *
 * @param schema the schema; `$ref`s point into its own `$defs`
 * @param options see {@link SchemaConversionOptions}
 * @returns a typanion validator
 * @example
 * const isArgs = jsonSchemaToTypanion({ type: 'object', properties: { name: { type: 'string' } } });
 * const errors: string[] = [];
 * isArgs({ name: 42 }, { errors }); // false; errors: ['.name: expected a string, got 42']
 */
export function jsonSchemaToTypanion(schema: JsonSchema, options: SchemaConversionOptions = {}): StrictValidator<unknown, unknown> {
  const check = compileSchema(schema, options);
  return makeValidator<unknown, unknown>({
    test: (value, state?: LocatedValidationState): value is unknown => check(value, rootContext(state ?? {})),
  });
}

/**
 * Makes the context for a top-level check from a typanion state.
 *
 * @param state where failures go
 * @returns the context of the value the state describes
 */
export function rootContext(state: LocatedValidationState): CheckContext {
  return makeContext(state.path ?? [], state.p, state);
}

function makeContext(path: PathSegment[], p: string | undefined, sink: LocatedValidationState): CheckContext {
  return {
    path,
    p,
    child: (key) => makeContext([...path, key], computeKey(p, key), sink),
    fail: (message, at = 'value') => {
      sink.errors?.push(`${p ?? '.'}: ${message}`);
      sink.problems?.push({ path, message, at });
      return false;
    },
  };
}

/** typanion's own path notation, so our errors read like typanion's. */
function computeKey(p: string | undefined, key: PathSegment): string {
  if (typeof key === 'number') return `${p ?? '.'}[${key}]`;
  if (/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) return `${p ?? ''}.${key}`;
  return `${p ?? '.'}[${JSON.stringify(key)}]`;
}

/**
 * Compiles a schema to a {@link Check}, the form other validators can call on nested values with
 * their own context (the step validator does this for each step type's arguments).
 *
 * @param root the schema; `$ref`s resolve against its `$defs`
 * @param options see {@link SchemaConversionOptions}
 * @returns the check
 * @throws {Error} on a `$ref` that does not name one of `root.$defs` (a bug in the schema)
 */
export function compileSchema(root: JsonSchema, options: SchemaConversionOptions = {}): Check {
  const compiled = new Map<JsonSchema, Check>();
  const resolve = (schema: JsonSchema): JsonSchema => {
    if (schema.$ref === undefined) return schema;
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : root.$defs?.[name];
    if (!target) throw new Error(`schema $ref ${schema.$ref} does not name a definition`);
    return target;
  };

  const compile = (schema: JsonSchema): Check => {
    const known = compiled.get(schema);
    if (known) return known;
    // Registered before building so recursive $refs find it.
    let inner: Check = () => true;
    const check: Check = (value, ctx) => inner(value, ctx);
    compiled.set(schema, check);
    inner = build(schema);
    return check;
  };

  const build = (schema: JsonSchema): Check => {
    if (schema.$ref !== undefined) {
      const override = options.refs?.[schema.$ref];
      const target = override ?? compile(resolve(schema));
      return (value, ctx) => options.acceptsAnything?.(value) === true || target(value, ctx);
    }
    if (schema['x-duration'] === true) return (value, ctx) => options.acceptsAnything?.(value) === true || checkDuration(schema, value, ctx);
    const alternatives = schema.oneOf ?? schema.anyOf;
    if (alternatives) {
      const union = buildUnion(schema, alternatives.map(resolve), alternatives.map(compile), schema.oneOf !== undefined);
      return (value, ctx) => options.acceptsAnything?.(value) === true || union(value, ctx);
    }
    const properties = Object.entries(schema.properties ?? {}).map(([key, sub]) => [key, compile(sub)] as const);
    const propertyChecks = new Map(properties);
    const additional = typeof schema.additionalProperties === 'object' ? compile(schema.additionalProperties) : undefined;
    const items = schema.items ? compile(schema.items) : undefined;

    return (value, ctx) => {
      if (options.acceptsAnything?.(value) === true) return true;
      if (!typeMatches(schema, value)) return ctx.fail(`expected ${describeExpected(schema)}, got ${describeValue(value)}`);
      if (schema.enum && !schema.enum.includes(value as string)) {
        const hint = typeof value === 'string' ? closestMatch(value, schema.enum.filter((v): v is string => typeof v === 'string')) : undefined;
        return ctx.fail(`expected ${describeExpected(schema)}, got ${describeValue(value)}${hint ? `; did you mean "${hint}"?` : ''}`);
      }
      if (typeof value === 'number') return checkRange(schema, value, ctx);
      if (typeof value === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        const expected = typeof schema['x-expected'] === 'string' ? schema['x-expected'] : `a string matching /${schema.pattern}/`;
        return ctx.fail(`expected ${expected}, got ${describeValue(value)}`);
      }
      if (Array.isArray(value)) {
        if (!items) return true;
        let ok = true;
        value.forEach((item, index) => {
          ok = items(item, ctx.child(index)) && ok;
        });
        return ok;
      }
      if (isPlainObject(value)) return checkObject(schema, value, ctx, propertyChecks, additional);
      return true;
    };
  };

  return compile(root);
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  ctx: CheckContext,
  properties: ReadonlyMap<string, Check>,
  additional: Check | undefined,
): boolean {
  let ok = true;
  const where = schema.title ? ` in ${schema.title}` : '';
  for (const key of schema.required ?? []) {
    if (!(key in value)) ok = ctx.fail(`missing required key "${key}"${where}`);
  }
  for (const [key, item] of Object.entries(value)) {
    const property = properties.get(key);
    if (property) ok = property(item, ctx.child(key)) && ok;
    else if (additional) ok = additional(item, ctx.child(key)) && ok;
    else if (schema.additionalProperties === false) ok = ctx.child(key).fail(unknownKeyMessage(key, [...properties.keys()], schema.title), 'key');
  }
  return ok;
}

/**
 * The message for a key a mapping does not allow: names the closest allowed key and all of them.
 *
 * @param key the key found
 * @param allowed the keys allowed there
 * @param title what the mapping is, e.g. `step`
 * @returns the message
 */
export function unknownKeyMessage(key: string, allowed: readonly string[], title?: string): string {
  const hint = closestMatch(key, allowed);
  const where = title ? ` in ${title}` : '';
  return `unknown key "${key}"${where}${didYouMean(hint)} Allowed keys: ${allowed.join(', ')}`;
}

function checkRange(schema: JsonSchema, value: number, ctx: CheckContext): boolean {
  const { minimum, maximum } = schema;
  if ((minimum === undefined || value >= minimum) && (maximum === undefined || value <= maximum)) return true;
  const noun = schema.type === 'integer' ? 'an integer' : 'a number';
  const range =
    minimum !== undefined && maximum !== undefined ? `between ${minimum} and ${maximum}` : minimum !== undefined ? `>= ${minimum}` : `<= ${maximum}`;
  const expected = typeof schema['x-expected'] === 'string' ? schema['x-expected'] : `${noun} ${range}`;
  return ctx.fail(`expected ${expected}, got ${value}`);
}

function checkDuration(schema: JsonSchema, value: unknown, ctx: CheckContext): boolean {
  const expected = typeof schema['x-expected'] === 'string' ? schema['x-expected'] : 'a duration like 500ms, 3s, 2m or a number of seconds';
  if (typeof value !== 'string' && typeof value !== 'number') return ctx.fail(`expected ${expected}, got ${describeValue(value)}`);
  try {
    parseDuration(value);
    return true;
  } catch {
    return ctx.fail(`expected ${expected}, got ${describeValue(value)}`);
  }
}

/**
 * A value fits a union's alternatives when its type does; among mappings, those whose required
 * keys are all present. With one candidate left, its own precise errors are reported; with
 * several, the errors of the one that came closest.
 */
function buildUnion(schema: JsonSchema, alternatives: JsonSchema[], checks: Check[], exclusive: boolean): Check {
  return (value, ctx) => {
    let candidates = alternatives.map((_, index) => index).filter((index) => typeMatches(alternatives[index]!, value, true));
    if (candidates.length === 0) return ctx.fail(`expected ${describeExpected(schema)}, got ${describeValue(value)}`);
    if (isPlainObject(value) && candidates.length > 1) {
      const complete = candidates.filter((index) => (alternatives[index]!.required ?? []).every((key) => key in value));
      if (complete.length > 0) candidates = complete;
    }
    if (candidates.length === 1) return checks[candidates[0]!]!(value, ctx);
    const trials = candidates.map((index) => {
      const problems: Array<{ ctx: CheckContext; message: string; at: 'key' | 'value' }> = [];
      const record = (inner: CheckContext): CheckContext => ({
        path: inner.path,
        p: inner.p,
        child: (key) => record(inner.child(key)),
        fail: (message, at = 'value') => {
          problems.push({ ctx: inner, message, at });
          return false;
        },
      });
      const ok = checks[index]!(value, record(ctx));
      return { ok, problems };
    });
    const passed = trials.filter((trial) => trial.ok).length;
    if (exclusive && passed > 1) return ctx.fail(`expected exactly one of ${describeExpected(schema)}, but the value matches ${passed} of them`);
    if (passed > 0) return true;
    const best = trials.reduce((a, b) => (b.problems.length < a.problems.length ? b : a));
    for (const problem of best.problems) problem.ctx.fail(problem.message, problem.at);
    return false;
  };
}

function typeMatches(schema: JsonSchema, value: unknown, lenient = false): boolean {
  if (schema.type === undefined) {
    if (!lenient) return true;
    // A union member without `type`: judge by what its shape implies.
    if (schema.properties || schema.required) return isPlainObject(value);
    if (schema.items) return Array.isArray(value);
    if (schema.enum) return schema.enum.some((v) => jsonTypeOf(v) === jsonTypeOf(value) || (typeof v === 'number' && typeof value === 'number'));
    return true;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = jsonTypeOf(value);
  return types.some((type) => type === actual || (type === 'number' && actual === 'integer'));
}

/**
 * Tells a YAML mapping (a plain object) from lists, nulls and class instances.
 *
 * @param value anything
 * @returns true for plain objects
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
