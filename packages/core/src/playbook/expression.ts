/**
 * The small expression language of `${{ }}` templates and `when:`. No eval: a hand-written
 * parser (the grammar is a dozen lines, and a parser library would cost more to load than this
 * file) builds a tree that {@link evaluateExpression} walks.
 *
 * ```
 * or      := and ('||' and)*
 * and     := compare ('&&' compare)*
 * compare := unary (('==' | '!=') unary)?
 * unary   := '!' unary | primary
 * primary := path | 'string' | "string" | number | true | false | null | '(' or ')'
 * path    := name ('.' name | '[' (number | string) ']')*      where the first name is node, vars or env
 * ```
 */

/** A node of a parsed expression; `start`/`end` are offsets into the expression text. */
export type Expression =
  | { kind: 'path'; root: 'node' | 'vars' | 'env'; segments: Array<string | number>; text: string; start: number; end: number }
  | { kind: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { kind: 'not'; operand: Expression; start: number; end: number }
  | { kind: 'binary'; operator: '||' | '&&' | '==' | '!='; left: Expression; right: Expression; start: number; end: number };

/** A path expression: `vars.app`, `node.labels.role`, `env.HOME`. */
export type PathExpression = Extract<Expression, { kind: 'path' }>;

/** A syntax error in an expression, with the offset where it was noticed. */
export class ExpressionSyntaxError extends Error {
  override name = 'ExpressionSyntaxError';
  /** Offset into the expression text. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

type Token =
  | { kind: 'name'; text: string; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'op'; text: string; start: number; end: number }
  | { kind: 'end'; start: number; end: number };

const roots = ['node', 'vars', 'env'] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new ExpressionSyntaxError(`unterminated string starting here`, start);
      i++;
      tokens.push({ kind: 'string', value, start, end: i });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      i += match[0].length;
      tokens.push({ kind: 'number', value: Number(match[0]), start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))!;
      i += match[0].length;
      tokens.push({ kind: 'name', text: match[0], start, end: i });
    } else {
      const two = text.slice(i, i + 2);
      if (['||', '&&', '==', '!='].includes(two)) {
        i += 2;
        tokens.push({ kind: 'op', text: two, start, end: i });
      } else if ('!().[]'.includes(c)) {
        i++;
        tokens.push({ kind: 'op', text: c, start, end: i });
      } else if (c === '=') {
        throw new ExpressionSyntaxError(`unexpected "=": compare with "=="`, start);
      } else {
        throw new ExpressionSyntaxError(`unexpected character "${c}"`, start);
      }
    }
  }
  tokens.push({ kind: 'end', start: text.length, end: text.length });
  return tokens;
}

/**
 * Parses an expression.
 *
 * @param text the expression, e.g. `vars.env == 'prod' && !env.SKIP`
 * @returns its tree
 * @throws {ExpressionSyntaxError} with the offset of the problem
 */
export function parseExpression(text: string): Expression {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token => tokens[position]!;
  const next = (): Token => tokens[position++]!;
  const isOp = (token: Token, op: string): boolean => token.kind === 'op' && token.text === op;
  const describe = (token: Token): string => (token.kind === 'end' ? 'the end' : `"${text.slice(token.start, token.end)}"`);

  const parseOr = (): Expression => {
    let left = parseAnd();
    while (isOp(peek(), '||')) {
      next();
      const right = parseAnd();
      left = { kind: 'binary', operator: '||', left, right, start: left.start, end: right.end };
    }
    return left;
  };
  const parseAnd = (): Expression => {
    let left = parseCompare();
    while (isOp(peek(), '&&')) {
      next();
      const right = parseCompare();
      left = { kind: 'binary', operator: '&&', left, right, start: left.start, end: right.end };
    }
    return left;
  };
  const parseCompare = (): Expression => {
    const left = parseUnary();
    const token = peek();
    if (isOp(token, '==') || isOp(token, '!=')) {
      next();
      const right = parseUnary();
      return { kind: 'binary', operator: (token as { text: '==' | '!=' }).text, left, right, start: left.start, end: right.end };
    }
    return left;
  };
  const parseUnary = (): Expression => {
    const token = peek();
    if (isOp(token, '!')) {
      next();
      const operand = parseUnary();
      return { kind: 'not', operand, start: token.start, end: operand.end };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Expression => {
    const token = next();
    if (token.kind === 'string' || token.kind === 'number') return { kind: 'literal', value: token.value, start: token.start, end: token.end };
    if (isOp(token, '(')) {
      const inner = parseOr();
      const close = next();
      if (!isOp(close, ')')) throw new ExpressionSyntaxError(`expected ")", found ${describe(close)}`, close.start);
      return inner;
    }
    if (token.kind === 'name') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true', start: token.start, end: token.end };
      if (token.text === 'null') return { kind: 'literal', value: null, start: token.start, end: token.end };
      return parsePath(token);
    }
    throw new ExpressionSyntaxError(`expected a value (a path like vars.name, a 'string', a number, true or false), found ${describe(token)}`, token.start);
  };
  const parsePath = (first: Extract<Token, { kind: 'name' }>): Expression => {
    if (!(roots as readonly string[]).includes(first.text)) {
      throw new ExpressionSyntaxError(`unknown name "${first.text}": paths start with node., vars. or env.`, first.start);
    }
    const segments: Array<string | number> = [];
    let end = first.end;
    for (;;) {
      const token = peek();
      if (isOp(token, '.')) {
        next();
        const name = next();
        if (name.kind !== 'name' && name.kind !== 'number') throw new ExpressionSyntaxError(`expected a name after ".", found ${describe(name)}`, name.start);
        segments.push(name.kind === 'name' ? name.text : name.value);
        end = name.end;
      } else if (isOp(token, '[')) {
        next();
        const key = next();
        if (key.kind !== 'string' && key.kind !== 'number') throw new ExpressionSyntaxError(`expected a 'key' or an index in [], found ${describe(key)}`, key.start);
        const close = next();
        if (!isOp(close, ']')) throw new ExpressionSyntaxError(`expected "]", found ${describe(close)}`, close.start);
        segments.push(key.value);
        end = close.end;
      } else break;
    }
    if (segments.length === 0) throw new ExpressionSyntaxError(`"${first.text}" needs a field: write ${first.text}.<name>`, first.start);
    return { kind: 'path', root: first.text as PathExpression['root'], segments, text: text.slice(first.start, end), start: first.start, end };
  };

  const expression = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') throw new ExpressionSyntaxError(`unexpected ${describe(rest)} after the expression`, rest.start);
  return expression;
}

/**
 * Calls `visit` on every path in an expression, telling whether a missing value is tolerated
 * there (`guarded`: the left side of `||`, which exists to give a default).
 *
 * @param expression a parsed expression
 * @param visit called once per path
 */
export function forEachPath(expression: Expression, visit: (path: PathExpression, guarded: boolean) => void, guarded = false): void {
  switch (expression.kind) {
    case 'path':
      visit(expression, guarded);
      return;
    case 'literal':
      return;
    case 'not':
      forEachPath(expression.operand, visit, guarded);
      return;
    case 'binary':
      forEachPath(expression.left, visit, guarded || expression.operator === '||');
      forEachPath(expression.right, visit, guarded);
  }
}

/** Looks a path up; `undefined` when it names nothing (the caller decides if that is an error). */
export type PathResolver = (path: PathExpression, guarded: boolean) => unknown;

/**
 * Evaluates an expression with JavaScript's truthiness: `a || b` is `a` when truthy, else `b`;
 * `==` compares loosely across numbers, strings and booleans (`'3' == 3`, `'true' == true`),
 * since values from `--vars` and the environment are always strings.
 *
 * @param expression a parsed expression
 * @param resolve looks up paths
 * @returns the value
 */
export function evaluateExpression(expression: Expression, resolve: PathResolver, guarded = false): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'path':
      return resolve(expression, guarded);
    case 'not':
      return !evaluateExpression(expression.operand, resolve, guarded);
    case 'binary': {
      if (expression.operator === '||') {
        const left = evaluateExpression(expression.left, resolve, true);
        return left ? left : evaluateExpression(expression.right, resolve, guarded);
      }
      if (expression.operator === '&&') {
        const left = evaluateExpression(expression.left, resolve, guarded);
        return left ? evaluateExpression(expression.right, resolve, guarded) : left;
      }
      const equal = looseEquals(evaluateExpression(expression.left, resolve, guarded), evaluateExpression(expression.right, resolve, guarded));
      return expression.operator === '==' ? equal : !equal;
    }
  }
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (typeof a === 'string' && typeof b !== 'string') return a === String(b);
  if (typeof b === 'string' && typeof a !== 'string') return b === String(a);
  return false;
}
