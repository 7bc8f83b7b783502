/** Helpers for building OData query strings the way the Graph-compatible API expects them. */

/** An OData collection page as returned by `/v1.0` list endpoints. */
export interface ODataPage<T> {
  '@odata.context'?: string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: T[];
}

/** Escapes a value for use inside a single-quoted OData string literal. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `startsWith(a,'x') or startsWith(b,'x')` over the given properties, or undefined for an empty term. */
export function startsWithAny(properties: readonly string[], term: string): string | undefined {
  const trimmed = term.trim();
  if (!trimmed) return undefined;
  return properties.map((p) => `startsWith(${p},${odataString(trimmed)})`).join(' or ');
}

/**
 * Builds `path?$a=1&$b=2`. Values are percent-encoded with encodeURIComponent (spaces as %20, never '+'),
 * and keys keep their literal `$`, which every OData server accepts.
 */
export function withQuery(path: string, params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

/** Path segment for an id taken from user input or a server response. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

/** Header Graph requires for `$count` and advanced `$filter`/`$orderby` combinations on directory objects. */
export const EVENTUAL_CONSISTENCY = { ConsistencyLevel: 'eventual' } as const;
