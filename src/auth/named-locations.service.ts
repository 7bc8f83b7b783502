import { sql, type Selectable } from 'kysely';
import { changedProperties } from '#src/core/diff.ts';
import { isUuid, newId } from '#src/core/crypto.ts';
import { AppError } from '#src/core/errors.ts';
import type { Clock } from '#src/core/clock.ts';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { appendAudit, type Actor } from '#src/audit/index.ts';
import { compileNamedLocations, validateNamedLocation, IP_NAMED_LOCATION, type CompiledNamedLocations, type NamedLocation, type NamedLocationInput } from '#src/policy/index.ts';
import { inTransaction, listPage, type Db, type FieldMap } from '#src/store/index.ts';
import { authError } from './auth.errors.ts';
import type { CaDb, NamedLocationTable } from './conditional-access.tables.ts';
import { bumpVersion, canonicalJson, lockConditionalAccess, versionedLoader } from './conditional-access.versions.ts';

/**
 * Named locations of Conditional Access (Graph `/identity/conditionalAccess/namedLocations`): IP ranges (which
 * may be trusted) and countries. Bodies are checked by the pure validator; a location a policy names cannot be
 * deleted (as in Entra), so a policy never points at nothing.
 */
export interface ConditionalAccessDeps {
  db: Db;
  clock: Clock;
}

type Row = Selectable<NamedLocationTable>;

export function toGraphNamedLocation(row: Row): NamedLocation {
  return {
    id: row.id,
    ...row.body,
    displayName: row.display_name,
    createdDateTime: row.created_at.toISOString(),
    modifiedDateTime: row.modified_at.toISOString(),
  } as NamedLocation;
}

export const namedLocationFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  displayName: { column: 'display_name', type: 'string', sortable: true },
  createdDateTime: { column: 'created_at', type: 'datetime', sortable: true },
  modifiedDateTime: { column: 'modified_at', type: 'datetime', sortable: true },
};

const invalid = (problems: string[]): AppError => new AppError('INVALID_VALUE', 400, problems.join('; '), { details: { problems } });
const target = (row: { id: string; display_name: string }) => ({ id: row.id, type: 'NamedLocation', displayName: row.display_name });
const kindOf = (body: NamedLocationInput): Row['kind'] => (body['@odata.type'] === IP_NAMED_LOCATION ? 'ip' : 'country');
const auditable = (body: NamedLocationInput): Record<string, unknown> => canonicalJson({ ...body });

async function rowOf(db: Db, id: string): Promise<Row> {
  const row = isUuid(id) ? await (db as CaDb).selectFrom('named_locations').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw authError('NAMED_LOCATION_NOT_FOUND', `Named location '${id}' does not exist.`);
  return row;
}

export async function getNamedLocation(db: Db, id: string): Promise<NamedLocation> {
  return toGraphNamedLocation(await rowOf(db, id));
}

export async function listNamedLocations(db: Db, odata: ODataQuery) {
  const page = await listPage(db, (db as CaDb).selectFrom('named_locations').selectAll(), odata, namedLocationFields, 'namedLocations');
  return { ...page, select: odata.select, value: (page.rows as Row[]).map(toGraphNamedLocation) };
}

/** Ids of the named locations that exist among `ids` (for checking the locations a policy names). */
export async function existingNamedLocationIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Set();
  const rows = await (db as CaDb).selectFrom('named_locations').select('id').where('id', 'in', valid).execute();
  return new Set(rows.map((row) => row.id));
}

const namedLocations = versionedLoader('namedLocations', async (db) => {
  const rows = await (db as CaDb).selectFrom('named_locations').selectAll().orderBy('id').execute();
  const locations = Object.freeze(rows.map(toGraphNamedLocation));
  return { locations, compiled: compileNamedLocations(locations) };
});

/** Every named location, for the sign-in pipeline: cached until a location changes (on any node, seen within a second). */
export async function loadNamedLocations(db: Db): Promise<readonly NamedLocation[]> {
  return (await namedLocations.load(db)).locations;
}

/** The named locations prepared for matching (ranges parsed once), cached like `loadNamedLocations`. */
export async function loadCompiledNamedLocations(db: Db): Promise<CompiledNamedLocations> {
  return (await namedLocations.load(db)).compiled;
}

export async function createNamedLocation(deps: ConditionalAccessDeps, actor: Actor, body: unknown): Promise<NamedLocation> {
  const checked = validateNamedLocation(body, null);
  if (!checked.ok) throw invalid(checked.problems);
  const now = deps.clock.now();
  const { displayName, ...rest } = checked.value;
  const row: Row = { id: newId(), kind: kindOf(checked.value), display_name: displayName, body: rest as NamedLocationInput, created_at: now, modified_at: now };
  await inTransaction(deps.db, async (trx) => {
    await lockConditionalAccess(trx);
    await (trx as CaDb).insertInto('named_locations').values({ ...row, body: JSON.stringify(row.body) }).execute();
    await bumpVersion(trx, 'namedLocations');
    await appendAudit(trx, deps.clock, { event: 'namedLocation.created', actor, targets: [target(row)], details: { type: checked.value['@odata.type'] } });
  });
  namedLocations.forget(deps.db);
  return toGraphNamedLocation(row);
}

export async function updateNamedLocation(deps: ConditionalAccessDeps, actor: Actor, id: string, body: unknown): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await lockConditionalAccess(trx);
    const before = await rowOf(trx, id);
    const stored = { ...before.body, displayName: before.display_name } as NamedLocationInput;
    const checked = validateNamedLocation(body, stored);
    if (!checked.ok) throw invalid(checked.problems);
    const changes = changedProperties(auditable(stored), auditable(checked.value));
    if (changes.length === 0) return;
    const { displayName, ...rest } = checked.value;
    await (trx as CaDb).updateTable('named_locations').set({ display_name: displayName, body: JSON.stringify(rest), modified_at: deps.clock.now() }).where('id', '=', before.id).execute();
    await bumpVersion(trx, 'namedLocations');
    await appendAudit(trx, deps.clock, { event: 'namedLocation.updated', actor, targets: [{ ...target(before), modifiedProperties: changes }] });
  });
  namedLocations.forget(deps.db);
}

/** Delete a location no policy names; otherwise refuse and say which policies name it. */
export async function deleteNamedLocation(deps: ConditionalAccessDeps, actor: Actor, id: string): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await lockConditionalAccess(trx);
    const row = await rowOf(trx, id);
    const location = sql`to_jsonb(${row.id}::text)`;
    const users = await (trx as CaDb)
      .selectFrom('conditional_access_policies')
      .select('display_name')
      .where((eb) => eb.or([
        sql<boolean>`body->'conditions'->'locations'->'includeLocations' @> ${location}`,
        sql<boolean>`body->'conditions'->'locations'->'excludeLocations' @> ${location}`,
      ]) as never)
      .orderBy('display_name')
      .execute();
    if (users.length > 0) {
      throw authError('NAMED_LOCATION_IN_USE', `The named location '${row.display_name}' is used by the Conditional Access ${users.length === 1 ? 'policy' : 'policies'} ${users.map((u) => `'${u.display_name}'`).join(', ')}; remove it there first.`);
    }
    await (trx as CaDb).deleteFrom('named_locations').where('id', '=', row.id).execute();
    await bumpVersion(trx, 'namedLocations');
    await appendAudit(trx, deps.clock, { event: 'namedLocation.deleted', actor, targets: [target(row)] });
  });
  namedLocations.forget(deps.db);
}
