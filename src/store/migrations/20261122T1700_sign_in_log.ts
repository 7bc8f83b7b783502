import { sql, type Kysely } from 'kysely';

/**
 * The sign-in log (Graph's `signIn`): one row per sign-in attempt, successful or not. Not hash-chained like
 * audit_events: it is a high-volume, queryable record kept for a retention period (docs/security.md). The full
 * Graph object is in `data`; the columns beside it are what `$filter` and the risk signals read.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_ins')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // No foreign key: the log outlives deleted users, and a failed attempt may name no account at all.
    .addColumn('user_id', 'uuid')
    // As typed for an unknown account.
    .addColumn('user_principal_name', 'text', (c) => c.notNull())
    .addColumn('user_display_name', 'text')
    // member | guest; NULL when no account matched.
    .addColumn('user_type', 'text')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('app_display_name', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('client_app_used', 'text', (c) => c.notNull())
    .addColumn('is_interactive', 'boolean', (c) => c.notNull())
    // status.errorCode: 0 on success.
    .addColumn('error_code', 'integer', (c) => c.notNull())
    // success | failure | notApplied
    .addColumn('conditional_access_status', 'text', (c) => c.notNull())
    // none | low | medium | high | hidden
    .addColumn('risk_level', 'text', (c) => c.notNull())
    .addColumn('risk_event_types', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('country', 'text')
    .addColumn('city', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('correlation_id', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .execute();
  // Newest first (the default order), time-range filters and the retention sweep. NULLS LAST as the list's
  // ORDER BY says it (OData sorts NULLs last), or PostgreSQL would sort instead of reading the index in order.
  await sql`CREATE INDEX sign_ins_created_idx ON sign_ins (created_at DESC NULLS LAST, id)`.execute(db);
  // A user's history (filters and the new-country / travel / brute-force signals).
  await sql`CREATE INDEX sign_ins_user_idx ON sign_ins (user_id, created_at DESC NULLS LAST)`.execute(db);
  // userPrincipalName eq and startsWith (compared lower-cased, like every string filter).
  await sql`CREATE INDEX sign_ins_upn_idx ON sign_ins (lower(user_principal_name) text_pattern_ops, created_at DESC NULLS LAST)`.execute(db);
  await sql`CREATE INDEX sign_ins_app_idx ON sign_ins (lower(app_id), created_at DESC NULLS LAST)`.execute(db);
  // ipAddress filters and the password-spray signal (failures from one address).
  await sql`CREATE INDEX sign_ins_ip_idx ON sign_ins (lower(ip_address), created_at DESC NULLS LAST)`.execute(db);
  // Failures are the rows people look for; successes are the bulk.
  await sql`CREATE INDEX sign_ins_failures_idx ON sign_ins (error_code, created_at DESC NULLS LAST) WHERE error_code <> 0`.execute(db);
  await sql`CREATE INDEX sign_ins_risk_idx ON sign_ins (risk_level, created_at DESC NULLS LAST)`.execute(db);
  await sql`CREATE INDEX sign_ins_user_type_idx ON sign_ins (user_type, created_at DESC NULLS LAST)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
