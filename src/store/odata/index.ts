/** Field maps: how a resource's Graph properties map to columns, types and allowed operators. */
export type {
  CustomField, CustomFilterContext, EnumField, Field, FieldMap, FilterOperator, LambdaSource, ObjectCollectionField,
  ScalarField, ScalarType, StringCollectionField, SubField,
} from './field-map.ts';
/** Operators a field allows when it does not list its own. */
export { DEFAULT_OPERATORS } from './field-map.ts';
/** Translate a parsed `$filter` into a Kysely condition, all values bound as parameters. */
export { filterToSql } from './filter-sql.ts';
/** Keyset pagination with an opaque `$skiptoken` bound to the query it was issued for. */
export { applyPage, type Page, type PageOptions } from './paging.ts';
/** `$count` over the filtered query, and `$select` validation. */
export { countRows, validateSelect } from './query-helpers.ts';
