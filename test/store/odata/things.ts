import { sql } from 'kysely';
import type { Db } from '#src/store/index.ts';
import { DEFAULT_OPERATORS, type FieldMap } from '#src/store/index.ts';

/**
 * A scratch resource for the OData tests, so they depend on no module's tables: one column of every kind a
 * Graph resource maps (text, enum, bool, timestamptz, numeric, uuid, text[], jsonb array, uuid[]).
 */
export async function createThingsTable(db: Db, table = 'odata_things'): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  await sql`
    CREATE TABLE ${sql.table(table)} (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      label text NOT NULL,
      name text,
      kind text NOT NULL DEFAULT 'Member',
      enabled boolean,
      created_at timestamptz,
      score numeric,
      owner_id uuid,
      tags text[] NOT NULL DEFAULT '{}',
      identities jsonb NOT NULL DEFAULT '[]',
      target_ids uuid[] NOT NULL DEFAULT '{}'
    )`.execute(db);
}

export interface ThingRow {
  id?: string;
  label: string;
  name?: string | null;
  kind?: string;
  enabled?: boolean | null;
  created_at?: string | null;
  score?: number | null;
  owner_id?: string | null;
  tags?: (string | null)[];
  identities?: unknown[];
  target_ids?: string[];
}

export async function insertThings(db: Db, rows: readonly ThingRow[], table = 'odata_things'): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto(table)
    .values(rows.map((row) => ({ ...row, identities: JSON.stringify(row.identities ?? []) })))
    .execute();
}

/** The field map a route for this resource would declare, including the escape hatch for targetResources. */
export const thingFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'name', type: 'string', sortable: true, operators: [...DEFAULT_OPERATORS.string, 'contains'] },
  kind: { column: 'kind', type: 'enum', values: ['Member', 'Guest'], sortable: true },
  enabled: { column: 'enabled', type: 'boolean', sortable: true },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  score: { column: 'score', type: 'number', sortable: true },
  'initiatedBy/user/id': { column: 'owner_id', type: 'guid' },
  tags: { column: 'tags', type: 'stringCollection' },
  identities: {
    column: 'identities',
    type: 'objectCollection',
    fields: { signInType: 'string', issuer: 'string', issuerAssignedId: 'string', verified: 'boolean', tenantId: 'guid' },
  },
  // Audit-log style: targetResources/any(t: t/id eq '…') over a uuid[] column. The common case becomes an
  // index-friendly `= ANY(target_ids)`; anything else goes through the generic lambda over unnest().
  targetResources: {
    type: 'custom',
    filter: (predicate, context) => {
      const body = predicate.type === 'lambda' ? predicate.predicate : undefined;
      if (predicate.type === 'lambda' && predicate.quantifier === 'any' && body?.type === 'compare' && body.op === 'eq'
        && body.left.type === 'variable' && body.left.path === 'id' && body.right.type !== 'null') {
        return sql<boolean>`${context.value(body.right, 'guid')}::uuid = ANY(target_ids)`;
      }
      return context.lambda((alias) => ({
        from: sql`unnest(target_ids) AS ${sql.id(alias)}(id)`,
        fields: { id: { type: 'guid', column: sql.ref(`${alias}.id`) } },
      }));
    },
  },
  // Prefix match: initiatedBy/app/id reaches this custom field with subPath 'app/id'.
  initiatedBy: {
    type: 'custom',
    filter: (_predicate, context) => {
      if (context.subPath === 'app/id') return context.translateAs({ column: 'owner_id', type: 'guid' });
      throw context.unsupported(`only initiatedBy/user/id and initiatedBy/app/id can be filtered`);
    },
  },
};
