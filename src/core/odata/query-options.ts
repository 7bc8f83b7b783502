import { badRequest } from '#src/core/errors.ts';
import type { FilterExpr } from './filter-ast.ts';
import { syntaxError } from './filter-lexer.ts';
import { parseFilter } from './filter-parser.ts';

export interface OrderByItem {
  /** A property path as written, e.g. `displayName` or `signInActivity/lastSignInDateTime`. */
  property: string;
  direction: 'asc' | 'desc';
}

/** The OData system query options of one list request, parsed and checked for syntax (not yet against a resource). */
export interface ODataQuery {
  filter: FilterExpr | undefined;
  /** The `$filter` text as sent; paging tokens are bound to it. */
  filterText: string | undefined;
  select: string[] | undefined;
  top: number | undefined;
  orderBy: OrderByItem[] | undefined;
  count: boolean;
  skiptoken: string | undefined;
  /** Kept raw: each route decides whether and how it supports `$search`. */
  search: string | undefined;
  /** Kept raw: each route decides which navigation properties it can expand. */
  expand: string | undefined;
  /** Whether the request carried `ConsistencyLevel: eventual`, Graph's opt-in for advanced queries. */
  consistencyEventual: boolean;
}

/** Graph's page size when `$top` is absent. */
export const DEFAULT_TOP = 100;
export const MAX_TOP = 999;
const MAX_OPTION_LENGTH = 4096;

const SUPPORTED = ['filter', 'select', 'top', 'orderby', 'count', 'skiptoken', 'search', 'expand'] as const;
type OptionName = (typeof SUPPORTED)[number];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*/;

/** Splits a comma-separated option, keeping where each trimmed item starts for error positions. */
function splitList(option: string, text: string): { item: string; position: number }[] {
  if (text.length > MAX_OPTION_LENGTH) {
    throw syntaxError(option, `longer than ${MAX_OPTION_LENGTH.toLocaleString('en-US')} characters`, MAX_OPTION_LENGTH);
  }
  const items: { item: string; position: number }[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const lead = part.length - part.trimStart().length;
    const item = part.trim();
    if (item === '') throw syntaxError(option, 'expected a property name', start + lead);
    items.push({ item, position: start + lead });
    start += part.length + 1;
  }
  return items;
}

/** `$orderby=displayName desc, createdDateTime` → ordered sort keys; a property may appear only once. */
export function parseOrderBy(text: string): OrderByItem[] {
  const seen = new Set<string>();
  return splitList('$orderby', text).map(({ item, position }) => {
    const property = PATH.exec(item)?.[0];
    if (!property) throw syntaxError('$orderby', 'expected a property name', position);
    const rest = item.slice(property.length);
    const direction = rest.trim().toLowerCase();
    if (!(direction === '' || ((direction === 'asc' || direction === 'desc') && /^\s/.test(rest)))) {
      throw syntaxError('$orderby', `expected 'asc' or 'desc' after '${property}'`, position + property.length);
    }
    if (seen.has(property)) throw syntaxError('$orderby', `'${property}' is listed twice`, position);
    seen.add(property);
    return { property, direction: direction === 'desc' ? 'desc' : 'asc' };
  });
}

/** `$select=id,displayName` → property names (duplicates dropped); `*` is refused so responses stay predictable. */
export function parseSelect(text: string): string[] {
  const names = splitList('$select', text).map(({ item, position }) => {
    if (item === '*') throw badRequest('$select=* is not supported; list the properties you need', { position });
    if (!NAME.test(item)) throw syntaxError('$select', `'${item}' is not a property name`, position);
    return item;
  });
  return [...new Set(names)];
}

export function parseTop(text: string): number {
  const value = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1 && value <= MAX_TOP)) throw badRequest(`$top must be an integer between 1 and ${MAX_TOP}`);
  return value;
}

function parseCount(text: string, consistencyEventual: boolean): boolean {
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') throw badRequest('$count must be true or false');
  if (value === 'true' && !consistencyEventual) {
    throw badRequest("$count=true requires the request header 'ConsistencyLevel: eventual'");
  }
  return value === 'true';
}

/** Collects the OData options (with or without the `$` prefix, any case), refusing unknown and repeated ones. */
function collectOptions(query: Readonly<Record<string, unknown>>): Map<OptionName, string> {
  const options = new Map<OptionName, string>();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const dollar = key.startsWith('$');
    const name = (dollar ? key.slice(1) : key).toLowerCase();
    if (name === 'skip') throw badRequest('$skip is not supported; follow @odata.nextLink to get the next page');
    if (!(SUPPORTED as readonly string[]).includes(name)) {
      // Without a `$` the parameter may belong to the route; with one it is an OData option we do not know.
      if (dollar) throw badRequest(`Unknown query option '${key}' (supported: ${SUPPORTED.map((s) => `$${s}`).join(', ')})`);
      continue;
    }
    if (typeof value !== 'string' || options.has(name as OptionName)) {
      throw badRequest(`Query option '$${name}' is given more than once`);
    }
    options.set(name as OptionName, value);
  }
  return options;
}

/** Parses the system query options of a list request; resource-specific checks happen when translating. */
export function parseQueryOptions(
  query: Readonly<Record<string, unknown>>,
  headers: { consistencyLevel?: string | undefined },
): ODataQuery {
  const options = collectOptions(query);
  const consistencyEventual = headers.consistencyLevel?.trim().toLowerCase() === 'eventual';
  const text = (name: OptionName) => options.get(name);
  const filterText = text('filter');
  const skiptoken = text('skiptoken');
  if (skiptoken !== undefined && skiptoken.trim() === '') throw badRequest('$skiptoken is empty');
  return {
    filter: filterText === undefined ? undefined : parseFilter(filterText),
    filterText,
    select: text('select') === undefined ? undefined : parseSelect(text('select') as string),
    top: text('top') === undefined ? undefined : parseTop(text('top') as string),
    orderBy: text('orderby') === undefined ? undefined : parseOrderBy(text('orderby') as string),
    count: text('count') === undefined ? false : parseCount(text('count') as string, consistencyEventual),
    skiptoken,
    search: text('search'),
    expand: text('expand'),
    consistencyEventual,
  };
}
