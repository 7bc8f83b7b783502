import { sql, type SelectQueryBuilder } from 'kysely';
import { badRequest } from '#src/core/errors.ts';
import type { Db } from '../database.ts';

/**
 * `$count=true`: the number of rows the filtered query matches across all pages. Pass the query before paging;
 * it is wrapped as a subquery so joins and DISTINCT count the way the list does.
 */
export async function countRows<DB, TB extends keyof DB, O>(db: Db, query: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const row = await db
    .selectFrom(query.clearOrderBy().as('odata_counted'))
    .select(sql<number | string>`count(*)`.as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * `$select`: check the names against what the resource can return (names are case-sensitive, as in `$filter`).
 * Returns undefined when there was no `$select`, so the mapper returns its default set.
 */
export function validateSelect(
  select: readonly string[] | undefined,
  selectable: readonly string[],
  resource = 'this resource',
): string[] | undefined {
  if (select === undefined) return undefined;
  const unknown = select.filter((name) => !selectable.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((name) => `'${name}'`).join(', ');
    throw badRequest(`${unknown.length === 1 ? 'Property' : 'Properties'} ${names} cannot be selected on ${resource} (selectable: ${[...selectable].sort().join(', ')})`);
  }
  return [...select];
}
