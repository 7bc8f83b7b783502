import { sql, type Kysely } from 'kysely';

/**
 * Conditional Access policies and named locations, stored as their validated Graph bodies (jsonb) with the columns
 * lists filter and sort on. `conditional_access_versions` holds one counter per kind, bumped in the same
 * transaction as every change: sign-ins on any node compare it with the version they cached instead of re-reading
 * every policy, and the row lock of the bump serialises concurrent changes (the admin lockout check sees them one
 * at a time).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE named_locations (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('ip', 'country')),
    display_name text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    modified_at timestamptz NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE conditional_access_policies (
    id uuid PRIMARY KEY,
    display_name text NOT NULL,
    state text NOT NULL CHECK (state IN ('enabled', 'disabled', 'enabledForReportingButNotEnforced')),
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    modified_at timestamptz NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE conditional_access_versions (
    name text PRIMARY KEY,
    version bigint NOT NULL
  )`.execute(db);
  await sql`INSERT INTO conditional_access_versions (name, version) VALUES ('policies', 0), ('namedLocations', 0)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only; restore from backup to go back');
}
