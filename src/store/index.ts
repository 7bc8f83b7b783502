/** Database handle type shared by all repositories, and opening/closing the bundled or external PostgreSQL. */
export { openDatabase, connectDatabase, type Db, type Database, type DatabaseOptions } from './database.ts';
/** Run the append-only migration set. */
export { migrateToLatest } from './migrate.ts';
/** Run work in one transaction with retry on serialization failures. */
export { inTransaction } from './transaction.ts';
/** Cross-node events (LISTEN/NOTIFY). */
export { createEventBus, RECONNECTED_TOPIC, type EventBus, type BusEvent } from './events.ts';
/** Run a scheduled job on at most one node at a time (advisory lock); a readiness ping. */
export { runIfLeader, ping } from './leader.ts';
/** The bundled PostgreSQL process manager. */
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
/** OData for list routes: translate `$filter` to SQL through a resource's field map. */
export { filterToSql, DEFAULT_OPERATORS } from './odata/index.ts';
/** OData for list routes: keyset pagination with `$skiptoken`, `$count`, `$select` validation. */
export { applyPage, countRows, validateSelect, type Page, type PageOptions } from './odata/index.ts';
/** OData for list routes: the field map types each resource declares once. */
export type {
  CustomField, CustomFilterContext, EnumField, Field, FieldMap, FilterOperator, LambdaSource, ObjectCollectionField,
  ScalarField, ScalarType, StringCollectionField, SubField,
} from './odata/index.ts';
/** One filtered, counted, keyset-paged list request. */
export { listPage, type ListResult } from './list.ts';
