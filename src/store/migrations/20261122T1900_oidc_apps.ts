import { sql, type Kysely } from 'kysely';

/**
 * Registered applications as OpenID Connect relying parties: Graph's publicClient and spa redirect URIs and the
 * web home page next to the existing web redirect URIs, and the user consent Gatehouse remembers per user and
 * application (Entra's user consent: a second sign-in with the same scopes does not ask again).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE applications
    ADD COLUMN public_client_redirect_uris text[] NOT NULL DEFAULT '{}',
    ADD COLUMN spa_redirect_uris text[] NOT NULL DEFAULT '{}',
    ADD COLUMN web_home_page_url text`.execute(db);

  await sql`CREATE TABLE oauth_consents (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id uuid NOT NULL REFERENCES applications (app_id) ON DELETE CASCADE,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, app_id)
  )`.execute(db);
  await sql`CREATE INDEX oauth_consents_app_idx ON oauth_consents (app_id)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
