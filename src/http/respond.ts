import { badRequest } from '#src/core/errors.ts';
import { isUuid } from '#src/core/crypto.ts';

/** `@odata.context` for a resource path, as Graph writes it. */
export const contextUrl = (publicUrl: string, fragment: string): string => `${publicUrl}/v1.0/$metadata#${fragment}`;

/** Keep only the `$select`ed properties (plus id, which Graph always returns). */
export function project<T extends object>(entity: T, select: readonly string[] | undefined): Partial<T> {
  if (!select || select.length === 0) return entity;
  const source = entity as Record<string, unknown>;
  const out: Record<string, unknown> = { id: source.id };
  for (const name of select) if (name in source) out[name] = source[name];
  if (source['@odata.type'] !== undefined) out['@odata.type'] = source['@odata.type'];
  return out as Partial<T>;
}

/** The object id at the end of an `@odata.id` reference such as https://host/v1.0/directoryObjects/{id}. */
export function refId(odataId: string): string {
  const match = /\/(?:directoryObjects|users|groups|servicePrincipals)\/([^/?#]+)\/?$/.exec(odataId) ?? /^([^/]+)$/.exec(odataId);
  // Ids are plain GUIDs: nothing to percent-decode, and a malformed escape must not throw.
  const id = match?.[1] ?? '';
  if (!isUuid(id)) {
    throw badRequest(`Invalid @odata.id '${odataId}': expected a URL ending in /directoryObjects/{id}`);
  }
  return id;
}

/** Parse $select for a single-entity GET against the properties the resource has. */
export function parseEntitySelect(raw: string | undefined, selectable: readonly string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!selectable.includes(name)) throw badRequest(`Invalid $select: property '${name}' does not exist on this resource`);
  }
  return names;
}
