import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type {
  CompareExpr, CompareOp, FilterExpr, FunctionExpr, InExpr, LambdaExpr, Literal, PredicateExpr,
} from '#src/core/odata/index.ts';
import type { CustomFilterContext, FieldMap, FilterOperator, LambdaSource } from './field-map.ts';
import {
  fieldTarget, resolveOperand, type CollectionTarget, type CustomTarget, type ScalarTarget, type Target, type Translation,
} from './filter-targets.ts';
import { coerceLiteral, escapeLike, filterError, type BoundValue } from './filter-values.ts';

/**
 * Translate a parsed `$filter` into a Kysely condition for `.where(...)`, using the resource's field map.
 *
 * Semantics follow OData rather than SQL: a comparison with a NULL column is false (except `eq null`), so `not`
 * and `ne` include NULL rows. `not` is pushed down to the leaves (De Morgan), where each predicate has an exact
 * negated form; the SQL never contains a NOT over something that could be NULL. Values are always bound parameters.
 */
export function filterToSql(filter: FilterExpr, fields: FieldMap, resource = 'this resource'): Expression<SqlBool> {
  return translate(filter, { resource, fields, scopes: [], aliases: 0 }, false);
}

type Condition = RawBuilder<SqlBool>;

const SQL_OPS: Readonly<Record<CompareOp, string>> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
const COMPLEMENT: Readonly<Record<CompareOp, CompareOp>> = { eq: 'ne', ne: 'eq', gt: 'le', ge: 'lt', lt: 'ge', le: 'gt' };

const joinAll = (parts: Condition[], keyword: 'AND' | 'OR'): Condition =>
  parts.length === 1 ? (parts[0] as Condition) : sql<SqlBool>`(${sql.join(parts, sql.raw(` ${keyword} `))})`;

function translate(expr: FilterExpr, t: Translation, negated: boolean): Condition {
  switch (expr.type) {
    case 'and':
    case 'or': {
      const parts = expr.operands.map((operand) => translate(operand, t, negated));
      return joinAll(parts, (expr.type === 'and') !== negated ? 'AND' : 'OR');
    }
    case 'not':
      return translate(expr.operand, t, !negated);
    default:
      return translatePredicate(expr, resolveOperand(operandOf(expr), t), t, negated);
  }
}

const operandOf = (expr: PredicateExpr) =>
  expr.type === 'lambda' ? expr.collection : expr.type === 'function' ? expr.target : expr.left;

const operatorOf = (expr: PredicateExpr): FilterOperator =>
  expr.type === 'compare' ? expr.op : expr.type === 'in' ? 'in' : expr.type === 'function' ? expr.name : expr.quantifier;

function translatePredicate(expr: PredicateExpr, target: Target, t: Translation, negated: boolean): Condition {
  if (target.kind === 'custom') {
    const positive = sql<SqlBool>`(${target.field.filter(expr, customContext(expr, target, t))})`;
    // The custom condition may be NULL for some rows; coalesce makes its negation exact.
    return negated ? sql<SqlBool>`NOT coalesce(${positive}, false)` : positive;
  }
  const operator = operatorOf(expr);
  const position = operandOf(expr).position;
  if (expr.type === 'lambda') {
    if (target.kind !== 'collection') {
      throw filterError(`Property '${target.name}' on ${t.resource} is not a collection; ${operator} applies to collections`, position);
    }
    checkOperator(target, operator, t, position);
    return translateLambda(expr, target.source(`odata_l${t.aliases++}`), target.name, t, negated);
  }
  if (target.kind === 'collection') {
    throw filterError(`Property '${target.name}' on ${t.resource} is a collection; filter it with a lambda, e.g. ${target.name}/any(x: ...)`, position);
  }
  checkOperator(target, operator, t, position);
  if (expr.type === 'compare') return compareSql(expr, target, t, negated);
  if (expr.type === 'in') return inSql(expr, target, t, negated);
  return likeSql(expr, target, t, negated);
}

function checkOperator(target: ScalarTarget | CollectionTarget, operator: FilterOperator, t: Translation, position: number): void {
  if (target.operators.includes(operator)) return;
  const supported = target.operators.length > 0 ? ` (supported: ${target.operators.join(', ')})` : '';
  throw filterError(`Operator '${operator}' is not supported for property '${target.name}' on ${t.resource}${supported}`, position);
}

function translateLambda(expr: LambdaExpr, source: LambdaSource, collection: string, t: Translation, negated: boolean): Condition {
  if (!expr.predicate || !expr.variable) {
    const exists = sql<SqlBool>`EXISTS (SELECT 1 FROM ${source.from})`;
    return negated ? sql<SqlBool>`NOT ${exists}` : exists;
  }
  // any(p) = EXISTS(p); all(p) = NOT EXISTS(not p). EXISTS is never NULL, so negating it is exact.
  t.scopes.push({ variable: expr.variable, collection, source });
  try {
    const body = translate(expr.predicate, t, expr.quantifier === 'all');
    const exists = sql<SqlBool>`EXISTS (SELECT 1 FROM ${source.from} WHERE ${body})`;
    return (expr.quantifier === 'any') !== negated ? exists : sql<SqlBool>`NOT ${exists}`;
  } finally {
    t.scopes.pop();
  }
}

