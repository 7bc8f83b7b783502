import type { FastifyRequest } from 'fastify';
import { badRequest } from '#src/core/errors.ts';
import { parseQueryOptions, type ODataQuery } from '#src/core/odata/index.ts';
import { contextUrl, project } from './respond.ts';

/** What a list service returns: one page plus paging and counting facts. */
export interface CollectionPage<T> {
  value: T[];
  skiptoken: string | undefined;
  count: number | undefined;
  select: string[] | undefined;
}

/** Parse the request's OData options; `$search` and `$expand` are refused until a route supports them. */
export function odataOf(request: FastifyRequest): ODataQuery {
  const header = request.headers.consistencylevel;
  const odata = parseQueryOptions(request.query as Record<string, unknown>, { consistencyLevel: typeof header === 'string' ? header : undefined });
  if (odata.search !== undefined) throw badRequest('$search is not supported on this resource; use $filter with startsWith()');
  if (odata.expand !== undefined) throw badRequest('$expand is not supported on this resource');
  return odata;
}

/**
 * The Graph collection response: @odata.context, @odata.count when asked for, the projected values, and an
 * @odata.nextLink that repeats the request with the next $skiptoken.
 */
export function collectionResponse<T extends object>(publicUrl: string, request: FastifyRequest, contextFragment: string, page: CollectionPage<T>) {
  const body: { '@odata.context': string; '@odata.count'?: number; value: Partial<T>[]; '@odata.nextLink'?: string } = {
    '@odata.context': contextUrl(publicUrl, contextFragment),
    value: page.value.map((item) => project(item, page.select)),
  };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  if (page.skiptoken !== undefined) {
    const url = new URL(request.url, publicUrl);
    // Written as Graph writes it: `$` left literal in option names (scripts look for `$skiptoken=`).
    const parts: string[] = [];
    for (const [key, value] of url.searchParams) {
      if (key !== '$skiptoken' && key !== 'skiptoken') parts.push(`${encodeURIComponent(key).replace(/^%24/, '$')}=${encodeURIComponent(value)}`);
    }
    parts.push(`$skiptoken=${encodeURIComponent(page.skiptoken)}`);
    body['@odata.nextLink'] = `${publicUrl}${url.pathname}?${parts.join('&')}`;
  }
  return body;
}

/** Run a list service for a request and shape the response. */
export async function listRoute<T extends object>(
  publicUrl: string,
  request: FastifyRequest,
  contextFragment: string,
  list: (odata: ODataQuery) => Promise<CollectionPage<T>>,
) {
  return collectionResponse(publicUrl, request, contextFragment, await list(odataOf(request)));
}
