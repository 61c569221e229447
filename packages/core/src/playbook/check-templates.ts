import type { PlaybookProblem } from '../errors/playbook-error.js';
import { closestMatch, didYouMean } from '../schema/closest-match.js';
import { isPlainObject, type PathSegment } from '../schema/json-schema-to-typanion.js';
import { stepCommonProperties } from './playbook-schema.js';
import type { RawNode } from './check-references.js';
import { ExpressionSyntaxError, forEachPath, type Expression, type PathExpression } from './expression.js';
import { hasTemplate, parseTemplate } from './templates.js';
import { parseWhen } from './when.js';
import type { YamlSource } from './yaml-source.js';

/** Fields of `node` that templates may name. */
export const NODE_FIELDS = ['name', 'host', 'port', 'connection', 'user', 'labels', 'workdir'] as const;

/** What a load-time check of templates needs to know. */
export interface TemplateCheckInput {
  data: Record<string, unknown>;
  source: YamlSource;
  nodes: readonly RawNode[];
  /** Per phase index, the nodes it runs on. */
  phaseNodes: readonly string[][];
  /** `--vars` overrides. */
  cliVars: Record<string, string>;
  env: Record<string, string | undefined>;
}

/**
 * Checks every `${{ }}` and `when:` in a playbook before anything runs: syntax, names (vars
 * defined for every node the value is used on, node fields, set environment variables), and
 * place (templates are only expanded in vars, step arguments, step env and step names).
 *
 * @param input the document and what names resolve against
 * @returns the problems found
 */
export function checkTemplates(input: TemplateCheckInput): PlaybookProblem[] {
  const problems: PlaybookProblem[] = [];
  const { data, source } = input;
  const byName = new Map(input.nodes.map((node) => [node.name, node]));
  const topVars = isPlainObject(data.vars) ? data.vars : {};
  const merged = new Map<RawNode, Record<string, unknown>>();
  const varsOf = (node: RawNode): Record<string, unknown> => {
    let vars = merged.get(node);
    if (!vars) merged.set(node, (vars = { ...topVars, ...node.vars, ...input.cliVars }));
    return vars;
  };
  const commonKeys = new Set(Object.keys(stepCommonProperties));

  const checkPath = (path: PathExpression, guarded: boolean, lenientEnv: boolean, nodes: readonly RawNode[]): string | undefined => {
    const [first, ...rest] = path.segments;
    const name = String(first);
    if (path.root === 'env') {
      if (rest.length > 0) return `${path.text}: environment variables are strings and have no fields; write env.${name}`;
      if (guarded || lenientEnv || input.env[name] !== undefined) return undefined;
      return `environment variable ${name} is not set (${path.text}); set it, or give a default: \${{ ${path.text} || 'value' }}`;
    }
    if (path.root === 'node') {
      if (!(NODE_FIELDS as readonly string[]).includes(name)) {
        const hint = closestMatch(name, NODE_FIELDS);
        return `unknown node field "${path.text}"${didYouMean(hint, (h) => `"node.${h}"`)} Node fields: ${NODE_FIELDS.join(', ')}`;
      }
      if (name !== 'labels' || rest.length === 0 || guarded) return undefined;
      const label = String(rest[0]);
      const missing = nodes.filter((node) => !Object.hasOwn(node.labels, label)).map((node) => node.name);
      return missing.length === 0 ? undefined : `label "${label}" (${path.text}) is not set on node ${missing.join(', ')}`;
    }
    if (guarded) return undefined;
    const scopes = nodes.length > 0 ? nodes.map((node) => ({ node: node.name, vars: varsOf(node) })) : [{ node: undefined, vars: { ...topVars, ...input.cliVars } }];
    const missing = scopes.filter((scope) => !hasPath(scope.vars, path.segments));
    if (missing.length === 0) return undefined;
    const defined = Object.keys(missing[0]!.vars);
    if (!defined.includes(name)) {
      const hint = closestMatch(name, defined);
      const where = missing.length === scopes.length ? '' : ` on node ${missing.map((m) => m.node).join(', ')}`;
      return `undefined variable "${path.text}"${where}${didYouMean(hint, (h) => `"vars.${h}"`)} Defined vars: ${defined.join(', ') || 'none'}`;
    }
    return `"${path.text}" does not exist: vars.${name} has no such field`;
  };

  const checkExpression = (expression: Expression, scalarPath: PathSegment[], baseOffset: number, lenientEnv: boolean, nodes: readonly RawNode[]): void => {
    forEachPath(expression, (path, guarded) => {
      const message = checkPath(path, guarded, lenientEnv, nodes);
      if (message) problems.push(source.problemAt(scalarPath, message, 'value', baseOffset + path.start));
    });
  };

  const checkString = (text: string, path: PathSegment[], nodes: readonly RawNode[]): void => {
    try {
      for (const part of parseTemplate(text)) {
        if (part.kind !== 'expression') continue;
        const base = source.offsetInScalar(path, text.slice(part.start, part.end));
        checkExpression(part.expression, path, base + (part.exprStart - part.start), false, nodes);
      }
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      const base = source.offsetInScalar(path, text);
      problems.push(source.problemAt(path, `invalid template: ${error.message}`, 'value', base + error.offset));
    }
  };

  const checkWhen = (value: unknown, path: PathSegment[], nodes: readonly RawNode[]): void => {
    if (typeof value !== 'string') return;
    const base = source.offsetInScalar(path, value);
    try {
      checkExpression(parseWhen(value), path, base, true, nodes);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      problems.push(source.problemAt(path, `invalid when expression: ${error.message}`, 'value', base + error.offset));
    }
  };

  const walk = (value: unknown, path: PathSegment[], visit: (text: string, path: PathSegment[]) => void): void => {
    if (typeof value === 'string') {
      if (hasTemplate(value)) visit(value, path);
    } else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index], visit));
    else if (isPlainObject(value)) for (const [key, item] of Object.entries(value)) walk(item, [...path, key], visit);
  };
  const allowed = (nodes: readonly RawNode[]) => (text: string, path: PathSegment[]) => checkString(text, path, nodes);
  const forbidden = (text: string, path: PathSegment[]): void => {
    problems.push(
      source.problemAt(path, 'templates are not expanded here: ${{ }} works in vars, step arguments, step env and step names', 'value', source.offsetInScalar(path, '${{')),
    );
  };

  problems.push(...checkVarCycles(topVars, source));
  for (const [key, value] of Object.entries(data)) {
    if (key === 'vars') walk(value, ['vars'], allowed(input.nodes));
    else if (key === 'nodes' && isPlainObject(value)) {
      for (const [name, node] of Object.entries(value)) {
        if (!isPlainObject(node)) continue;
        for (const [field, item] of Object.entries(node)) {
          walk(item, ['nodes', name, field], field === 'vars' ? allowed([byName.get(name)!]) : forbidden);
        }
      }
    } else if (key === 'phases' && Array.isArray(value)) {
      value.forEach((phase: unknown, p) => {
        if (!isPlainObject(phase)) return;
        const nodes = (input.phaseNodes[p] ?? []).flatMap((name) => byName.get(name) ?? []);
        for (const [field, item] of Object.entries(phase)) {
          if (field !== 'steps' || !Array.isArray(item)) {
            walk(item, ['phases', p, field], forbidden);
            continue;
          }
          item.forEach((step: unknown, s) => {
            if (!isPlainObject(step)) return;
            for (const [stepKey, stepValue] of Object.entries(step)) {
              const path = ['phases', p, 'steps', s, stepKey];
              if (stepKey === 'when') checkWhen(stepValue, path, nodes);
              else walk(stepValue, path, commonKeys.has(stepKey) && stepKey !== 'env' && stepKey !== 'name' ? forbidden : allowed(nodes));
            }
          });
        }
      });
    } else walk(value, [key], forbidden);
  }
  return problems;
}

