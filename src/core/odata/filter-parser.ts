import type {
  CompareOp, FilterExpr, FunctionExpr, InExpr, LambdaExpr, Literal, Operand, StringFunction,
} from './filter-ast.ts';
import { syntaxError, tokenize, type Token } from './filter-lexer.ts';

/** Graph rejects longer filters too; the limit also bounds the work one request can cause. */
export const MAX_FILTER_LENGTH = 4096;
/** Parentheses, `not` and lambdas nest; the limit keeps recursion (here and in the translators) shallow. */
export const MAX_FILTER_DEPTH = 50;

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
// Function names are case-insensitive in Graph (`startswith` is common in its own docs).
const FUNCTIONS: Readonly<Record<string, StringFunction>> = {
  startswith: 'startsWith',
  endswith: 'endsWith',
  contains: 'contains',
};

const fail = (what: string, position: number) => syntaxError('$filter', what, position);

/**
 * Parse a Graph `$filter`. Precedence from tight to loose: comparisons/functions/lambdas, `not`, `and`, `or`.
 * Every failure is a 400 AppError whose details carry the 0-based `position` of the problem.
 */
export function parseFilter(text: string): FilterExpr {
  if (text.length > MAX_FILTER_LENGTH) {
    throw fail(`longer than ${MAX_FILTER_LENGTH.toLocaleString('en-US')} characters`, MAX_FILTER_LENGTH);
  }
  const parser = new FilterParser(tokenize(text));
  return parser.parseWhole();
}

