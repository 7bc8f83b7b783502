import { sql, type Kysely } from 'kysely';

/** Foundation schema: tenant, keys, directory, applications, audit log, sessions, OAuth provider state. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenant')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('singleton', 'boolean', (c) => c.notNull().defaultTo(true).unique().check(sql`singleton`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('initial_domain', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Private keys are sealed (AES-256-GCM) with the master key; only the public half is stored in clear.
  await db.schema
    .createTable('signing_key')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('use', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('retired_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('mail', 'text')
    .addColumn('mail_nickname', 'text')
    .addColumn('user_principal_name', 'text', (c) => c.notNull())
    .addColumn('user_type', 'text', (c) => c.notNull().check(sql`user_type IN ('Member','Guest')`))
    .addColumn('external_user_state', 'text')
    .addColumn('external_user_state_changed_at', 'timestamptz')
    .addColumn('creation_type', 'text')
    .addColumn('identities', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('other_mails', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('account_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('company_name', 'text')
    .addColumn('employee_type', 'text')
    .addColumn('department', 'text')
    .addColumn('job_title', 'text')
    .addColumn('usage_location', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('password_change_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_sign_in_at', 'timestamptz')
    .addColumn('last_non_interactive_sign_in_at', 'timestamptz')
    .addColumn('last_successful_sign_in_at', 'timestamptz')
    .addColumn('sign_in_sessions_valid_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX users_upn_key ON users (lower(user_principal_name))`.execute(db);
  await sql`CREATE INDEX users_display_name_idx ON users (lower(display_name) text_pattern_ops, id)`.execute(db);
  await sql`CREATE INDEX users_mail_idx ON users (lower(mail) text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX users_created_idx ON users (created_at, id)`.execute(db);
  await sql`CREATE INDEX users_type_idx ON users (user_type)`.execute(db);

  await db.schema
    .createTable('user_sponsors')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sponsor_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_sponsors_pk', ['user_id', 'sponsor_id'])
    .execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('mail_nickname', 'text', (c) => c.notNull())
    .addColumn('mail_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('security_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('group_types', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('membership_rule', 'text')
    .addColumn('membership_rule_processing_state', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX groups_display_name_idx ON groups (lower(display_name) text_pattern_ops, id)`.execute(db);

  // member_id/owner_id may reference a user or a group; the kind column says which (no FK across two tables).
  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'uuid', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('member_id', 'uuid', (c) => c.notNull())
    .addColumn('member_kind', 'text', (c) => c.notNull().check(sql`member_kind IN ('user','group')`))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member_id'])
    .execute();
  await sql`CREATE INDEX group_members_member_idx ON group_members (member_id)`.execute(db);

  await db.schema
    .createTable('group_owners')
    .addColumn('group_id', 'uuid', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('group_owners_pk', ['group_id', 'owner_id'])
    .execute();
  await sql`CREATE INDEX group_owners_owner_idx ON group_owners (owner_id)`.execute(db);

  // Role definitions are built in (code); assignments are data. principal may be a user, group or service principal.
  await db.schema
    .createTable('role_assignments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('principal_id', 'uuid', (c) => c.notNull())
    .addColumn('role_definition_id', 'uuid', (c) => c.notNull())
    .addColumn('directory_scope_id', 'text', (c) => c.notNull().defaultTo('/'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('role_assignments_unique', ['principal_id', 'role_definition_id', 'directory_scope_id'])
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('app_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('sign_in_audience', 'text', (c) => c.notNull().defaultTo('AzureADMyOrg'))
    .addColumn('required_resource_access', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('web_redirect_uris', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX applications_display_name_idx ON applications (lower(display_name) text_pattern_ops, id)`.execute(db);

  // Client secrets: only a hash is kept; the text is shown once, at creation.
  await db.schema
    .createTable('application_credentials')
    .addColumn('key_id', 'uuid', (c) => c.primaryKey())
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('password','certificate')`))
    .addColumn('display_name', 'text')
    .addColumn('hint', 'text')
    .addColumn('secret_hash', 'text')
    .addColumn('certificate', 'text')
    .addColumn('thumbprint', 'text')
    .addColumn('start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('end_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX application_credentials_app_idx ON application_credentials (application_id)`.execute(db);

  await db.schema
    .createTable('service_principals')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('app_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('account_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('service_principal_type', 'text', (c) => c.notNull().defaultTo('Application'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Application permissions granted to a service principal (Graph appRoleAssignment on the API's service principal).
  await db.schema
    .createTable('app_role_assignments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('principal_id', 'uuid', (c) => c.notNull().references('service_principals.id').onDelete('cascade'))
    .addColumn('resource_id', 'uuid', (c) => c.notNull())
    .addColumn('app_role_id', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('app_role_assignments_unique', ['principal_id', 'resource_id', 'app_role_id'])
    .execute();

  // Hash-chained audit log. `data` is the exact JSON that was hashed; the other columns are extracted for queries.
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('id', 'uuid', (c) => c.notNull().unique())
    .addColumn('activity_at', 'timestamptz', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('activity_display_name', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('initiated_by_id', 'uuid')
    .addColumn('target_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('correlation_id', 'uuid')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX audit_events_activity_idx ON audit_events (activity_at, seq)`.execute(db);
  await sql`CREATE INDEX audit_events_initiator_idx ON audit_events (initiated_by_id, seq)`.execute(db);
  await sql`CREATE INDEX audit_events_targets_idx ON audit_events USING gin (target_ids)`.execute(db);
  await sql`CREATE INDEX audit_events_category_idx ON audit_events (category, seq)`.execute(db);
  // The head row serialises appends (SELECT … FOR UPDATE) so the chain has one order.
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ${'0'.repeat(64)})`.execute(db);

  // Browser sessions (admin portal). Only a hash of the cookie value is stored.
  await db.schema
    .createTable('browser_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX browser_sessions_user_idx ON browser_sessions (user_id)`.execute(db);

  // One-time links (set password). Single use, hashed, expiring.
  await db.schema
    .createTable('one_time_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();

  // State of the OAuth/OIDC provider (oidc-provider adapter), shared by all nodes.
  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('user_code', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute();
  await sql`CREATE INDEX oidc_payloads_grant_idx ON oidc_payloads (grant_id)`.execute(db);
  await sql`CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid)`.execute(db);
  await sql`CREATE INDEX oidc_payloads_user_code_idx ON oidc_payloads (user_code)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
