/** Database handle type shared by all repositories, and opening/closing the bundled or external PostgreSQL. */
export { openDatabase, connectDatabase, type Db, type Database, type DatabaseOptions } from './database.ts';
/** Run the append-only migration set. */
export { migrateToLatest } from './migrate.ts';
/** Run work in one transaction with retry on serialization failures. */
export { inTransaction } from './transaction.ts';
/** Cross-node events (LISTEN/NOTIFY). */
export { createEventBus, RECONNECTED_TOPIC, type EventBus, type BusEvent } from './events.ts';
/** Run a scheduled job on at most one node at a time (advisory lock). */
export { runIfLeader } from './leader.ts';
/** The bundled PostgreSQL process manager. */
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
