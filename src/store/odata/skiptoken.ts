import { badRequest } from '#src/core/errors.ts';
import { sha256Hex, isUuid } from '#src/core/crypto.ts';
import { isIsoDateTime } from '#src/core/odata/index.ts';
import type { ScalarType } from './field-map.ts';

/**
 * The opaque `$skiptoken`: base64url JSON of the last row's sort values plus a hash of the query's shape (scope
 * and `$orderby`), so a token is refused with another query instead of silently returning the wrong rows.
 *
 * The token is not signed: it holds only values the client has already seen, and every value is checked
 * against its key's type before it is bound, so a forged token can move the cursor (as `$filter` could) but
 * can never cause a database error.
 */
export type SortType = ScalarType | 'enum';

interface TokenKey {
  property: string;
  direction: 'asc' | 'desc';
  type: SortType;
}

const VERSION = 1;
const MAX_TOKEN_LENGTH = 16_384;
const NUMBER = /^(?:-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|-?Infinity)$/;

const shapeHash = (keys: readonly TokenKey[], scope: string | undefined): string =>
  sha256Hex(JSON.stringify([VERSION, scope ?? null, keys.map((k) => [k.property, k.direction])])).slice(0, 24);

export function encodeSkiptoken(keys: readonly TokenKey[], values: readonly (string | null)[], scope: string | undefined): string {
  return Buffer.from(JSON.stringify({ v: VERSION, h: shapeHash(keys, scope), k: values })).toString('base64url');
}

const invalid = () => badRequest('Invalid $skiptoken; use the @odata.nextLink of the previous page as it was returned');

/** Whether a value from a token can be bound as its key's type without PostgreSQL rejecting it. */
function fitsType(value: string, type: SortType): boolean {
  switch (type) {
    case 'guid':
      return isUuid(value);
    case 'datetime':
      return isIsoDateTime(value);
    case 'number':
      return NUMBER.test(value);
    case 'boolean':
      return value === 'true' || value === 'false';
    default:
      return !value.includes('\u0000'); // PostgreSQL text cannot hold NUL
  }
}

/** The last row's sort values from a token issued for the same keys and scope; anything else is a 400. */
export function decodeSkiptoken(token: string, keys: readonly TokenKey[], scope: string | undefined): (string | null)[] {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof body !== 'object' || body === null) throw invalid();
  const { v, h, k } = body as { v?: unknown; h?: unknown; k?: unknown };
  if (v !== VERSION || typeof h !== 'string' || !Array.isArray(k)) throw invalid();
  if (h !== shapeHash(keys, scope) || k.length !== keys.length) {
    throw badRequest('This $skiptoken belongs to a different $filter or $orderby; start again without $skiptoken');
  }
  return k.map((value: unknown, i) => {
    if (value === null) return null;
    if (typeof value !== 'string' || !fitsType(value, (keys[i] as TokenKey).type)) throw invalid();
    return value;
  });
}
