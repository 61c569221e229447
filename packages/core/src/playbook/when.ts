import { ErrorCodes } from '../errors/codes.js';
import { LockstepError } from '../errors/lockstep-error.js';
import { evaluateExpression, ExpressionSyntaxError, parseExpression, type Expression } from './expression.js';
import { makeResolver, type TemplateScope } from './templates.js';

/**
 * Strips an optional `${{ }}` around a `when:` expression: both `when: vars.canary` and
 * `when: ${{ vars.canary }}` are accepted, as in GitHub Actions' `if:`.
 *
 * @param expression the text of `when:`
 * @returns the bare expression and its offset in the original text
 */
export function unwrapWhen(expression: string): { text: string; offset: number } {
  const match = /^(\s*\$\{\{)([\s\S]*)\}\}\s*$/.exec(expression);
  if (!match) return { text: expression, offset: 0 };
  return { text: match[2]!, offset: match[1]!.length };
}

/**
 * Parses a `when:` expression (with or without `${{ }}` around it).
 *
 * @param expression the text of `when:`
 * @returns the parsed expression
 * @throws {ExpressionSyntaxError} with the offset into `expression`
 */
export function parseWhen(expression: string): Expression {
  const { text, offset } = unwrapWhen(expression);
  try {
    return parseExpression(text);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) throw new ExpressionSyntaxError(error.message, error.offset + offset);
    throw error;
  }
}

/**
 * Decides whether a step runs on a node. The language is small and safe (no eval): paths into
 * `node`, `vars` and `env`, string/number/boolean literals, `==`, `!=`, `!`, `&&`, `||` and
 * parentheses. An unset `env.X` reads as undefined (false); truthiness is JavaScript's, so
 * compare strings explicitly: `env.DEPLOY == 'true'`.
 *
 * @param expression the text of `when:`, e.g. `node.labels.role == 'primary' && !env.SKIP`
 * @param scope the node, vars and environment
 * @returns whether the step runs
 * @throws {LockstepError} `WHEN_INVALID` for a syntax error (the playbook loader reports these
 *   with their position before a run starts) or a var that cannot be rendered
 * @example evaluateWhen("vars.stage == 'prod'", scope) // true or false
 */
export function evaluateWhen(expression: string, scope: TemplateScope): boolean {
  try {
    return Boolean(evaluateExpression(parseWhen(expression), makeResolver(scope, [], true)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LockstepError(ErrorCodes.WHEN_INVALID, `when: ${expression}: ${reason}`, { cause: error });
  }
}
