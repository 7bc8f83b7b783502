import { sql, type Kysely } from 'kysely';

/**
 * Multifactor authentication methods: authenticator apps (TOTP, secret sealed with the master key), WebAuthn
 * credentials (passkeys and security keys), one-time recovery codes (only keyed hashes), the per-user MFA state an
 * administrator sets, and the short-lived server-side state of enrolments and WebAuthn ceremonies.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mfa_methods')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_used_at', 'timestamptz')
    // TOTP: the sealed secret and the last time step accepted (a code of that step or earlier is a replay).
    .addColumn('sealed_secret', 'text')
    .addColumn('last_time_step', 'bigint')
    // WebAuthn: credential id (base64url), COSE public key, signature counter, transports, authenticator model.
    .addColumn('credential_id', 'text', (c) => c.unique())
    .addColumn('public_key', 'bytea')
    .addColumn('sign_count', 'bigint')
    .addColumn('transports', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('aaguid', 'text')
    .addColumn('backed_up', 'boolean')
    .addCheckConstraint('mfa_methods_kind', sql`kind IN ('softwareOath', 'fido2')`)
    .addCheckConstraint(
      'mfa_methods_shape',
      sql`(kind = 'softwareOath' AND sealed_secret IS NOT NULL AND credential_id IS NULL) OR (kind = 'fido2' AND credential_id IS NOT NULL AND public_key IS NOT NULL AND sign_count IS NOT NULL AND sealed_secret IS NULL)`,
    )
    .execute();
  await db.schema.createIndex('mfa_methods_user_idx').on('mfa_methods').columns(['user_id', 'kind']).execute();

  // One set per user; a new set replaces the old. Only HMACs of the codes are kept.
  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('set_id', 'uuid', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addPrimaryKeyConstraint('mfa_recovery_codes_pk', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('mfa_user_settings')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('per_user_mfa_state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('mfa_user_settings_state', sql`per_user_mfa_state IN ('disabled', 'enforced')`)
    .execute();

  // At most one outstanding enrolment or ceremony per user and purpose; consumed on use, expired by time.
  await db.schema
    .createTable('mfa_challenges')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().unique())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('mfa_challenges_pk', ['user_id', 'purpose'])
    .execute();
  await db.schema.createIndex('mfa_challenges_expires_idx').on('mfa_challenges').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
