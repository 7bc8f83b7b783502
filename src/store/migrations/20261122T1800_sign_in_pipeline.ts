import { sql, type Kysely } from 'kysely';

/**
 * The sign-in pipeline: what a browser session knows of how it was authenticated (amr, when, until when its
 * sign-in frequency lets it live), sign-ins waiting for a second factor, and emergency-access (break-glass)
 * accounts with their alert settings and alerts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE browser_sessions
    ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}',
    ADD COLUMN authenticated_at timestamptz,
    ADD COLUMN reauthenticate_at timestamptz,
    ADD COLUMN application_id text`.execute(db);
  await sql`UPDATE browser_sessions SET authenticated_at = created_at`.execute(db);

  await sql`CREATE TABLE pending_sign_ins (
    id_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state jsonb NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX pending_sign_ins_expires_idx ON pending_sign_ins (expires_at)`.execute(db);

  await sql`CREATE TABLE emergency_access_accounts (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    exclude_from_conditional_access boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    last_sign_in_at timestamptz,
    last_reminder_at timestamptz
  )`.execute(db);
  await sql`CREATE TABLE emergency_access_settings (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    webhook_url text,
    webhook_secret_sealed text,
    notify_emails text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE emergency_access_alerts (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    user_id uuid,
    user_principal_name text NOT NULL,
    created_at timestamptz NOT NULL,
    details jsonb NOT NULL,
    webhook_state text NOT NULL,
    webhook_attempts integer NOT NULL DEFAULT 0,
    webhook_next_at timestamptz,
    webhook_error text,
    acknowledged_at timestamptz,
    acknowledged_by text
  )`.execute(db);
  await sql`CREATE INDEX emergency_access_alerts_open_idx ON emergency_access_alerts (created_at) WHERE acknowledged_at IS NULL`.execute(db);
  await sql`CREATE INDEX emergency_access_alerts_webhook_idx ON emergency_access_alerts (webhook_next_at) WHERE webhook_state = 'pending'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
