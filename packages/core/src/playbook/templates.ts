import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { isPlainObject } from '../schema/json-schema-to-typanion.js';
import { evaluateExpression, ExpressionSyntaxError, parseExpression, type Expression, type PathExpression, type PathResolver } from './expression.js';

/**
 * What `${{ }}` templates and `when:` expressions can name: the node a step runs on, the merged
 * vars (the playbook's, the node's, then `--vars`), and the environment of the runner.
 */
export interface TemplateScope {
  node: {
    name: string;
    host: string;
    port?: number;
    labels: Record<string, string>;
    [field: string]: unknown;
  };
  vars: Record<string, unknown>;
  env: Record<string, string | undefined>;
}

/** A piece of a string with templates: literal text, or one `${{ expression }}`. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `start` is the offset of `${{` in the string, `exprStart` of the expression text. */
  | { kind: 'expression'; source: string; expression: Expression; start: number; end: number; exprStart: number };

/**
 * Tells whether a string contains a `${{` at all (cheap test before parsing).
 *
 * @param value anything
 * @returns true for strings with a template opening
 */
export function hasTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${{');
}

/**
 * Splits a string into text and `${{ expression }}` parts, parsing each expression.
 *
 * @param text the string as written
 * @returns its parts in order
 * @throws {ExpressionSyntaxError} with the offset into `text` of the problem
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf('${{', index);
    if (open === -1) {
      parts.push({ kind: 'text', text: text.slice(index) });
      break;
    }
    if (open > index) parts.push({ kind: 'text', text: text.slice(index, open) });
    const close = findClose(text, open + 3);
    if (close === -1) throw new ExpressionSyntaxError('unterminated template: "${{" has no matching "}}"', open);
    const source = text.slice(open + 3, close);
    if (source.trim() === '') throw new ExpressionSyntaxError('empty template "${{ }}"', open);
    let expression: Expression;
    try {
      expression = parseExpression(source);
    } catch (error) {
      if (error instanceof ExpressionSyntaxError) throw new ExpressionSyntaxError(error.message, open + 3 + error.offset);
      throw error;
    }
    parts.push({ kind: 'expression', source: source.trim(), expression, start: open, end: close + 2, exprStart: open + 3 });
    index = close + 2;
  }
  return parts;
}

/** Finds the `}}` that closes a template, skipping quoted strings inside it. */
function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

/**
 * Tells whether a value is exactly one template, such as `"${{ vars.port }}"`. Such a value
 * renders to the expression's value with its type (a number stays a number), so it may stand
 * where any type is expected.
 *
 * @param value anything
 * @returns true for a string that is one `${{ }}` and nothing else
 */
export function isWholeTemplate(value: unknown): value is string {
  if (!hasTemplate(value) || !value.startsWith('${{') || !value.endsWith('}}')) return false;
  try {
    const parts = parseTemplate(value);
    return parts.length === 1 && parts[0]!.kind === 'expression';
  } catch {
    return false;
  }
}

/**
 * Renders every `${{ }}` in a value for one node: strings inside lists and mappings too. A string
 * that is exactly one template keeps the type of what it names; templates inside longer strings
 * are interpolated (mappings and lists as JSON, null as nothing). Vars whose values contain
 * templates are rendered in turn.
 *
 * @param value step arguments, env, vars: anything parsed from YAML; not modified
 * @param scope the node, vars and environment; see {@link createTemplateScope}
 * @returns a rendered copy
 * @throws {LockstepError} `TEMPLATE_UNRESOLVED` when a template names something that has no value
 *   (and no `|| 'default'`), or vars refer to each other in a cycle
 * @example
 * renderTemplates({ dest: '${{ vars.app }}/${{ node.name }}', port: '${{ vars.port }}' }, scope)
 * // { dest: '/srv/app/web1', port: 8080 }
 */
export function renderTemplates<T>(value: T, scope: TemplateScope): T {
  return renderValue(value, makeResolver(scope, [])) as T;
}

/**
 * Renders a string field (a step's `name`, an `env` value) to a string: like
 * {@link renderTemplates}, but a whole template's value is converted to text too.
 *
 * @param text the string as written
 * @param scope the node, vars and environment
 * @returns the rendered text
 * @throws {LockstepError} `TEMPLATE_UNRESOLVED` as {@link renderTemplates} does
 * @example renderTemplateString('${{ vars.port }}', scope) // '8080'
 */
export function renderTemplateString(text: string, scope: TemplateScope): string {
  return stringify(renderTemplates(text, scope));
}

function renderValue(value: unknown, resolve: PathResolver): unknown {
  if (typeof value === 'string') return hasTemplate(value) ? renderString(value, resolve) : value;
  if (Array.isArray(value)) return value.map((item) => renderValue(item, resolve));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, resolve)]));
  return value;
}

function renderString(text: string, resolve: PathResolver): unknown {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(text);
  } catch (error) {
    throw new LockstepError(ErrorCodes.TEMPLATE_UNRESOLVED, `invalid template in ${JSON.stringify(text)}: ${(error as Error).message}`, { cause: error });
  }
  if (parts.length === 1 && parts[0]!.kind === 'expression') return evaluateExpression(parts[0]!.expression, resolve);
  return parts.map((part) => (part.kind === 'text' ? part.text : stringify(evaluateExpression(part.expression, resolve)))).join('');
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Makes the path lookup for a scope. Missing values are errors unless `guarded` (left of `||`)
 * or `lenient` (in `when`, where an unset variable simply reads as false).
 *
 * @param scope the node, vars and environment
 * @param rendering vars being rendered further up, to detect cycles
 * @param lenient read missing values as undefined instead of failing
 * @returns the resolver for {@link evaluateExpression}
 */
export function makeResolver(scope: TemplateScope, rendering: string[], lenient = false): PathResolver {
  return (path: PathExpression, guarded: boolean) => {
    const [first, ...rest] = path.segments;
    let value: unknown;
    if (path.root === 'node') value = lookup(scope.node, path.segments);
    else if (path.root === 'env') value = rest.length === 0 ? scope.env[String(first)] : undefined;
    else if (Object.hasOwn(scope.vars, String(first))) {
      const name = String(first);
      if (rendering.includes(name)) {
        throw new LockstepError(ErrorCodes.TEMPLATE_UNRESOLVED, `vars refer to each other in a cycle: ${[...rendering, name].map((n) => `vars.${n}`).join(' -> ')}`);
      }
      value = lookup(renderValue(scope.vars[name], makeResolver(scope, [...rendering, name])), rest);
    }
    if (value === undefined && !guarded && !lenient) throw unresolved(path, scope);
    return value;
  };
}

function lookup(value: unknown, segments: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

function unresolved(path: PathExpression, scope: TemplateScope): LockstepError {
  let detail: string;
  if (path.root === 'env') detail = `environment variable ${String(path.segments[0])} is not set; give a default with ${path.text} || 'value'`;
  else if (path.root === 'vars') detail = `${path.text} is not defined (defined vars: ${Object.keys(scope.vars).join(', ') || 'none'})`;
  else detail = `${path.text} has no value on node ${scope.node.name}`;
  return new LockstepError(ErrorCodes.TEMPLATE_UNRESOLVED, `\${{ ${path.text} }}: ${detail}`);
}