function hasPath(vars: Record<string, unknown>, segments: ReadonlyArray<string | number>): boolean {
  let current: unknown = vars;
  for (const segment of segments) {
    // A templated value's shape is only known once rendered: trust it.
    if (hasTemplate(current)) return true;
    if (Array.isArray(current) && typeof segment === 'number') {
      if (segment >= current.length) return false;
      current = current[segment];
    } else if (isPlainObject(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return false;
  }
  return true;
}

/** Finds vars whose templates refer to each other in a loop (`a: ${{ vars.b }}`, `b: ${{ vars.a }}`). */
function checkVarCycles(vars: Record<string, unknown>, source: YamlSource): PlaybookProblem[] {
  const edges = new Map<string, string[]>();
  const collect = (value: unknown, into: string[]): void => {
    if (hasTemplate(value)) {
      try {
        for (const part of parseTemplate(value)) {
          if (part.kind === 'expression') forEachPath(part.expression, (path) => path.root === 'vars' && into.push(String(path.segments[0])));
        }
      } catch {
        // Syntax errors are reported by the template check.
      }
    } else if (Array.isArray(value)) value.forEach((item) => collect(item, into));
    else if (isPlainObject(value)) Object.values(value).forEach((item) => collect(item, into));
  };
  for (const [name, value] of Object.entries(vars)) {
    const refs: string[] = [];
    collect(value, refs);
    edges.set(name, refs.filter((ref) => Object.hasOwn(vars, ref)));
  }
  const done = new Set<string>();
  const problems: PlaybookProblem[] = [];
  const visit = (name: string, stack: string[]): void => {
    if (stack.includes(name)) {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      problems.push(source.problemAt(['vars', name], `vars refer to each other in a cycle: ${cycle.map((n) => `vars.${n}`).join(' -> ')}`, 'key'));
      return;
    }
    if (done.has(name)) return;
    done.add(name);
    for (const next of edges.get(name) ?? []) visit(next, [...stack, name]);
  };
  for (const name of edges.keys()) visit(name, []);
  return problems;
}
