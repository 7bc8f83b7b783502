import type { CompareOp, FilterExpr, Literal, Operand } from '#src/core/odata/index.ts';

/**
 * A reference evaluator of OData filter semantics over plain objects, written as directly as possible from the
 * rules (comparisons with NULL are false except eq/ne null; `not` is boolean negation; strings compare
 * case-insensitively; `all` over an empty collection is true). The SQL translation must agree with it.
 */
export type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };
export type ValueKind = 'string' | 'enum' | 'number' | 'boolean' | 'datetime';

export interface Model {
  /** A property's value in a row and how to compare it. */
  property(row: Record<string, Value>, path: string): { value: Value; kind: ValueKind | 'collection' };
  /** The kind of a lambda variable's value or sub-property. */
  elementKind(collection: string, path: string): ValueKind;
}

type Env = Map<string, { value: Value; collection: string }>;

export function evaluate(expr: FilterExpr, row: Record<string, Value>, model: Model, env: Env = new Map()): boolean {
  switch (expr.type) {
    case 'and':
      return expr.operands.every((operand) => evaluate(operand, row, model, env));
    case 'or':
      return expr.operands.some((operand) => evaluate(operand, row, model, env));
    case 'not':
      return !evaluate(expr.operand, row, model, env);
    case 'compare': {
      const { value, kind } = read(expr.left, row, model, env);
      return compare(value, expr.op, expr.right, kind);
    }
    case 'in': {
      const { value, kind } = read(expr.left, row, model, env);
      return expr.values.some((literal) => compare(value, 'eq', literal, kind));
    }
    case 'function': {
      const { value } = read(expr.target, row, model, env);
      if (typeof value !== 'string') return false;
      const [text, part] = [value.toLowerCase(), expr.value.toLowerCase()];
      return expr.name === 'startsWith' ? text.startsWith(part) : expr.name === 'endsWith' ? text.endsWith(part) : text.includes(part);
    }
    case 'lambda': {
      const collectionName = expr.collection.type === 'property' ? expr.collection.path : expr.collection.name;
      const items = (read(expr.collection, row, model, env).value ?? []) as Value[];
      if (!expr.predicate || !expr.variable) return items.length > 0;
      const test = (item: Value) =>
        evaluate(expr.predicate as FilterExpr, row, model, new Map(env).set(expr.variable as string, { value: item, collection: collectionName }));
      return expr.quantifier === 'any' ? items.some(test) : items.every(test);
    }
  }
}

function read(operand: Operand, row: Record<string, Value>, model: Model, env: Env): { value: Value; kind: ValueKind | 'collection' } {
  if (operand.type === 'property') return model.property(row, operand.path);
  const bound = env.get(operand.name);
  if (!bound) throw new Error(`unbound variable ${operand.name}`);
  const value = operand.path === '' ? bound.value : ((bound.value as Record<string, Value> | null)?.[operand.path] ?? null);
  return { value, kind: model.elementKind(bound.collection, operand.path) };
}

/** Microseconds since the epoch: PostgreSQL keeps them, JavaScript's Date would round them away. */
function micros(iso: string): number {
  const fraction = (/\.(\d+)/.exec(iso)?.[1] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(iso.replace(/\.\d+/, '')) * 1000 + Number(fraction);
}

function literalValue(literal: Exclude<Literal, { type: 'null' }>, kind: ValueKind | 'collection'): string | number | boolean {
  if (kind === 'datetime' && literal.type === 'datetime') return micros(literal.value);
  return literal.value;
}

function compare(value: Value, op: CompareOp, literal: Literal, kind: ValueKind | 'collection'): boolean {
  const isNull = value === null || value === undefined;
  if (literal.type === 'null') return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
  if (isNull) return op === 'ne';
  let left = kind === 'datetime' ? micros(value as string) : (value as string | number | boolean);
  let right = literalValue(literal, kind);
  if (typeof left === 'string' && typeof right === 'string') [left, right] = [left.toLowerCase(), right.toLowerCase()];
  switch (op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}
