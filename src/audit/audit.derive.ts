import { hash } from 'node:crypto';
import type { DirectoryAudit } from './audit.types.ts';

/** The filter columns of one event, as audit_index stores them. */
export interface IndexColumns {
  id: string;
  activity_at: Date;
  code: string;
  category: string;
  activity_display_name: string;
  result: string;
  initiated_by_id: string | null;
  target_ids: string[];
  correlation_id: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL = '00000000-0000-0000-0000-000000000000';
const uuidOrNull = (value: unknown): string | null => (typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null);

/**
 * The filter columns of an event: appendAudit digests them (`lineDigest`) into the event's hash, the indexer
 * derives them again from the stored JSON with this same function, and the `audit_events_derived` view
 * (migration 20261122T1500) does the same in SQL for the unindexed tail that queries read.
 */
export function indexColumnsOf(audit: DirectoryAudit): IndexColumns {
  const user = audit.initiatedBy?.user ?? null;
  const initiator = user ? uuidOrNull(user.id) : uuidOrNull(audit.initiatedBy?.app?.servicePrincipalId);
  return {
    id: String(audit.id).toLowerCase(),
    activity_at: new Date(audit.activityDateTime),
    code: audit.additionalDetails?.find((d) => d.key === 'eventCode')?.value ?? '',
    category: audit.category,
    activity_display_name: audit.activityDisplayName,
    result: audit.result,
    initiated_by_id: initiator === NIL && !user ? null : initiator,
    target_ids: (audit.targetResources ?? []).map((t) => t.id).filter((id) => typeof id === 'string' && UUID.test(id)).map((id) => id.toLowerCase()),
    correlation_id: uuidOrNull(audit.correlationId),
  };
}

/** The canonical line of an event's filter columns; audit.verify.ts builds the same line in SQL. */
export const indexLine = (c: IndexColumns): string =>
  [c.id, c.activity_at.getTime(), c.code, c.category, c.activity_display_name, c.result, c.initiated_by_id ?? '', c.target_ids.join(','), c.correlation_id ?? ''].join('|');

/** What a format 2 event stores in `line_digest` and its hash covers. */
export const lineDigest = (c: IndexColumns): string => hash('sha256', indexLine(c));

export function sameIndexColumns(a: IndexColumns, b: IndexColumns): boolean {
  return (
    a.id === b.id && a.activity_at.getTime() === b.activity_at.getTime() && a.code === b.code && a.category === b.category &&
    a.activity_display_name === b.activity_display_name && a.result === b.result && a.initiated_by_id === b.initiated_by_id &&
    a.target_ids.join(',') === b.target_ids.join(',') && a.correlation_id === b.correlation_id
  );
}
