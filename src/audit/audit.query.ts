import { sql } from 'kysely';
import type { ODataQuery } from '#src/core/odata/index.ts';
import { notFound } from '#src/core/errors.ts';
import { isUuid } from '#src/core/crypto.ts';
import { listPage, type Db, type FieldMap } from '#src/store/index.ts';
import type { DirectoryAudit } from './audit.types.ts';

/** $filter/$orderby over the audit log, as /v1.0/auditLogs/directoryAudits supports them. */
export const directoryAuditFields: FieldMap = {
  id: { column: 'id', type: 'guid', sortable: true },
  activityDateTime: { column: 'activity_at', type: 'datetime', sortable: true },
  category: { column: 'category', type: 'string', operators: ['eq', 'ne', 'in', 'startsWith'] },
  activityDisplayName: { column: 'activity_display_name', type: 'string', operators: ['eq', 'ne', 'in', 'startsWith'] },
  result: { column: 'result', type: 'enum', values: ['success', 'failure'] },
  correlationId: { column: 'correlation_id', type: 'guid' },
  loggedByService: { column: sql`'Gatehouse'`, type: 'string', operators: ['eq'] },
  // initiatedBy/user/id and initiatedBy/app/servicePrincipalId are both the initiator column.
  initiatedBy: {
    type: 'custom',
    filter: (_predicate, context) => {
      if (context.subPath === 'user/id' || context.subPath === 'app/servicePrincipalId') {
        return context.translateAs({ column: 'initiated_by_id', type: 'guid' });
      }
      throw context.unsupported('only initiatedBy/user/id and initiatedBy/app/servicePrincipalId can be filtered');
    },
  },
  // targetResources/any(t: t/id eq '…'): the common case uses the GIN index on target_ids.
  targetResources: {
    type: 'custom',
    filter: (predicate, context) => {
      const body = predicate.type === 'lambda' ? predicate.predicate : undefined;
      if (
        predicate.type === 'lambda' && predicate.quantifier === 'any' && body?.type === 'compare' && body.op === 'eq' &&
        body.left.type === 'variable' && body.left.path === 'id' && body.right.type !== 'null'
      ) {
        return sql<boolean>`target_ids @> ARRAY[${context.value(body.right, 'guid')}::uuid]`;
      }
      return context.lambda((alias) => ({
        from: sql`unnest(target_ids) AS ${sql.id(alias)}(id)`,
        fields: { id: { type: 'guid', column: sql.ref(`${alias}.id`) } },
      }));
    },
  },
};

const NEWEST_FIRST = [{ property: 'activityDateTime', direction: 'desc' as const }];

/**
 * A page of directoryAudit events, newest first unless $orderby says otherwise. `audit_entries` is the indexed
 * events plus the tail the indexer has not reached yet, so every committed event is found.
 */
export async function listDirectoryAudits(db: Db, odata: ODataQuery) {
  const page = await listPage(
    db,
    db.selectFrom('audit_entries').select(['data']),
    { ...odata, orderBy: odata.orderBy ?? NEWEST_FIRST },
    directoryAuditFields,
    'directoryAudits',
  );
  return { ...page, select: undefined, value: page.rows.map((r: { data: string }) => JSON.parse(r.data) as DirectoryAudit) };
}

export async function getDirectoryAudit(db: Db, id: string): Promise<DirectoryAudit> {
  const row = isUuid(id) ? await db.selectFrom('audit_entries').select('data').where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw notFound(`Resource '${id}' does not exist.`);
  return JSON.parse(row.data) as DirectoryAudit;
}
