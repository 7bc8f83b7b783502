import { sql, type Kysely } from 'kysely';

/**
 * B2B guests: tenant policies (invite policy, external collaboration settings), invitations, browser redemption
 * flows with email one-time passcodes, and the mail outbox every outgoing message is written to first.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // One row per policy document (authorizationPolicy, externalIdentitiesPolicy, externalCollaboration, ...). The
  // body holds only what an administrator set; defaults live in code so that new settings get sensible values.
  await db.schema
    .createTable('tenant_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // An invitation of a guest (or external member). Only the SHA-256 of the redeem token is stored.
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('user_type', 'text', (c) => c.notNull())
    .addColumn('redirect_url', 'text', (c) => c.notNull())
    .addColumn('send_message', 'boolean', (c) => c.notNull())
    .addColumn('message_info', 'jsonb', (c) => c.notNull())
    .addColumn('reset_redemption', 'boolean', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.unique())
    // The hash of a redeemed link, so that using it again gets "already accepted" rather than "not valid".
    .addColumn('spent_token_hash', 'text', (c) => c.unique())
    .addColumn('invited_by', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('voided_at', 'timestamptz')
    .execute();
  // Invitations look guests up by email address (case-insensitive).
  await sql`CREATE INDEX users_mail_lower_idx ON users (lower(mail))`.execute(db);
  await sql`CREATE INDEX invitations_user_idx ON invitations (user_id, created_at)`.execute(db);
  await sql`CREATE INDEX invitations_created_idx ON invitations (created_at, id)`.execute(db);

  // A redemption in progress in one browser (cookie value hashed). Holds the proof of identity collected so far.
  await db.schema
    .createTable('redemption_flows')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('invitation_id', 'uuid', (c) => c.notNull().references('invitations.id').onDelete('cascade'))
    .addColumn('method', 'text')
    .addColumn('verified_issuer', 'text')
    .addColumn('verified_subject', 'text')
    .addColumn('verified_email', 'text')
    .addColumn('federation_state', 'jsonb')
    .addColumn('otp_hash', 'text')
    .addColumn('otp_expires_at', 'timestamptz')
    .addColumn('otp_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('otp_sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('otp_last_sent_at', 'timestamptz')
    .addColumn('consented_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX redemption_flows_expires_idx ON redemption_flows (expires_at)`.execute(db);
  await sql`CREATE INDEX redemption_flows_invitation_idx ON redemption_flows (invitation_id)`.execute(db);

  // Transactional outbox: a message is written in the same transaction as the change that causes it, then
  // delivered (or marked notSent when no SMTP server is configured). A restart retries what is still queued.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('related_id', 'uuid')
    .addColumn('to_addresses', sql`text[]`, (c) => c.notNull())
    .addColumn('cc_addresses', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    // A secret placed in the message at delivery only (a one-time passcode); sealed with the master key and
    // erased once sent, so the outbox an administrator reads never shows it.
    .addColumn('sealed_secret', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // A claim (status sending) lasts until this time; a node that died mid-send leaves it for the retry sweep.
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at, id)`.execute(db);
  await sql`CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status IN ('queued', 'sending')`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
