import { sql, type Kysely } from 'kysely';

/** One identity provider per issuer: a guest bound to an issuer must lead to exactly one provider. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE UNIQUE INDEX identity_providers_issuer_key ON identity_providers (issuer)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
