import { sql, type Kysely } from 'kysely';

/** Soft-deleted users (a guest who left, or a deleted user): kept 30 days in deletedItems, then purged. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN deleted_at timestamptz`.execute(db);
  await sql`CREATE INDEX users_deleted_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
