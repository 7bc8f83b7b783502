import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { odataString, withQuery, type ODataPage } from './odata.ts';
import type { DirectoryAudit } from './types.ts';

/** Filters the Audit log page offers. Empty fields are ignored. */
export interface AuditFilters {
  /** ISO instants (UTC). */
  from?: string;
  to?: string;
  actorId?: string;
  targetId?: string;
  activity?: string;
  category?: string;
}

/** Drops milliseconds: `2026-01-01T00:00:00Z` is the form the contract shows for date literals. */
export function odataDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `$filter` expression for a set of audit filters, or undefined when none is set. */
export function auditFilterExpression(filters: AuditFilters): string | undefined {
  const clauses: string[] = [];
  if (filters.from) clauses.push(`activityDateTime ge ${odataDateTime(filters.from)}`);
  if (filters.to) clauses.push(`activityDateTime le ${odataDateTime(filters.to)}`);
  if (filters.actorId) clauses.push(`initiatedBy/user/id eq ${odataString(filters.actorId)}`);
  if (filters.targetId) clauses.push(`targetResources/any(t: t/id eq ${odataString(filters.targetId)})`);
  if (filters.activity) clauses.push(`activityDisplayName eq ${odataString(filters.activity)}`);
  if (filters.category) clauses.push(`category eq ${odataString(filters.category)}`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

export function auditFirstPageUrl(filters: AuditFilters, top = 50): string {
  return withQuery('/v1.0/auditLogs/directoryAudits', {
    $top: top,
    $orderby: 'activityDateTime desc',
    $filter: auditFilterExpression(filters),
  });
}

export function useAuditPage(url: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['audit', url],
    queryFn: ({ signal }) => api.get<ODataPage<DirectoryAudit>>(url, { signal }),
    placeholderData: keepPreviousData,
  });
}
