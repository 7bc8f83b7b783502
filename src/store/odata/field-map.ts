import type { Expression, RawBuilder, SqlBool } from 'kysely';
import type { AppError } from '#src/core/errors.ts';
import type { CompareOp, LambdaQuantifier, Literal, PredicateExpr, StringFunction } from '#src/core/odata/index.ts';

/**
 * What each resource declares once: which Graph properties may appear in `$filter`/`$orderby`, the column
 * (or SQL expression) behind each, and its type. The type decides how values are checked and compared.
 */
export type ScalarType = 'string' | 'guid' | 'boolean' | 'datetime' | 'number';
export type FilterOperator = CompareOp | 'in' | StringFunction | LambdaQuantifier;

interface ColumnField {
  /** A column name (`display_name`, or qualified `u.display_name`) or an SQL expression over the row. */
  column: string | RawBuilder<unknown>;
  /** Operators allowed in `$filter`; the default depends on the type (see DEFAULT_OPERATORS). `[]` = not filterable. */
  operators?: readonly FilterOperator[];
}

export interface ScalarField extends ColumnField {
  type: ScalarType;
  /** Whether `$orderby` may use it. Strings sort case-insensitively, NULLs last. */
  sortable?: boolean;
}

/** A string with a fixed set of values (`userType`); values match case-insensitively and are bound canonically. */
export interface EnumField extends ColumnField {
  type: 'enum';
  values: readonly string[];
  sortable?: boolean;
}

/** A `text[]` column; filtered with lambdas, `otherMails/any(m: startsWith(m,'a'))`. */
export interface StringCollectionField extends ColumnField {
  type: 'stringCollection';
}

export type SubField = ScalarType | { type: ScalarType; operators?: readonly FilterOperator[] };

/** A jsonb array of objects; filtered with lambdas over the listed sub-properties, `identities/any(i: i/issuer eq 'x')`. */
export interface ObjectCollectionField extends ColumnField {
  type: 'objectCollection';
  fields: Readonly<Record<string, SubField>>;
}

/**
 * The escape hatch: the resource translates predicates on this property itself. The key may be a prefix: a
 * custom `initiatedBy` receives `initiatedBy/user/id eq …` with `context.subPath` 'user/id'. Return a condition
 * that is true exactly for matching rows; negation (`not`, De Morgan) is applied around it.
 */
export interface CustomField {
  type: 'custom';
  filter: (predicate: PredicateExpr, context: CustomFilterContext) => Expression<SqlBool>;
}

export type Field = ScalarField | EnumField | StringCollectionField | ObjectCollectionField | CustomField;
export type FieldMap = Readonly<Record<string, Field>>;

/** Where the rows of a custom lambda come from: `from` must alias them as `alias`; `element`/`fields` read them. */
export interface LambdaSource {
  from: RawBuilder<unknown>;
  /** The variable alone (`x eq 'a'`), for collections of scalars. */
  element?: ScalarField;
  /** The variable's sub-properties (`x/id eq …`), for collections of objects. */
  fields?: Readonly<Record<string, ScalarField>>;
}

export interface CustomFilterContext {
  resource: string;
  /** The field map key that matched. */
  property: string;
  /** What followed the key in the filter's path ('' for an exact match). */
  subPath: string;
  /** Check a literal against a type and return the value to bind (400 naming the property when it does not fit). */
  value(literal: Literal, type: ScalarType): string | number | boolean | null;
  /** A 400 that names the property; throw it for anything the custom translation does not handle. */
  unsupported(detail?: string): AppError;
  /** Translate the predicate as if the property were this ordinary field. */
  translateAs(field: Exclude<Field, CustomField>): Expression<SqlBool>;
  /** Translate an any/all lambda over rows produced by SQL; `alias` is unique to this lambda. */
  lambda(source: (alias: string) => LambdaSource): Expression<SqlBool>;
}

/** Operators a field gets when it does not list its own: what Graph's directory commonly supports (no `contains`). */
export const DEFAULT_OPERATORS: Readonly<Record<Exclude<Field['type'], 'custom'> | 'enum', readonly FilterOperator[]>> = {
  string: ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'startsWith', 'endsWith'],
  enum: ['eq', 'ne', 'in'],
  guid: ['eq', 'ne', 'in'],
  boolean: ['eq', 'ne'],
  datetime: ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'],
  number: ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'],
  stringCollection: ['any', 'all', 'eq', 'ne', 'in', 'startsWith', 'endsWith'],
  objectCollection: ['any', 'all'],
};