/** The column side of a comparison: strings compare lower-cased, because Graph's directory is case-insensitive. */
const columnSide = (target: ScalarTarget): Expression<unknown> =>
  target.type === 'string' ? sql`lower(${target.sql})` : target.sql;

/** The value side: a bound parameter cast to the column's type, so PostgreSQL never has to guess it. */
function valueSide(target: ScalarTarget, value: BoundValue): Expression<unknown> {
  switch (target.type) {
    case 'string':
      return sql`lower(${value}::text)`;
    case 'enum':
      return sql`${value}::text`;
    case 'guid':
      return sql`${value}::uuid`;
    case 'datetime':
      return sql`${value}::timestamptz`;
    case 'number':
      return sql`${value}::numeric`;
    case 'boolean':
      return sql`${value}::boolean`;
  }
}

const valueOf = (literal: Exclude<Literal, { type: 'null' }>, target: ScalarTarget, t: Translation) =>
  coerceLiteral(literal, target.type, { name: target.name, resource: t.resource }, target.enumValues);

function compareSql(expr: CompareExpr, target: ScalarTarget, t: Translation, negated: boolean): Condition {
  const literal = expr.right;
  if (literal.type === 'null') {
    if (expr.op !== 'eq' && expr.op !== 'ne') {
      throw filterError(`Property '${target.name}' on ${t.resource} can be compared with null only using eq or ne`, literal.position);
    }
    return (expr.op === 'eq') !== negated ? sql<SqlBool>`${target.sql} IS NULL` : sql<SqlBool>`${target.sql} IS NOT NULL`;
  }
  const op = negated ? COMPLEMENT[expr.op] : expr.op;
  const comparison = sql<SqlBool>`${columnSide(target)} ${sql.raw(SQL_OPS[op])} ${valueSide(target, valueOf(literal, target, t))}`;
  // `ne`, and the negation of every other operator, is true for NULL (OData's two-valued logic).
  const includesNull = negated ? expr.op !== 'ne' : expr.op === 'ne';
  return includesNull ? sql<SqlBool>`(${target.sql} IS NULL OR ${comparison})` : comparison;
}

function inSql(expr: InExpr, target: ScalarTarget, t: Translation, negated: boolean): Condition {
  const rights = expr.values.flatMap((literal) => (literal.type === 'null' ? [] : [valueSide(target, valueOf(literal, target, t))]));
  const hasNull = rights.length < expr.values.length;
  const left = columnSide(target);
  const column = target.sql;
  if (rights.length === 0) return negated ? sql<SqlBool>`${column} IS NOT NULL` : sql<SqlBool>`${column} IS NULL`;
  const list = sql`ARRAY[${sql.join(rights)}]`;
  if (negated) {
    const outside = sql<SqlBool>`${left} <> ALL(${list})`;
    return hasNull ? sql<SqlBool>`(${column} IS NOT NULL AND ${outside})` : sql<SqlBool>`(${column} IS NULL OR ${outside})`;
  }
  const inside = sql<SqlBool>`${left} = ANY(${list})`;
  return hasNull ? sql<SqlBool>`(${column} IS NULL OR ${inside})` : inside;
}

function likeSql(expr: FunctionExpr, target: ScalarTarget, t: Translation, negated: boolean): Condition {
  if (target.type !== 'string' && target.type !== 'enum') {
    throw filterError(`${expr.name} works on strings; property '${target.name}' on ${t.resource} is not one`, expr.position);
  }
  const escaped = escapeLike(expr.value);
  const pattern = expr.name === 'startsWith' ? `${escaped}%` : expr.name === 'endsWith' ? `%${escaped}` : `%${escaped}%`;
  // Lower-casing both sides in SQL keeps one definition of case (PostgreSQL's), and `\` is LIKE's default escape.
  return negated
    ? sql<SqlBool>`(${target.sql} IS NULL OR lower(${target.sql}) NOT LIKE lower(${pattern}::text))`
    : sql<SqlBool>`lower(${target.sql}) LIKE lower(${pattern}::text)`;
}

function customContext(expr: PredicateExpr, target: CustomTarget, t: Translation): CustomFilterContext {
  const position = operandOf(expr).position;
  const unsupported = (detail?: string) =>
    filterError(`This filter on property '${target.name}' is not supported on ${t.resource}${detail ? `: ${detail}` : ''}`, position);
  return {
    resource: t.resource,
    property: target.key,
    subPath: target.subPath,
    value: (literal, type) =>
      literal.type === 'null' ? null : coerceLiteral(literal, type, { name: target.name, resource: t.resource }),
    unsupported,
    translateAs: (field) => translatePredicate(expr, fieldTarget(target.name, field), t, false),
    lambda: (source) => {
      if (expr.type !== 'lambda') throw unsupported('use any or all');
      return translateLambda(expr, source(`odata_l${t.aliases++}`), target.name, t, false);
    },
  };
}
