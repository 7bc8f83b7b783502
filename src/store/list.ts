import type { SelectQueryBuilder } from 'kysely';
import type { ODataQuery } from '#src/core/odata/index.ts';
import type { Db } from './database.ts';
import { applyPage, countRows, filterToSql, type FieldMap } from './odata/index.ts';

export interface ListResult<Row> {
  rows: Row[];
  /** For `@odata.nextLink`; undefined on the last page. */
  skiptoken: string | undefined;
  /** Only when `$count=true` was asked for. */
  count: number | undefined;
}

/**
 * One list request over a resource's base query: `$filter` → WHERE (parameters only), `$count` over the filtered
 * rows, then one keyset page in the requested order. The skiptoken is bound to `scope` (a parent id) and the filter.
 */
export async function listPage<DB, TB extends keyof DB, O>(
  db: Db,
  base: SelectQueryBuilder<DB, TB, O>,
  odata: ODataQuery,
  fields: FieldMap,
  resource: string,
  scope = '',
): Promise<ListResult<O>> {
  const filtered = odata.filter ? base.where(filterToSql(odata.filter, fields, resource) as never) : base;
  const count = odata.count ? await countRows(db, filtered) : undefined;
  const page = await applyPage(filtered, {
    fields,
    resource,
    orderBy: odata.orderBy,
    top: odata.top,
    skiptoken: odata.skiptoken,
    scope: `${scope}|${odata.filterText ?? ''}`,
  });
  return { rows: page.rows, skiptoken: page.skiptoken, count };
}
