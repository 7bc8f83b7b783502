import { sql, type Kysely } from 'kysely';

/**
 * Federation: the partners' identity providers (OIDC and SAML) that invitees and guests sign in with, partner
 * organizations (Graph connectedOrganization), cross-tenant access settings, and guest sign-in flows that share
 * the redemption flow table.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_providers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('domains', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // The partner's tenant id for cross-tenant access settings; the issuer when not set.
    .addColumn('tenant_id', 'text')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('sealed_client_secret', 'text')
    .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('claim_mapping', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('saml_sso_url', 'text')
    .addColumn('saml_metadata_url', 'text')
    .addColumn('saml_certificates', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX identity_providers_domains_idx ON identity_providers USING gin (domains)`.execute(db);

  await db.schema
    .createTable('connected_organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('identity_sources', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('modified_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('connected_organization_sponsors')
    .addColumn('organization_id', 'uuid', (c) => c.notNull().references('connected_organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('connected_organization_sponsors_pk', ['organization_id', 'kind', 'user_id'])
    .execute();

  // Cross-tenant access settings: the default (key '#default') and one row per partner (tenant id or issuer).
  await db.schema
    .createTable('cross_tenant_policies')
    .addColumn('partner', 'text', (c) => c.primaryKey())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Guest sign-ins reuse the redemption flow: no invitation, a user instead.
  await sql`ALTER TABLE redemption_flows ADD COLUMN purpose text NOT NULL DEFAULT 'redeem'`.execute(db);
  await sql`ALTER TABLE redemption_flows ADD COLUMN user_id uuid REFERENCES users(id) ON DELETE CASCADE`.execute(db);
  await sql`ALTER TABLE redemption_flows ALTER COLUMN invitation_id DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE redemption_flows ADD COLUMN verified_claims jsonb`.execute(db);
  await sql`ALTER TABLE redemption_flows ADD COLUMN federation_error text`.execute(db);
  await sql`ALTER TABLE redemption_flows ADD CONSTRAINT redemption_flows_subject CHECK ((purpose = 'redeem' AND invitation_id IS NOT NULL) OR (purpose = 'signIn' AND user_id IS NOT NULL))`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
