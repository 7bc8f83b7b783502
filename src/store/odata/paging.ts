import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { badRequest } from '#src/core/errors.ts';
import { DEFAULT_TOP, type OrderByItem } from '#src/core/odata/index.ts';
import type { FieldMap } from './field-map.ts';
import { columnSql } from './filter-targets.ts';
import { decodeSkiptoken, encodeSkiptoken, type SortType } from './skiptoken.ts';

/**
 * Keyset pagination. Rows are ordered by the requested keys plus a unique tie-breaker; a page's `$skiptoken`
 * records the last row's key values, and the next page starts strictly after them. Unlike OFFSET, a row
 * inserted or deleted elsewhere never shifts the pages: no row that existed throughout is skipped or repeated.
 */
export interface PageOptions {
  fields: FieldMap;
  /** For error messages: `Property 'x' cannot be used in $orderby on users`. */
  resource?: string;
  orderBy?: readonly OrderByItem[] | undefined;
  /** Page size; DEFAULT_TOP (100) when absent. */
  top?: number | undefined;
  skiptoken?: string | undefined;
  /** A property of `fields` whose value is unique and never NULL; default 'id'. */
  tieBreaker?: string;
  /**
   * Everything else that decides which rows the query returns: the `$filter` text, `$search`, a parent id.
   * A token is only accepted with the same scope and `$orderby` it was issued for.
   */
  scope?: string | undefined;
}

export interface Page<Row> {
  rows: Row[];
  /** The `$skiptoken` of the next page, for `@odata.nextLink`; undefined on the last page. */
  skiptoken: string | undefined;
}

export interface SortKey {
  property: string;
  direction: 'asc' | 'desc';
  type: SortType;
  /** What ORDER BY uses: lower(column) for strings. */
  sort: Expression<unknown>;
  /** The same value as exact text for the token (timestamps keep their microseconds). */
  text: RawBuilder<string | null>;
}

const KEY_ALIAS = 'odata_page_key_';
const CASTS: Readonly<Record<SortType, string>> = {
  string: 'text', enum: 'text', guid: 'uuid', datetime: 'timestamptz', number: 'numeric', boolean: 'boolean',
};

function sortKey(property: string, direction: 'asc' | 'desc', options: PageOptions, tieBreaker: boolean): SortKey {
  const field = Object.hasOwn(options.fields, property) ? options.fields[property] : undefined;
  const scalar = field && field.type !== 'custom' && field.type !== 'stringCollection' && field.type !== 'objectCollection';
  if (!scalar || (!tieBreaker && !field.sortable)) {
    const sortable = Object.entries(options.fields).filter(([, f]) => 'sortable' in f && f.sortable).map(([k]) => k);
    throw badRequest(
      `Property '${property}' cannot be used in $orderby on ${options.resource ?? 'this resource'} (sortable: ${sortable.sort().join(', ') || 'none'})`,
    );
  }
  const column = columnSql(field.column);
  const text: Record<SortType, RawBuilder<string | null>> = {
    string: sql`lower(${column})`,
    // A fixed format and zone, so the text does not depend on the session's DateStyle or TimeZone.
    datetime: sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    enum: sql`(${column})::text`, guid: sql`(${column})::text`, number: sql`(${column})::text`, boolean: sql`(${column})::text`,
  };
  return { property, direction, type: field.type, sort: field.type === 'string' ? sql`lower(${column})` : column, text: text[field.type] };
}

/** The requested keys plus the tie-breaker (unless already requested), which makes the order total. */
export function sortKeys(options: PageOptions): SortKey[] {
  const tieBreaker = options.tieBreaker ?? 'id';
  const keys = (options.orderBy ?? []).map((item) => sortKey(item.property, item.direction, options, false));
  if (!keys.some((key) => key.property === tieBreaker)) keys.push(sortKey(tieBreaker, 'asc', options, true));
  return keys;
}

/**
 * Rows strictly after `values` in the order of `keys`, NULLs sorting last in both directions:
 * k1 after v1, or k1 = v1 and k2 after v2, ... A NULL value has nothing after it but other NULLs' later keys.
 */
function afterCursor(keys: SortKey[], values: (string | null)[]): Expression<SqlBool> {
  const equal = (key: SortKey, value: string | null) =>
    value === null ? sql<SqlBool>`${key.sort} IS NULL` : sql<SqlBool>`${key.sort} = ${value}::${sql.raw(CASTS[key.type])}`;
  const alternatives: RawBuilder<SqlBool>[] = [];
  keys.forEach((key, i) => {
    const value = values[i] ?? null;
    if (value === null) return;
    const op = key.direction === 'asc' ? '>' : '<';
    const after = sql<SqlBool>`(${key.sort} ${sql.raw(op)} ${value}::${sql.raw(CASTS[key.type])} OR ${key.sort} IS NULL)`;
    alternatives.push(sql.join([...keys.slice(0, i).map((k, j) => equal(k, values[j] ?? null)), after], sql` AND `));
  });
  if (alternatives.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`((${sql.join(alternatives, sql`) OR (`)}))`;
}

/**
 * Order, position and limit `query` (already filtered, not yet ordered) and fetch one page. One extra row is
 * fetched to know whether another page follows. A `$skiptoken` for a different query is a 400.
 */
export async function applyPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  options: PageOptions,
): Promise<Page<O>> {
  const keys = sortKeys(options);
  const top = options.top ?? DEFAULT_TOP;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the key columns are added to any query shape
  let paged = query as unknown as SelectQueryBuilder<any, any, Record<string, unknown>>;
  if (options.skiptoken !== undefined) {
    paged = paged.where(afterCursor(keys, decodeSkiptoken(options.skiptoken, keys, options.scope)));
  }
  keys.forEach((key, i) => {
    paged = paged
      .select(key.text.as(`${KEY_ALIAS}${i}`))
      .orderBy(sql`${key.sort} ${sql.raw(key.direction === 'asc' ? 'ASC' : 'DESC')} NULLS LAST`);
  });
  const fetched = await paged.limit(top + 1).execute();
  const rows = fetched.slice(0, top);
  const last = rows.at(-1);
  const skiptoken =
    fetched.length > top && last
      ? encodeSkiptoken(keys, keys.map((_, i) => (last[`${KEY_ALIAS}${i}`] as string | null) ?? null), options.scope)
      : undefined;
  for (const row of rows) keys.forEach((_, i) => delete row[`${KEY_ALIAS}${i}`]);
  return { rows: rows as O[], skiptoken };
}
