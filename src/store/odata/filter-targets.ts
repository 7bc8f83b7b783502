import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Operand } from '#src/core/odata/index.ts';
import {
  DEFAULT_OPERATORS, type CustomField, type Field, type FieldMap, type FilterOperator, type LambdaSource, type ScalarField,
  type ScalarType, type SubField,
} from './field-map.ts';
import { filterError } from './filter-values.ts';

/**
 * Resolves what a `$filter` operand refers to: a column to compare, a collection to run a lambda over, or a
 * custom translation. Lambda variables resolve against the scopes of the lambdas around them.
 */
export interface ScalarTarget {
  kind: 'scalar';
  name: string;
  type: ScalarType | 'enum';
  sql: Expression<unknown>;
  enumValues: readonly string[];
  operators: readonly FilterOperator[];
}

export interface CollectionTarget {
  kind: 'collection';
  name: string;
  operators: readonly FilterOperator[];
  source: (alias: string) => LambdaSource;
}

export interface CustomTarget {
  kind: 'custom';
  name: string;
  key: string;
  subPath: string;
  field: CustomField;
}

export type Target = ScalarTarget | CollectionTarget | CustomTarget;

export interface Scope {
  variable: string;
  collection: string;
  source: LambdaSource;
}

export interface Translation {
  resource: string;
  fields: FieldMap;
  /** Innermost last. */
  scopes: Scope[];
  /** Counter for unique lambda aliases. */
  aliases: number;
}

export const columnSql = (column: string | RawBuilder<unknown>): Expression<unknown> =>
  typeof column === 'string' ? sql.ref(column) : column;

// Aliased columns of lambda rows get unlikely names so they never shadow a column of the outer row.
const VALUE_COLUMN = 'odata_value';

export function scalarTarget(name: string, field: ScalarField | Extract<Field, { type: 'enum' }>): ScalarTarget {
  return {
    kind: 'scalar',
    name,
    type: field.type,
    sql: columnSql(field.column),
    enumValues: field.type === 'enum' ? field.values : [],
    operators: field.operators ?? DEFAULT_OPERATORS[field.type],
  };
}

/** A jsonb sub-property as a typed SQL value; ids that are not UUIDs read as NULL rather than failing the cast. */
function jsonSubField(alias: string, key: string, sub: SubField): ScalarField {
  const type = typeof sub === 'string' ? sub : sub.type;
  // The key is cast because `jsonb ->> unknown` is ambiguous between the text and the integer operator.
  const text = sql`(${sql.ref(`${alias}.${VALUE_COLUMN}`)} ->> ${key}::text)`;
  const casts: Record<ScalarType, RawBuilder<unknown>> = {
    string: text,
    guid: sql`(CASE WHEN ${text} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN ${text}::uuid END)`,
    boolean: sql`${text}::boolean`,
    number: sql`${text}::numeric`,
    datetime: sql`${text}::timestamptz`,
  };
  return { type, column: casts[type], ...(typeof sub === 'string' || !sub.operators ? {} : { operators: sub.operators }) };
}

export function fieldTarget(name: string, field: Field, subPath = ''): Target {
  switch (field.type) {
    case 'custom':
      return { kind: 'custom', name, key: subPath ? name.slice(0, -subPath.length - 1) : name, subPath, field };
    case 'stringCollection': {
      const column = columnSql(field.column);
      return {
        kind: 'collection',
        name,
        operators: field.operators ?? DEFAULT_OPERATORS.stringCollection,
        source: (alias) => ({
          from: sql`unnest(${column}) AS ${sql.id(alias)}(${sql.id(VALUE_COLUMN)})`,
          element: {
            type: 'string',
            column: sql.ref(`${alias}.${VALUE_COLUMN}`),
            operators: field.operators ?? DEFAULT_OPERATORS.stringCollection,
          },
        }),
      };
    }
    case 'objectCollection': {
      const column = columnSql(field.column);
      return {
        kind: 'collection',
        name,
        operators: field.operators ?? DEFAULT_OPERATORS.objectCollection,
        source: (alias) => ({
          // A non-array value (NULL, an object) reads as an empty collection instead of raising an error.
          from: sql`jsonb_array_elements(CASE WHEN jsonb_typeof(${column}) = 'array' THEN ${column} ELSE '[]'::jsonb END) AS ${sql.id(alias)}(${sql.id(VALUE_COLUMN)})`,
          fields: Object.fromEntries(Object.entries(field.fields).map(([key, sub]) => [key, jsonSubField(alias, key, sub)])),
        }),
      };
    }
    default:
      return scalarTarget(name, field);
  }
}

/** Properties that may be filtered, for error messages that say what would work. */
function filterable(fields: FieldMap): string {
  return Object.entries(fields)
    .filter(([, field]) => field.type === 'custom' || (field.operators ?? ['eq']).length > 0)
    .map(([key]) => key)
    .sort()
    .join(', ');
}

function resolveProperty(path: string, position: number, t: Translation): Target {
  const field = Object.hasOwn(t.fields, path) ? t.fields[path] : undefined;
  if (field) return fieldTarget(path, field);
  for (const [key, candidate] of Object.entries(t.fields)) {
    if (candidate.type === 'custom' && path.startsWith(`${key}/`)) return fieldTarget(path, candidate, path.slice(key.length + 1));
  }
  throw filterError(`Property '${path}' is not filterable on ${t.resource} (filterable: ${filterable(t.fields)})`, position);
}

function resolveVariable(name: string, path: string, position: number, t: Translation): Target {
  const scope = t.scopes.findLast((s) => s.variable === name);
  // Only reachable when a custom field hands a lambda body to another translation.
  if (!scope) throw filterError(`Lambda variable '${name}' cannot be used here`, position);
  const { element, fields } = scope.source;
  if (path === '') {
    if (element) return scalarTarget(`${scope.collection} item`, element);
    throw filterError(`Lambda variable '${name}' stands for an object of '${scope.collection}'; use one of its properties, e.g. ${name}/${Object.keys(fields ?? {})[0] ?? 'id'}`, position);
  }
  const sub = fields && Object.hasOwn(fields, path) ? fields[path] : undefined;
  if (sub) return scalarTarget(`${scope.collection}/${path}`, sub);
  const known = Object.keys(fields ?? {}).join(', ');
  throw filterError(
    known
      ? `Property '${path}' of '${scope.collection}' is not filterable on ${t.resource} (filterable: ${known})`
      : `Lambda variable '${name}' stands for a single value of '${scope.collection}'; it has no property '${path}'`,
    position,
  );
}

export function resolveOperand(operand: Operand, t: Translation): Target {
  return operand.type === 'property'
    ? resolveProperty(operand.path, operand.position, t)
    : resolveVariable(operand.name, operand.path, operand.position, t);
}
