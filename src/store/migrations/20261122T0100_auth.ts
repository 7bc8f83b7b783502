import { sql, type Kysely } from 'kysely';

/** Auth: sign-in throttling shared by all nodes, and indexes the expiry sweeps of auth state need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // One row per throttled key (`account:<user name>` or `address:<ip>`): failures inside the current window and,
  // once the limit is reached, the end of the lockout. Kept in the database so the limit holds across nodes.
  await db.schema
    .createTable('sign_in_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .execute();
  await sql`CREATE INDEX sign_in_throttle_window_idx ON sign_in_throttle (window_started_at)`.execute(db);

  await sql`CREATE INDEX oidc_payloads_expires_idx ON oidc_payloads (expires_at)`.execute(db);
  await sql`CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at)`.execute(db);
  await sql`CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose)`.execute(db);
  await sql`CREATE INDEX one_time_tokens_expires_idx ON one_time_tokens (expires_at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
