import { sql, type Kysely } from 'kysely';

/**
 * The audit log becomes 16 independent hash chains (docs/adr/0003-parallel-audit-chains.md): a transaction
 * appends to the chain of its database connection, so concurrent transactions no longer queue on one head row
 * through their commit flush. Existing events belong to chain 1.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE audit_events ADD COLUMN chain smallint NOT NULL DEFAULT 1`.execute(db);
  await sql`ALTER TABLE audit_events ALTER COLUMN chain DROP DEFAULT`.execute(db);
  await sql`ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey`.execute(db);
  await sql`ALTER TABLE audit_events ADD PRIMARY KEY (chain, seq)`.execute(db);
  await sql`ALTER TABLE audit_head DROP CONSTRAINT IF EXISTS audit_head_id_check`.execute(db);
  await sql`ALTER TABLE audit_head ADD CONSTRAINT audit_head_chain_range CHECK (id BETWEEN 1 AND 16)`.execute(db);
  await sql`INSERT INTO audit_head (id, seq, hash) SELECT g, 0, ${'0'.repeat(64)} FROM generate_series(2, 16) AS g`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