class FilterParser {
  private index = 0;
  private depth = 0;
  private readonly variables: string[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  parseWhole(): FilterExpr {
    const expr = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      const what = rest.kind === 'punct' && rest.value === ')' ? "unmatched ')'" : "expected 'and', 'or' or the end of the filter";
      throw fail(what, rest.position);
    }
    return expr;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private static isWord(token: Token, lower: string): boolean {
    return token.kind === 'word' && token.value.toLowerCase() === lower;
  }

  private static isPunct(token: Token, value: string): boolean {
    return token.kind === 'punct' && token.value === value;
  }

  private expectPunct(value: '(' | ')' | ',' | ':'): void {
    const token = this.next();
    if (!FilterParser.isPunct(token, value)) throw fail(`expected '${value}'`, token.position);
  }

  /** Runs one level of nesting, refusing to go deeper than the limit. */
  private nested<T>(position: number, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) throw fail(`nested more than ${MAX_FILTER_DEPTH} levels deep`, position);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseOr(): FilterExpr {
    const operands = [this.parseAnd()];
    while (FilterParser.isWord(this.peek(), 'or')) {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? (operands[0] as FilterExpr) : { type: 'or', operands };
  }

  private parseAnd(): FilterExpr {
    const operands = [this.parseUnary()];
    while (FilterParser.isWord(this.peek(), 'and')) {
      this.next();
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? (operands[0] as FilterExpr) : { type: 'and', operands };
  }

  private parseUnary(): FilterExpr {
    const token = this.peek();
    if (FilterParser.isWord(token, 'not')) {
      this.next();
      return this.nested(token.position, () => ({ type: 'not', operand: this.parseUnary() }));
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpr {
    const token = this.peek();
    if (FilterParser.isPunct(token, '(')) {
      this.next();
      return this.nested(token.position, () => {
        const inner = this.parseOr();
        this.expectPunct(')');
        return inner;
      });
    }
    if (token.kind === 'word') {
      return FilterParser.isPunct(this.peek(1), '(') ? this.parseFunction() : this.parsePredicate();
    }
    const what = token.kind === 'end' ? 'expected a condition' : "expected a property name, a function, 'not' or '('";
    throw fail(what, token.position);
  }

  private parseFunction(): FunctionExpr {
    const nameToken = this.next() as Extract<Token, { kind: 'word' }>;
    const name = FUNCTIONS[nameToken.value.toLowerCase()];
    if (!name) {
      throw fail(`unknown function '${nameToken.value}' (supported: startsWith, endsWith, contains)`, nameToken.position);
    }
    this.expectPunct('(');
    const target = this.parseOperand();
    if (target.lambda) throw fail(`${name} takes a property, not a lambda`, target.lambda);
    this.expectPunct(',');
    const valueToken = this.next();
    if (valueToken.kind !== 'literal' || valueToken.literal.type !== 'string') {
      throw fail(`expected a quoted string as the second argument of ${name}`, valueToken.position);
    }
    this.expectPunct(')');
    return { type: 'function', name, target: target.operand, value: valueToken.literal.value, position: nameToken.position };
  }

  /** A property or variable path, stopping before `/any(` or `/all(`; `lambda` is the position of such a suffix. */
  private parseOperand(): { operand: Operand; lambda: number | undefined } {
    const first = this.next();
    if (first.kind !== 'word') throw fail('expected a property name', first.position);
    const segments: string[] = [];
    let lambda: number | undefined;
    while (FilterParser.isPunct(this.peek(), '/')) {
      const segment = this.peek(1);
      if (segment.kind !== 'word') throw fail("expected a property name after '/'", segment.position);
      const lower = segment.value.toLowerCase();
      if ((lower === 'any' || lower === 'all') && FilterParser.isPunct(this.peek(2), '(')) {
        lambda = segment.position;
        break;
      }
      this.index += 2;
      segments.push(segment.value);
    }
    const operand: Operand = this.variables.includes(first.value)
      ? { type: 'variable', name: first.value, path: segments.join('/'), position: first.position }
      : { type: 'property', path: [first.value, ...segments].join('/'), position: first.position };
    return { operand, lambda };
  }

  private parsePredicate(): FilterExpr {
    const { operand, lambda } = this.parseOperand();
    if (lambda !== undefined) return this.parseLambda(operand, lambda);
    const op = this.next();
    if (op.kind === 'word' && COMPARE_OPS.has(op.value.toLowerCase())) {
      return { type: 'compare', op: op.value.toLowerCase() as CompareOp, left: operand, right: this.parseLiteral() };
    }
    if (FilterParser.isWord(op, 'in')) return this.parseIn(operand);
    const name = operand.type === 'property' ? operand.path : [operand.name, operand.path].filter(Boolean).join('/');
    throw fail(`expected a comparison operator (eq, ne, gt, ge, lt, le) or 'in' after '${name}'`, op.position);
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.kind === 'literal') return token.literal;
    if (token.kind === 'word') {
      const lower = token.value.toLowerCase();
      if (lower === 'true' || lower === 'false') return { type: 'boolean', value: lower === 'true', position: token.position };
      if (lower === 'null') return { type: 'null', position: token.position };
    }
    throw fail('expected a value (a quoted string, number, true, false, null, id or datetime)', token.position);
  }

  private parseIn(left: Operand): InExpr {
    this.expectPunct('(');
    const values = [this.parseLiteral()];
    while (FilterParser.isPunct(this.peek(), ',')) {
      this.next();
      values.push(this.parseLiteral());
    }
    this.expectPunct(')');
    return { type: 'in', left, values };
  }

  private parseLambda(collection: Operand, position: number): LambdaExpr {
    this.index += 1; // the '/'
    const quantifier = (this.next() as Extract<Token, { kind: 'word' }>).value.toLowerCase() as 'any' | 'all';
    this.expectPunct('(');
    if (FilterParser.isPunct(this.peek(), ')')) {
      if (quantifier === 'all') throw fail('all() needs a condition, e.g. all(x: x eq 1)', this.peek().position);
      this.next();
      return { type: 'lambda', quantifier, collection, variable: undefined, predicate: undefined };
    }
    const variable = this.next();
    if (variable.kind !== 'word') throw fail('expected a lambda variable name', variable.position);
    if (this.variables.includes(variable.value)) {
      throw fail(`lambda variable '${variable.value}' is already in use`, variable.position);
    }
    this.expectPunct(':');
    const predicate = this.nested(position, () => {
      this.variables.push(variable.value);
      try {
        return this.parseOr();
      } finally {
        this.variables.pop();
      }
    });
    this.expectPunct(')');
    return { type: 'lambda', quantifier, collection, variable: variable.value, predicate };
  }
}
